package wasim

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"go.mau.fi/whatsmeow/types"
)

// The phone routes of the control API, one per phone action (see control.go):
//
//	GET  /wasim/control/phones/{phone}/inbox[?since=RFC3339]  Inbox       → controlInbox
//	POST /wasim/control/phones/{phone}/messages   PhoneSendMessage  PhoneMessage → {"id"}
//	POST /wasim/control/phones/{phone}/receipts   PhoneMarkRead/Played {"chat","ids","type"} → {}
//	POST /wasim/control/phones/{phone}/presence   SetPhonePresence / PhoneChatState {"to","state"} → {}
//	POST /wasim/control/phones/{phone}/calls      PhoneCall  {"to","action","callId"} → {"callId"}
//	POST /wasim/control/phones/{phone}/privacy    SetPrivacy {"name","value"} → {}
//	POST /wasim/control/phones/{phone}/auto-read  SetPhoneAutoRead {"on"} → {}

// maxPhoneMessageBody admits an attachment of a few MiB in base64.
const maxPhoneMessageBody = 24 << 20

func (s *Server) mountPhoneControl(mux *http.ServeMux) {
	mux.HandleFunc("GET /wasim/control/phones/{phone}/inbox", s.control(s.controlInbox))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/messages", s.control(s.controlPhoneMessage))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/receipts", s.control(s.controlPhoneReceipts))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/presence", s.control(s.controlPhonePresence))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/calls", s.control(s.controlPhoneCall))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/privacy", s.control(s.controlPhonePrivacy))
	mux.HandleFunc("POST /wasim/control/phones/{phone}/auto-read", s.control(s.controlPhoneAutoRead))
}

// controlInbox is a phone's inbox on the wire.
type controlInbox struct {
	Messages []controlInboxMessage `json:"messages"`
	Receipts []controlInboxReceipt `json:"receipts"`
	Calls    []controlInboxCall    `json:"calls"`
}

type controlInboxMessage struct {
	ID        string          `json:"id"`
	Chat      types.JID       `json:"chat"`
	From      types.JID       `json:"from"`
	FromMe    bool            `json:"fromMe"`
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Timestamp time.Time       `json:"timestamp"`
	QuotedID  string          `json:"quotedId,omitempty"`
	Mentions  []string        `json:"mentions,omitempty"`
	Media     *controlMedia   `json:"media,omitempty"`
	PollVote  []string        `json:"pollVote,omitempty"`
	Message   json.RawMessage `json:"message"` // the waE2E.Message as protojson
}

type controlMedia struct {
	Mimetype string `json:"mimetype"`
	SHA256   string `json:"sha256"` // hex, of the decrypted bytes
	Size     int    `json:"size"`
	FileName string `json:"fileName,omitempty"`
}

