package whatsapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// The catalogue's events (message.exchange, message.status, call.update, group.flow,
// label.update) are stored from inside whatsmeow's handler: the client runs with synchronous
// acks and the decrypted-event buffer (newClient), so WhatsApp gets its ack only after the event
// is committed, and a failed write makes the handler report failure so the stanza is not acked
// and comes again (served from the buffer, since its ratchet already moved). Each event carries
// a dedupe key, so that redelivery is stored once.

// catalogueWriteTimeout bounds the outbox write of one event from the event loop.
const catalogueWriteTimeout = 10 * time.Second

// pendingEvent is one catalogue event before it is stored.
type pendingEvent struct {
	typ  string
	key  string // dedupe key; "" derives it from the data
	at   time.Time
	data any
}

// dedupeKey is the event's key, or one derived from its encoded data: the same change reported
// again (a redelivered notification, a replayed app-state sync) has the same data.
func (p pendingEvent) dedupeKey(data []byte) string {
	if p.key != "" {
		return p.key
	}
	sum := sha256.Sum256(data)
	return p.typ + "/" + hex.EncodeToString(sum[:16])
}

// emitCatalogue stores the catalogue events of one whatsmeow event; an error means at least one
// was not stored, and the handler must report failure.
func (m *Manager) emitCatalogue(s *session, cli *whatsmeow.Client, evt any) error {
	if m.opts.Events == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(m.ctx, catalogueWriteTimeout)
	defer cancel()
	ps := m.catalogueEvents(ctx, s, cli, evt)
	m.nameGroupChats(ctx, s, cli, ps)
	for _, p := range ps {
		err := m.storeEvent(ctx, s.id, p)
		if err == nil {
			continue
		}
		if redelivered(evt) {
			return fmt.Errorf("storing a %s event: %w", p.typ, err)
		}
		// whatsmeow acks calls whatever the handler says, and app-state changes are not
		// stanzas: nothing would come again, so the retrying queue takes the event.
		s.log.Warn("storing an event; queued to retry", "type", p.typ, "err", err)
		m.queueEvent(s.id, p)
	}
	return nil
}

// redelivered reports whether WhatsApp sends the source of evt again when the handler fails
// (whatsmeow then withholds the ack): messages, receipts and group notifications.
func redelivered(evt any) bool {
	switch evt.(type) {
	case *events.Message, *events.Receipt, *events.GroupInfo, *events.JoinedGroup:
		return true
	}
	return false
}

// queueEvent hands an event to the retrying queue of instance.state events (events_state.go),
// which stores it, in order, under its dedupe key.
func (m *Manager) queueEvent(instanceID int64, p pendingEvent) {
	data, err := json.Marshal(p.data)
	if err != nil || m.stateEvents == nil {
		return
	}
	m.stateEvents.push(switchboard.Event{
		ID: switchboard.NewEventID(), InstanceID: instanceID, Type: p.typ, DedupeKey: p.dedupeKey(data), OccurredAt: p.at, Data: data,
	})
}

// storeEvent writes one event to the outbox; an instance deleted meanwhile is not an error (its
// events have nowhere to go, and redelivery would not change that).
func (m *Manager) storeEvent(ctx context.Context, instanceID int64, p pendingEvent) error {
	data, err := json.Marshal(p.data)
	if err != nil {
		return err
	}
	_, err = m.opts.Events.Emit(ctx, switchboard.Event{
		ID: switchboard.NewEventID(), InstanceID: instanceID, Type: p.typ, DedupeKey: p.dedupeKey(data),
		OccurredAt: p.at, Data: data,
	})
	if errors.Is(err, switchboard.ErrNotFound) {
		return nil
	}
	return err
}

// catalogueEvents maps a whatsmeow event to the catalogue's events (none for most).
func (m *Manager) catalogueEvents(ctx context.Context, s *session, cli *whatsmeow.Client, evt any) []pendingEvent {
	switch e := evt.(type) {
	case *events.Message:
		if p, ok := m.messageExchange(ctx, s, cli, e); ok {
			return []pendingEvent{p}
		}
	case *events.Receipt:
		if p, ok := messageStatus(e); ok {
			return []pendingEvent{p}
		}
	case *events.CallOffer, *events.CallAccept, *events.CallReject, *events.CallTerminate,
		*events.CallOfferNotice, *events.CallRelayLatency:
		return []pendingEvent{callUpdate(e)}
	case *events.JoinedGroup:
		return []pendingEvent{joinedGroup(e)}
	case *events.GroupInfo:
		return groupFlow(e)
	case *events.LabelEdit:
		return []pendingEvent{labelEdit(e)}
	case *events.LabelAssociationChat:
		return []pendingEvent{labelAssociation(e)}
	}
	return nil
}

// messageKey is a message's dedupe key: its author and id (ids are unique per author), the same
// whether the message arrives once, again after a crash, or is reported by the sending side.
func messageKey(sender types.JID, id string) string {
	return switchboard.EventMessageExchange + "/" + sender.ToNonAD().User + "/" + id
}

func (m *Manager) messageExchange(ctx context.Context, s *session, cli *whatsmeow.Client, e *events.Message) (pendingEvent, bool) {
	ev, ok := messageEvent(e.Info, e.Message, "whatsapp")
	if !ok {
		return pendingEvent{}, false
	}
	if ev.Content != nil && ev.Content.PollVote != nil {
		m.decryptVote(ctx, s, cli, e, ev.Content.PollVote)
	}
	return pendingEvent{
		typ: switchboard.EventMessageExchange, key: messageKey(e.Info.Sender, e.Info.ID), at: ev.Timestamp,
		data: switchboard.MessageExchangeData{ID: ev.ID, Message: ev},
	}, true
}

