package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard"
)

type sendLocationRequest struct {
	sendCommon
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
}

// handleSendLocation sends a location card (RyzeAPI §2.6.4). Both coordinates exactly 0 are
// refused: the reference warns that it almost always means a missing field.
func (s *Server) handleSendLocation(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendLocationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return invalid(msgNumberRequired)
	}
	switch {
	case req.Latitude == nil || math.IsNaN(*req.Latitude) || *req.Latitude < -90 || *req.Latitude > 90:
		return invalid("Latitude is required and must be between -90 and 90")
	case req.Longitude == nil || math.IsNaN(*req.Longitude) || *req.Longitude < -180 || *req.Longitude > 180:
		return invalid("Longitude is required and must be between -180 and 180")
	case *req.Latitude == 0 && *req.Longitude == 0:
		return invalid("Latitude and longitude are both 0: send the real coordinates")
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageLocation, false)
	if err != nil {
		return err
	}
	plan.msg.Location = &switchboard.Location{Latitude: *req.Latitude, Longitude: *req.Longitude, Name: req.Name, Address: req.Address}
	content := "📍 " + req.Name + "\n" + req.Address + "\nLat: " + strconv.FormatFloat(*req.Latitude, 'f', -1, 64) +
		", Long: " + strconv.FormatFloat(*req.Longitude, 'f', -1, 64)
	plan.content = &content
	return s.send(w, r, inst, plan)
}

type vcardJSON struct {
	FullName     string `json:"fullName"`
	Phone        string `json:"phone"`
	Organization string `json:"organization,omitempty"`
	Email        string `json:"email,omitempty"`
	URL          string `json:"url,omitempty"`
}

type sendContactRequest struct {
	sendCommon
	VCard json.RawMessage `json:"vcard"`
}

// maxContacts bounds one contacts message.
const maxContacts = 50

// handleSendContact sends one vCard, or several as one message (RyzeAPI §2.6.5). `vcard` is an
// array or, for older clients, a single object. replyPrivate is accepted and ignored, as the
// reference documents.
func (s *Server) handleSendContact(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendContactRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return invalid(msgNumberRequired)
	}
	var cards []vcardJSON
	raw := bytes.TrimSpace(req.VCard)
	switch {
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &cards); err != nil {
			return invalid("vcard must be an array of contacts")
		}
	case len(raw) > 0 && raw[0] == '{':
		var one vcardJSON
		if err := json.Unmarshal(raw, &one); err != nil {
			return invalid("vcard must be an array of contacts")
		}
		cards = []vcardJSON{one}
	}
	if len(cards) == 0 {
		return invalid("vcard is required (at least one contact)")
	}
	if len(cards) > maxContacts {
		return invalid(fmt.Sprintf("vcard holds at most %d contacts", maxContacts))
	}
	contacts := make([]switchboard.Contact, len(cards))
	for i, c := range cards {
		if strings.TrimSpace(c.FullName) == "" || strings.TrimSpace(c.Phone) == "" {
			return invalid(fmt.Sprintf("vcard[%d]: fullName and phone are required", i))
		}
		contacts[i] = switchboard.Contact{FullName: c.FullName, Phone: c.Phone, Organization: c.Organization, Email: c.Email, URL: c.URL}
	}
	req.ReplyPrivate = false
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageContact, false)
	if err != nil {
		return err
	}
	plan.msg.Contacts = contacts
	content := cards[0].FullName
	if len(cards) > 1 {
		content = fmt.Sprintf("%d contacts", len(cards))
		plan.answer = fmt.Sprintf("%d contacts sent successfully in one message", len(cards))
	}
	plan.content = &content
	plan.extra = map[string]any{"vcard": cards}
	return s.send(w, r, inst, plan)
}