type controlInboxReceipt struct {
	IDs       []string  `json:"ids"`
	Chat      types.JID `json:"chat"`
	From      types.JID `json:"from"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
}

type controlInboxCall struct {
	CallID string    `json:"callId"`
	From   types.JID `json:"from"`
	Action string    `json:"action"`
}

type controlReceiptRequest struct {
	Chat string   `json:"chat"`
	IDs  []string `json:"ids"`
	Type string   `json:"type,omitempty"` // read (default) or played
}

type controlPresenceRequest struct {
	To    string `json:"to,omitempty"`
	State string `json:"state"`
}

type controlCallRequest struct {
	To     string `json:"to"`
	Action string `json:"action"`
	CallID string `json:"callId,omitempty"`
}

type controlCallID struct {
	CallID string `json:"callId"`
}

type controlPrivacyRequest struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type controlAutoReadRequest struct {
	On bool `json:"on"`
}

type controlMessageID struct {
	ID string `json:"id"`
}

func inboxToWire(msgs []InboxMessage, receipts []InboxReceipt, calls []InboxCall, since time.Time) controlInbox {
	out := controlInbox{Messages: []controlInboxMessage{}, Receipts: []controlInboxReceipt{}, Calls: []controlInboxCall{}}
	for _, m := range msgs {
		if m.Timestamp.Before(since) {
			continue
		}
		raw, _ := protojson.Marshal(m.Message)
		w := controlInboxMessage{ID: m.ID, Chat: m.Chat, From: m.Sender, FromMe: m.FromMe, Type: m.Type, Text: m.Text,
			Timestamp: m.Timestamp, PollVote: m.PollVote, Message: raw}
		if ci := contextInfoOf(m); ci != nil {
			w.QuotedID, w.Mentions = ci.GetStanzaID(), ci.GetMentionedJID()
		}
		if m.Media != nil {
			w.Media = &controlMedia{Mimetype: m.Media.Mimetype, SHA256: hex.EncodeToString(m.Media.SHA256[:]), Size: m.Media.Size, FileName: m.Media.FileName}
		}
		out.Messages = append(out.Messages, w)
	}
	for _, r := range receipts {
		if !r.Timestamp.Before(since) {
			out.Receipts = append(out.Receipts, controlInboxReceipt(r))
		}
	}
	for _, c := range calls {
		out.Calls = append(out.Calls, controlInboxCall(c))
	}
	return out
}

func (s *Server) controlInbox(r *http.Request) (any, error) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, badControlRequest("since must be an RFC 3339 time")
		}
		since = t
	}
	phone := r.PathValue("phone")
	msgs, receipts, err := s.Inbox(phone)
	if err != nil {
		return nil, err
	}
	calls, _ := s.Calls(phone)
	return inboxToWire(msgs, receipts, calls, since), nil
}

func (s *Server) controlPhoneMessage(r *http.Request) (any, error) {
	var req PhoneMessage
	if err := decodeControlLimit(r, &req, maxPhoneMessageBody); err != nil {
		return nil, err
	}
	id, err := s.PhoneSendMessage(r.Context(), r.PathValue("phone"), req)
	if errors.Is(err, ErrBadPhoneMessage) || errors.Is(err, ErrNotMember) {
		return nil, badControlRequest("%v", err)
	}
	if err != nil {
		return nil, err
	}
	return controlMessageID{ID: id}, nil
}

func (s *Server) controlPhoneReceipts(r *http.Request) (any, error) {
	var req controlReceiptRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	chat, err := ParseChat(req.Chat)
	if err != nil || len(req.IDs) == 0 {
		return nil, badControlRequest("chat and ids are required")
	}
	switch req.Type {
	case "", "read":
		err = s.PhoneMarkRead(r.PathValue("phone"), chat, req.IDs)
	case "played":
		err = s.PhoneMarkPlayed(r.PathValue("phone"), chat, req.IDs)
	default:
		return nil, badControlRequest("type must be read or played")
	}
	return struct{}{}, err
}

func (s *Server) controlPhonePresence(r *http.Request) (any, error) {
	var req controlPresenceRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	phone := r.PathValue("phone")
	switch req.State {
	case "available", "unavailable":
		return struct{}{}, s.SetPhonePresence(phone, req.State == "available")
	case "composing", "recording", "paused":
		to, err := ParseChat(req.To)
		if err != nil {
			return nil, badControlRequest("to is required for a chat state")
		}
		return struct{}{}, s.PhoneChatState(phone, to, req.State)
	}
	return nil, badControlRequest("state must be available, unavailable, composing, recording or paused")
}

func (s *Server) controlPhoneCall(r *http.Request) (any, error) {
	var req controlCallRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	to, err := ParseChat(req.To)
	if err != nil {
		return nil, badControlRequest("to: %v", err)
	}
	id, err := s.PhoneCall(r.PathValue("phone"), to, req.Action, req.CallID)
	if err != nil {
		return nil, err
	}
	return controlCallID{CallID: id}, nil
}

func (s *Server) controlPhonePrivacy(r *http.Request) (any, error) {
	var req controlPrivacyRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	if _, ok := defaultPrivacy[req.Name]; !ok || req.Value == "" {
		return nil, badControlRequest("unknown privacy setting %q", req.Name)
	}
	return struct{}{}, s.SetPrivacy(r.PathValue("phone"), req.Name, req.Value)
}

func (s *Server) controlPhoneAutoRead(r *http.Request) (any, error) {
	var req controlAutoReadRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	return struct{}{}, s.SetPhoneAutoRead(r.PathValue("phone"), req.On)
}

// decodeControlLimit is decodeControl with a larger body limit.
func decodeControlLimit(r *http.Request, into any, limit int64) error {
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return badControlRequest("%v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badControlRequest("trailing data after the JSON object")
	}
	return nil
}

// contextInfoOf finds the quote and mentions of a received message.
func contextInfoOf(m InboxMessage) interface {
	GetStanzaID() string
	GetMentionedJID() []string
} {
	switch {
	case m.Message.GetExtendedTextMessage() != nil:
		return m.Message.GetExtendedTextMessage().GetContextInfo()
	case m.Message.GetImageMessage() != nil:
		return m.Message.GetImageMessage().GetContextInfo()
	case m.Message.GetVideoMessage() != nil:
		return m.Message.GetVideoMessage().GetContextInfo()
	case m.Message.GetDocumentMessage() != nil:
		return m.Message.GetDocumentMessage().GetContextInfo()
	case m.Message.GetAudioMessage() != nil:
		return m.Message.GetAudioMessage().GetContextInfo()
	}
	return nil
}
