package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type accountProfileJSON struct {
	ProfilePicture *string `json:"profilePicture"`
	ProfileName    string  `json:"profileName"`
	ProfileStatus  string  `json:"profileStatus"`
	PhoneNumber    *string `json:"phoneNumber"`
	JID            *string `json:"jid"`
	LID            *string `json:"lid"`
}

type profileReadResponse struct {
	envelope
	Profile accountProfileJSON `json:"profile"`
}

// handleProfileRead reads the instance's own profile, or with ?number= a third party's, as a
// phone number (checked with WhatsApp like a send recipient) or a LID (RyzeAPI §2.9.2).
// profilePicture is the full-size picture's signed URL, null when there is none or it is hidden;
// a third party's profileName is known once they have messaged the instance (WhatsApp serves
// push names only on messages), else "". phoneNumber and jid are null for a LID whose phone
// number the instance has not learnt; lid is null when WhatsApp did not say.
func (s *Server) handleProfileRead(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var user switchboard.JID
	if number := strings.TrimSpace(r.URL.Query().Get("number")); number != "" {
		var err error
		if user, err = switchboard.NormalizeUserJID(number); err != nil {
			return invalid("Invalid number: " + err.Error())
		}
	}
	pc, err := s.profileClient(inst)
	if err != nil {
		return err
	}
	if user.Server == switchboard.ServerUser {
		mc, err := s.messageClient(inst)
		if err != nil {
			return err
		}
		if user, err = mc.ResolveRecipient(r.Context(), user); err != nil {
			return err
		}
	}
	p, err := pc.Profile(r.Context(), user)
	if err != nil {
		return sessionFailed("Failed to read the profile", err)
	}
	writeJSON(w, http.StatusOK, profileReadResponse{envelope: ok("Profile retrieved successfully"), Profile: newAccountProfileJSON(p)})
	return nil
}

func newAccountProfileJSON(p *switchboard.Profile) accountProfileJSON {
	out := accountProfileJSON{ProfileName: p.Name, ProfileStatus: p.About,
		ProfilePicture: nonEmpty(p.PictureURL), LID: nonEmpty(jidString(p.LID))}
	if !p.JID.IsZero() {
		out.PhoneNumber, out.JID = nonEmpty(p.JID.User), nonEmpty(p.JID.String())
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