// decryptVote reads a poll vote with the poll's secret (whatsmeow keeps the secrets of polls the
// account sent or received) and names the options when the poll is in the message store.
func (m *Manager) decryptVote(ctx context.Context, s *session, cli *whatsmeow.Client, e *events.Message, vote *switchboard.EventPollVote) {
	pv, err := cli.DecryptPollVote(ctx, e)
	if err != nil {
		s.log.Warn("decrypting a poll vote", "id", e.Info.ID, "poll", vote.PollID, "err", err)
		vote.Undecrypted = true
		return
	}
	vote.OptionHashes = optionHashes(pv.GetSelectedOptions())
	names := map[string]string{}
	if m.opts.Messages != nil {
		if poll, err := m.opts.Messages.Message(ctx, s.id, vote.PollID); err == nil {
			for _, o := range pollOptionsOf(poll) {
				sum := sha256.Sum256([]byte(o))
				names[hex.EncodeToString(sum[:])] = o
			}
		}
	}
	for _, h := range vote.OptionHashes {
		if n, ok := names[h]; ok {
			vote.Options = append(vote.Options, n)
		} else {
			vote.Options = append(vote.Options, h)
		}
	}
}

// pollOptionsOf reads the options kept in a stored poll's payload.
func pollOptionsOf(poll *switchboard.StoredMessage) []string {
	var p struct {
		Options []string `json:"options"`
	}
	_ = json.Unmarshal(poll.Payload, &p)
	return p.Options
}

var receiptStatuses = map[types.ReceiptType]string{
	types.ReceiptTypeDelivered:   switchboard.ReceiptDelivered,
	types.ReceiptTypeRead:        switchboard.ReceiptRead,
	types.ReceiptTypePlayed:      switchboard.ReceiptPlayed,
	types.ReceiptTypeSender:      switchboard.ReceiptSender,
	types.ReceiptTypeReadSelf:    switchboard.ReceiptReadSelf,
	types.ReceiptTypePlayedSelf:  switchboard.ReceiptPlayedSelf,
	types.ReceiptTypeRetry:       switchboard.ReceiptRetry,
	types.ReceiptTypeInactive:    switchboard.ReceiptInactive,
	types.ReceiptTypeServerError: switchboard.ReceiptServerError,
}

func messageStatus(e *events.Receipt) (pendingEvent, bool) {
	status, ok := receiptStatuses[e.Type]
	if !ok || len(e.MessageIDs) == 0 {
		return pendingEvent{}, false
	}
	d := switchboard.MessageStatusData{
		Status: status, MessageIDs: e.MessageIDs, Chat: chatOf(types.MessageInfo{MessageSource: e.MessageSource}),
		From: personOf(e.Sender, e.SenderAlt, ""), Timestamp: e.Timestamp.UTC(),
	}
	if e.IsGroup && !e.MessageSender.IsEmpty() {
		d.MessageSender = e.MessageSender.ToNonAD().String()
	}
	return pendingEvent{typ: switchboard.EventMessageStatus, at: d.Timestamp, data: d}, true
}

func callUpdate(evt any) pendingEvent {
	var (
		d      switchboard.CallUpdateData
		meta   types.BasicCallMeta
		remote types.CallRemoteMeta
	)
	switch e := evt.(type) {
	case *events.CallOffer:
		d.Status, meta, remote = switchboard.CallOffer, e.BasicCallMeta, e.CallRemoteMeta
	case *events.CallAccept:
		d.Status, meta, remote = switchboard.CallAccepted, e.BasicCallMeta, e.CallRemoteMeta
	case *events.CallReject:
		d.Status, meta = switchboard.CallRejected, e.BasicCallMeta
	case *events.CallTerminate:
		d.Status, meta, d.Reason = switchboard.CallTerminated, e.BasicCallMeta, e.Reason
	case *events.CallOfferNotice:
		d.Status, meta, d.Media = switchboard.CallNotification, e.BasicCallMeta, e.Media
	case *events.CallRelayLatency:
		d.Status, meta = switchboard.CallLatency, e.BasicCallMeta
	}
	d.CallID, d.Platform, d.Timestamp = meta.CallID, remote.RemotePlatform, meta.Timestamp.UTC()
	d.From = personOf(meta.From, types.EmptyJID, "")
	d.Creator = personOf(meta.CallCreator, meta.CallCreatorAlt, "")
	if !meta.GroupJID.IsEmpty() {
		d.Group = meta.GroupJID.String()
	}
	return pendingEvent{typ: switchboard.EventCallUpdate, key: switchboard.EventCallUpdate + "/" + d.CallID + "/" + d.Status, at: d.Timestamp, data: d}
}

func labelEdit(e *events.LabelEdit) pendingEvent {
	d := switchboard.LabelUpdateData{
		Action: switchboard.LabelEdited, LabelID: e.LabelID, Name: e.Action.GetName(),
		Deleted: e.Action.GetDeleted(), Timestamp: e.Timestamp.UTC(),
	}
	if e.Action != nil && e.Action.Color != nil {
		c := e.Action.GetColor()
		d.Color = &c
	}
	return pendingEvent{typ: switchboard.EventLabelUpdate, at: d.Timestamp, data: d}
}

func labelAssociation(e *events.LabelAssociationChat) pendingEvent {
	d := switchboard.LabelUpdateData{
		Action: switchboard.LabelRemoved, LabelID: e.LabelID, Chat: e.JID.ToNonAD().String(), Timestamp: e.Timestamp.UTC(),
	}
	if e.Action.GetLabeled() {
		d.Action = switchboard.LabelAdded
	}
	return pendingEvent{typ: switchboard.EventLabelUpdate, at: d.Timestamp, data: d}
}
