package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard"
)

type forwardRequest struct {
	MessageID string `json:"messageId"`
	To        string `json:"to"`
}

type forwardResponse struct {
	envelope
	MessageID      string `json:"messageId"`
	OriginalID     string `json:"originalId"`
	DestinationJID string `json:"destinationJid"`
}

// handleChatForward sends a stored message again to another chat, marked "Forwarded" (RyzeAPI
// §2.7.21), through the send queue like any send. Media is not uploaded again: the forward
// reuses the attachment's keys and path on WhatsApp's media host, as WhatsApp's clients do.
// Reactions, polls and interactive messages cannot be forwarded; the reference answers 500 for
// them, but it is the request that is wrong, so here it is a 400 with the reference's words.
func (s *Server) handleChatForward(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req forwardRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id := strings.TrimSpace(req.MessageID)
	switch {
	case id == "" || len(id) > maxMessageIDLength:
		return invalid("messageId is required")
	case strings.TrimSpace(req.To) == "":
		return invalid("to is required")
	}
	m, _, err := s.storedTarget(r, inst, id, "Instance not found or message not found")
	if err != nil {
		return err
	}
	plan, err := s.prepareSend(r.Context(), inst, sendCommon{Number: req.To, Source: m.Source}, m.Type, false)
	if err != nil {
		return err
	}
	if err := forwardContent(m, &plan.msg); err != nil {
		return err
	}
	plan.msg.Forwarded = true
	content := m.Content
	plan.content = &content
	if len(m.Payload) > 0 {
		plan.extra = json.RawMessage(m.Payload)
	}
	sent, err := s.deliver(r, inst, plan)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forwardResponse{envelope: ok("Message forwarded successfully"), MessageID: sent.ID, OriginalID: m.ID, DestinationJID: sent.Chat.String()})
	return nil
}

// forwardContent fills out with the stored message's content.
func forwardContent(m *switchboard.StoredMessage, out *switchboard.OutgoingMessage) error {
	unsupported := invalid("unsupported message type for forwarding: " + string(m.Type))
	switch m.Type {
	case switchboard.MessageText:
		out.Text = m.Content
	case switchboard.MessageImage, switchboard.MessageVideo, switchboard.MessageAudio, switchboard.MessageDocument, switchboard.MessageSticker:
		ref := m.Media
		if ref == nil || ref.DirectPath == "" || len(ref.MediaKey) == 0 {
			return invalid("the attachment of this message was not stored, so it cannot be forwarded")
		}
		out.Text = m.Content
		out.Media = &switchboard.OutgoingMedia{Uploaded: ref, Mimetype: ref.Mimetype, FileName: ref.FileName, PTT: ref.PTT, Seconds: ref.Seconds}
	case switchboard.MessageLocation:
		loc, ok := parseLocationContent(m.Content)
		if !ok {
			return unsupported
		}
		out.Location = loc
	case switchboard.MessageContact:
		var payload struct {
			VCard []vcardJSON `json:"vcard"`
		}
		if json.Unmarshal(m.Payload, &payload) != nil || len(payload.VCard) == 0 {
			return invalid("the contact card of this message was not stored, so it cannot be forwarded")
		}
		for _, c := range payload.VCard {
			out.Contacts = append(out.Contacts, switchboard.Contact{FullName: c.FullName, Phone: c.Phone, Organization: c.Organization, Email: c.Email, URL: c.URL})
		}
	default:
		return unsupported
	}
	return nil
}

// parseLocationContent reads back the text form a location is stored as ("📍 name\naddress\n
// Lat: x, Long: y", RyzeAPI §2.6.4).
func parseLocationContent(content string) (*switchboard.Location, bool) {
	lines := strings.Split(content, "\n")
	if len(lines) != 3 {
		return nil, false
	}
	lat, long, ok := strings.Cut(strings.TrimPrefix(lines[2], "Lat: "), ", Long: ")
	if !ok {
		return nil, false
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(long, 64)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &switchboard.Location{Latitude: la, Longitude: lo, Name: strings.TrimPrefix(lines[0], "📍 "), Address: lines[1]}, true
}
