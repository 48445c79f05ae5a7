package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type contactJSON struct {
	JID          string `json:"jid"`
	LID          string `json:"lid,omitempty"`
	Found        bool   `json:"found"`
	FirstName    string `json:"first_name"`
	FullName     string `json:"full_name"`
	PushName     string `json:"push_name"`
	BusinessName string `json:"business_name"`
}

func contactOf(e switchboard.AddressBookEntry) contactJSON {
	out := contactJSON{JID: e.JID.String(), Found: e.Found, FirstName: e.FirstName, FullName: e.FullName,
		PushName: e.PushName, BusinessName: e.BusinessName}
	if !e.LID.IsZero() {
		out.LID = e.LID.String()
	}
	return out
}

type contactsResponse struct {
	envelope
	Contacts []contactJSON `json:"contacts"`
	Total    int           `json:"total"`
}

type contactResponse struct {
	envelope
	Contact contactJSON `json:"contact"`
}

// handleChatContacts lists the account's address book as synced from the phone, or one entry
// with ?number= (RyzeAPI §2.7.1). A number the book lacks is a 200 with `found: false`; the
// number is not looked up on WhatsApp (the route sends nothing to WhatsApp).
func (s *Server) handleChatContacts(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	mc, err := s.chatMessageClient(inst)
	if err != nil {
		return err
	}
	if number := strings.TrimSpace(r.URL.Query().Get("number")); number != "" {
		user, err := switchboard.NormalizeUserJID(number)
		if err != nil {
			return invalid("Invalid number: " + err.Error())
		}
		e, err := mc.Contact(r.Context(), user)
		if err != nil {
			return sessionFailed("Failed to read contacts", err)
		}
		writeJSON(w, http.StatusOK, contactResponse{envelope: ok("Contact retrieved successfully"), Contact: contactOf(e)})
		return nil
	}
	all, err := mc.Contacts(r.Context())
	if err != nil {
		return sessionFailed("Failed to read contacts", err)
	}
	out := make([]contactJSON, 0, len(all))
	for _, e := range all {
		out = append(out, contactOf(e))
	}
	writeJSON(w, http.StatusOK, contactsResponse{envelope: ok("Contacts retrieved successfully"), Contacts: out, Total: len(out)})
	return nil
}
