package wasim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// ErrNoSuchMessage is returned when a phone is asked to act on a message it
// never received.
var ErrNoSuchMessage = errors.New("wasim: the phone has no such message")

// sentPoll is what a phone keeps of a poll it created, to read the votes.
type sentPoll struct {
	secret  []byte
	options []string
}

// PhoneSendPoll sends a poll from a phone (with the message secret votes
// are encrypted with, as whatsmeow's BuildPollCreation adds).
func (s *Server) PhoneSendPoll(ctx context.Context, from string, to types.JID, name string, options []string, selectable int) (string, error) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	opts := make([]*waE2E.PollCreationMessage_Option, len(options))
	for i, o := range options {
		opts[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
	}
	return s.PhoneSend(ctx, from, to, &waE2E.Message{
		PollCreationMessage: &waE2E.PollCreationMessage{
			Name: proto.String(name), Options: opts, SelectableOptionsCount: proto.Uint32(uint32(selectable)),
		},
		MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: secret},
	})
}

// rememberPoll keeps the secret of a poll the phone sent.
func (p *phone) rememberPoll(id string, m *waE2E.Message) {
	poll := m.GetPollCreationMessage()
	secret := m.GetMessageContextInfo().GetMessageSecret()
	if poll == nil || len(secret) == 0 {
		return
	}
	opts := make([]string, 0, len(poll.GetOptions()))
	for _, o := range poll.GetOptions() {
		opts = append(opts, o.GetOptionName())
	}
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	if p.polls == nil {
		p.polls = make(map[string]sentPoll)
	}
	p.polls[id] = sentPoll{secret: secret, options: opts}
}

// PhoneVote votes in a poll the phone received, encrypting the vote with
// the poll's message secret exactly as whatsmeow's EncryptPollVote does, so
// the poll's creator can read it with DecryptPollVote.
func (s *Server) PhoneVote(ctx context.Context, number string, chat types.JID, pollID string, options []string) (string, error) {
	number = digitsOnly(number)
	p, err := s.phoneFor(number)
	if err != nil {
		return "", err
	}
	chat = chat.ToNonAD()
	poll, ok := p.received(chat, pollID)
	secret := poll.Message.GetMessageContextInfo().GetMessageSecret()
	if !ok || poll.Message.GetPollCreationMessage() == nil && poll.Message.GetPollCreationMessageV3() == nil || len(secret) == 0 {
		return "", ErrNoSuchMessage
	}
	vote, err := proto.Marshal(&waE2E.PollVoteMessage{SelectedOptions: hashOptions(options)})
	if err != nil {
		return "", err
	}
	voter := types.NewJID(number, types.DefaultUserServer)
	key, ad := pollVoteKey(voter, pollID, poll.Sender, secret)
	iv := make([]byte, 12)
	_, _ = rand.Read(iv)
	ct, err := gcmutil.Encrypt(key, iv, vote, ad)
	if err != nil {
		return "", err
	}
	msgKey := &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(false), ID: proto.String(pollID)}
	if chat.Server == types.GroupServer {
		msgKey.Participant = proto.String(poll.Sender.String())
	}
	return s.PhoneSend(ctx, number, chat, &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{
		PollCreationMessageKey: msgKey,
		Vote:                   &waE2E.PollEncValue{EncPayload: ct, EncIV: iv},
		SenderTimestampMS:      proto.Int64(time.Now().UnixMilli()),
	}})
}

// readVote decrypts a vote on one of the phone's own polls into option names.
func (p *phone) readVote(voter types.JID, m *waE2E.Message) ([]string, error) {
	upd := m.GetPollUpdateMessage()
	id := upd.GetPollCreationMessageKey().GetID()
	p.inboxMu.Lock()
	poll, ok := p.polls[id]
	p.inboxMu.Unlock()
	if !ok {
		return nil, ErrNoSuchMessage
	}
	key, ad := pollVoteKey(voter, id, types.NewJID(p.number, types.DefaultUserServer), poll.secret)
	plain, err := gcmutil.Decrypt(key, upd.GetVote().GetEncIV(), upd.GetVote().GetEncPayload(), ad)
	if err != nil {
		return nil, fmt.Errorf("decrypt vote: %w", err)
	}
	var vote waE2E.PollVoteMessage
	if err := proto.Unmarshal(plain, &vote); err != nil {
		return nil, err
	}
	var names []string
	for _, h := range vote.GetSelectedOptions() {
		for _, o := range poll.options {
			if sum := sha256.Sum256([]byte(o)); string(sum[:]) == string(h) {
				names = append(names, o)
			}
		}
	}
	return names, nil
}

// pollVoteKey mirrors whatsmeow's generateMsgSecretKey for "Poll Vote"
// (msgsecret.go): HKDF over the poll secret with id ‖ creator ‖ voter ‖
// use case, additional data "id\x00voter".
func pollVoteKey(voter types.JID, pollID string, creator types.JID, secret []byte) ([]byte, []byte) {
	creatorStr, voterStr := creator.ToNonAD().String(), voter.ToNonAD().String()
	info := []byte(pollID + creatorStr + voterStr + "Poll Vote")
	return hkdfutil.SHA256(secret, nil, info, 32), fmt.Appendf(nil, "%s\x00%s", pollID, voterStr)
}

func hashOptions(options []string) [][]byte {
	out := make([][]byte, len(options))
	for i, o := range options {
		sum := sha256.Sum256([]byte(o))
		out[i] = sum[:]
	}
	return out
}
