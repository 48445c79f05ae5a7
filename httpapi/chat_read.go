package httpapi

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

// maxMessageIDLength bounds ids taken from clients; WhatsApp's are 16 to 32 characters.
const maxMessageIDLength = 128

func messageIDParam(r *http.Request, missing string) (string, error) {
	id := strings.TrimSpace(r.URL.Query().Get("messageId"))
	if id == "" || len(id) > maxMessageIDLength {
		return "", invalid(missing)
	}
	return id, nil
}

type getMessageData struct {
	Content   string        `json:"content"`
	Type      string        `json:"type"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Chat      string        `json:"chat"`
	Timestamp string        `json:"timestamp"`
	IsGroup   bool          `json:"isGroup"`
	Status    string        `json:"status"`
	FromMe    bool          `json:"fromMe"`
	Source    string        `json:"source,omitempty"`
	Media     *getMediaJSON `json:"media,omitempty"`
	ReplyTo   *replyJSON    `json:"replyTo,omitempty"`
	Edited    bool          `json:"edited,omitempty"`
	Deleted   bool          `json:"deleted,omitempty"`
}

type getMediaJSON struct {
	Type     string `json:"type"`
	MimeType string `json:"mimeType"`
	Size     uint64 `json:"size"`
	Duration uint32 `json:"duration,omitempty"`
	FileName string `json:"fileName,omitempty"`
	IsVoice  bool   `json:"isVoice,omitempty"`
}

type getMessageResponse struct {
	envelope
	MessageID string         `json:"messageId"`
	Data      getMessageData `json:"data"`
	Status    string         `json:"status"`
}

// statusNames are the words of the status scale (§2.7.19) by our numbers.
var statusNames = map[switchboard.MessageStatus]string{
	switchboard.StatusError: "error", switchboard.StatusPending: "pending", switchboard.StatusServerAck: "sent",
	switchboard.StatusDelivered: "delivered", switchboard.StatusRead: "read", switchboard.StatusPlayed: "played",
}

// handleChatGetMessage returns the stored copy of a message (RyzeAPI §2.7.3).
func (s *Server) handleChatGetMessage(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id, err := messageIDParam(r, "Message ID is required (use ?messageId=<message-id>)")
	if err != nil {
		return err
	}
	m, err := s.storedMessage(r, inst, id, "Message not found")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, getMessageResponse{envelope: ok("Message found"), MessageID: m.ID, Data: getMessageJSON(m), Status: "found"})
	return nil
}

func getMessageJSON(m *switchboard.StoredMessage) getMessageData {
	d := getMessageData{
		Content: m.Content, Type: string(m.Type), Chat: m.Chat.String(), From: m.Sender.String(), To: m.Chat.String(),
		Timestamp: m.Timestamp.UTC().Format(time.RFC3339), IsGroup: m.Chat.IsGroup(), Status: statusNames[m.Status],
		FromMe: m.FromMe, Source: m.Source, Edited: m.Edited, Deleted: m.Revoked,
	}
	if !m.FromMe && !m.Chat.IsGroup() {
		d.To = "" // the instance itself; the stored row does not name its own JID
	}
	if md := m.Media; md != nil {
		d.Media = &getMediaJSON{Type: string(md.Type), MimeType: md.Mimetype, Size: md.FileLength, Duration: md.Seconds, FileName: md.FileName, IsVoice: md.PTT}
	}
	if m.QuotedID != "" {
		d.ReplyTo = &replyJSON{MessageID: m.QuotedID}
	}
	return d
}

type historyRequest struct {
	Number string `json:"number"`
	Count  int    `json:"count"`
	From   string `json:"from"`
	To     string `json:"to"`
}

type historyItem struct {
	getMessageData
	MessageID string `json:"messageId"`
	SenderJID string `json:"senderJid,omitempty"`
}

type historyResponse struct {
	envelope
	Messages []historyItem `json:"messages"`
	Count    int           `json:"count"`
	HasMore  bool          `json:"hasMore"`
	ChatJID  string        `json:"chat_jid"`
}

// maxHistoryCount bounds one page of history.
const maxHistoryCount = 500

// handleChatHistory lists a chat's stored messages, newest first (RyzeAPI §2.7.17). To page
// back, send `to` = the timestamp of the oldest message received.
func (s *Server) handleChatHistory(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req historyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return invalid(msgNumberRequired)
	}
	chat, err := switchboard.ParseRecipient(req.Number)
	if err != nil {
		return invalid("Invalid number: " + err.Error())
	}
	if req.Count < 0 || req.Count > maxHistoryCount {
		return invalid("count must be between 1 and 500")
	}
	if req.Count == 0 {
		req.Count = 50
	}
	var from, to time.Time
	if req.From != "" {
		if from, err = time.Parse(time.RFC3339, req.From); err != nil {
			return invalid("invalid 'from' date format. Use ISO 8601 format (e.g., '2026-02-16T18:32:39Z')")
		}
	}
	if req.To != "" {
		if to, err = time.Parse(time.RFC3339, req.To); err != nil {
			return invalid("invalid 'to' date format. Use ISO 8601 format (e.g., '2026-02-16T18:32:39Z')")
		}
	}
	if s.cfg.Messages == nil {
		return switchboard.Errorf(switchboard.CodeUnavailable, msgMessagesDisabled)
	}
	page, err := s.cfg.Messages.ChatHistory(r.Context(), inst.ID, chat, to, req.Count)
	if err != nil {
		return err
	}
	out := historyResponse{envelope: ok("History retrieved successfully"), Messages: []historyItem{}, ChatJID: chat.String()}
	for _, m := range page {
		if !from.IsZero() && m.Timestamp.Before(from) {
			break
		}
		item := historyItem{getMessageData: getMessageJSON(m), MessageID: m.ID}
		if chat.IsGroup() {
			item.SenderJID = m.Sender.String()
		}
		out.Messages = append(out.Messages, item)
	}
	out.Count = len(out.Messages)
	out.HasMore = len(page) == req.Count && out.Count == req.Count
	writeJSON(w, http.StatusOK, out)
	return nil
}

type messageStatusResponse struct {
	envelope
	MessageID  string `json:"message_id"`
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Direction  string `json:"direction"`
	ChatJID    string `json:"chat_jid"`
	Timestamp  string `json:"timestamp"`
}

// handleChatStatus reports a message's delivery status on the reference's scale (§2.7.19).
func (s *Server) handleChatStatus(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id, err := messageIDParam(r, "messageId query parameter is required")
	if err != nil {
		return err
	}
	m, err := s.storedMessage(r, inst, id, "Message not found")
	if err != nil {
		return err
	}
	out := messageStatusResponse{envelope: ok("Message status retrieved successfully"), MessageID: m.ID,
		ChatJID: m.Chat.String(), Timestamp: m.Timestamp.UTC().Format(time.RFC3339), Direction: "sent"}
	switch {
	case !m.FromMe && m.Status < switchboard.StatusRead:
		out.Direction, out.Status, out.StatusCode = "received", "received", 3
	case m.Status == switchboard.StatusError:
		out.Status, out.StatusCode = "error", -1
	case m.Status == switchboard.StatusPending:
		out.Status, out.StatusCode = "pending", 0
	case m.Status == switchboard.StatusServerAck:
		out.Status, out.StatusCode = "sent", 1
	case m.Status == switchboard.StatusDelivered:
		out.Status, out.StatusCode = "delivered", 2
	case m.Status == switchboard.StatusRead:
		out.Status, out.StatusCode = "read", 4
	default:
		out.Status, out.StatusCode = "played", 5
	}
	if !m.FromMe {
		out.Direction = "received"
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type base64Response struct {
	envelope
	MessageID string `json:"message_id"`
	MimeType  string `json:"mime_type"`
	MediaType string `json:"media_type"`
	Base64    string `json:"base64"`
}

// handleChatBase64 downloads and decrypts a stored message's media through WhatsApp (§2.7.18).
// The store keeps keys and paths, never bytes, so the answer is as fresh as WhatsApp's copy.
func (s *Server) handleChatBase64(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id, err := messageIDParam(r, "messageId query parameter is required")
	if err != nil {
		return err
	}
	m, err := s.storedMessage(r, inst, id, "Message not found or no media available")
	if err != nil {
		return err
	}
	if m.Media == nil || m.Media.DirectPath == "" {
		return switchboard.Errorf(switchboard.CodeNotFound, "Message not found or no media available")
	}
	mc, err := s.chatMessageClient(inst)
	if err != nil {
		return err
	}
	data, err := mc.Download(r.Context(), m.Media)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, base64Response{envelope: ok("Base64 retrieved successfully"), MessageID: m.ID,
		MimeType: m.Media.Mimetype, MediaType: string(m.Media.Type), Base64: base64.StdEncoding.EncodeToString(data)})
	return nil
}
