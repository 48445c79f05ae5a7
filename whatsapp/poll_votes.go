package whatsapp

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// PollVotePayload is what a stored vote keeps: the chosen options as WhatsApp sends them,
// upper-case hex SHA-256 of each option's name.
type PollVotePayload struct {
	OptionHashes []string `json:"optionHashes"`
}

// recordPollVote decrypts a vote on a poll with the poll's secret (kept by whatsmeow when the
// poll was sent or received) and stores it as a message quoting the poll. A voter's later vote
// replaces nothing here: the poll route counts each voter's latest.
func (m *Manager) recordPollVote(s *session, cli *whatsmeow.Client, evt any) {
	e, ok := evt.(*events.Message)
	if !ok || m.opts.Messages == nil || e.Message.GetPollUpdateMessage() == nil {
		return
	}
	ctx, cancel := context.WithTimeout(m.ctx, storeWriteTimeout)
	defer cancel()
	vote, err := cli.DecryptPollVote(ctx, e)
	if err != nil {
		s.log.Info("a poll vote could not be decrypted", "id", e.Info.ID, "err", err)
		return
	}
	var payload PollVotePayload
	for _, h := range vote.GetSelectedOptions() {
		payload.OptionHashes = append(payload.OptionHashes, strings.ToUpper(hex.EncodeToString(h)))
	}
	raw, _ := json.Marshal(payload)
	stored := &switchboard.StoredMessage{
		InstanceID: s.id, ID: e.Info.ID, Chat: toDomainJID(e.Info.Chat.ToNonAD()),
		Sender: toDomainJID(e.Info.Sender.ToNonAD()), FromMe: e.Info.IsFromMe, Timestamp: e.Info.Timestamp,
		Type: switchboard.MessagePollVote, Payload: raw, Source: "whatsapp", Status: switchboard.StatusDelivered,
		QuotedID: e.Message.GetPollUpdateMessage().GetPollCreationMessageKey().GetID(),
	}
	if err := m.opts.Messages.SaveMessage(ctx, stored); err != nil {
		s.log.Warn("storing a poll vote", "id", e.Info.ID, "err", err)
	}
}
