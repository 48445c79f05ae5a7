package wasim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

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

func (s *Server) controlInbox(r *http.Request) (any, error) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, badControlRequest("since must be an RFC 3339 time")
		}
		since = t
	}
	return s.PhoneInbox(r.PathValue("phone"), since)
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
	return struct{}{}, s.PhoneReceipt(r.PathValue("phone"), chat, req.IDs, req.Type)
}

func (s *Server) controlPhonePresence(r *http.Request) (any, error) {
	var req controlPresenceRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	return struct{}{}, s.PhonePresence(r.PathValue("phone"), req.To, req.State)
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
