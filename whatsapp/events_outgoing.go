package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// sentReporter stores the outgoing message.exchange event of a message sent through the API.
// WhatsApp does not echo a device's own sends back to it, so this is the only report of them.
type sentReporter func(ctx context.Context, to types.JID, msg *waE2E.Message, resp whatsmeow.SendResponse, source string)

// sentReporterFor reports the sends of s. The event is written at once, under the dedupe key of
// the message (the same a copy from another device would have); if that write fails, the
// instance.state queue takes it and retries until stored, since the message is already sent
// and the send must not fail for its report.
func (m *Manager) sentReporterFor(s *session, cli *whatsmeow.Client, own types.JID) sentReporter {
	if m.opts.Events == nil {
		return nil
	}
	return func(ctx context.Context, to types.JID, msg *waE2E.Message, resp whatsmeow.SendResponse, source string) {
		if msg.GetEditedMessage().GetMessage() != nil {
			msg = msg.GetEditedMessage().GetMessage()
		}
		sender := resp.Sender
		if sender.IsEmpty() {
			sender = own
		}
		info := types.MessageInfo{
			MessageSource: types.MessageSource{Chat: to.ToNonAD(), Sender: sender.ToNonAD(), IsFromMe: true, IsGroup: to.Server == types.GroupServer},
			ID:            resp.ID, Timestamp: resp.Timestamp,
		}
		if source == "" {
			source = "api"
		}
		ev, ok := messageEvent(info, msg, source)
		if !ok {
			return
		}
		p := pendingEvent{
			typ: switchboard.EventMessageExchange, key: messageKey(sender, resp.ID), at: ev.Timestamp,
			data: switchboard.MessageExchangeData{ID: ev.ID, Message: ev},
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), catalogueWriteTimeout)
		defer cancel()
		if info.IsGroup && cli != nil {
			named := []pendingEvent{p}
			m.nameGroupChats(wctx, s, cli, named)
			p = named[0]
		}
		err := m.storeEvent(wctx, s.id, p)
		if err == nil {
			return
		}
		s.log.Warn("storing an outgoing message event; queued to retry", "id", resp.ID, "err", err)
		m.queueEvent(s.id, p)
	}
}
