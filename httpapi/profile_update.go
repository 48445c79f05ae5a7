package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

type profileUpdateRequest struct {
	ProfilePicture *string `json:"profilePicture"` // URL, data: URI or base64; "" removes
	ProfileName    *string `json:"profileName"`
	ProfileStatus  *string `json:"profileStatus"`
}

type profileUpdateResponse struct {
	envelope
	UpdatedFields []string `json:"updatedFields"`
}

// Limits WhatsApp's apps enforce on the push name and the about text.
const (
	maxPushNameRunes = 25
	maxAboutRunes    = 139
)

const (
	msgProfileNothing  = "At least one field is required: profilePicture, profileName or profileStatus"
	msgProfileName     = "profileName must be 1 to 25 characters"
	msgProfileStatus   = "profileStatus must be at most 139 characters"
	msgProfileUpdated  = "Profile updated successfully"
	msgProfileNoChange = "No changes: the profile already has these values"
)

// handleProfileUpdate changes the instance's push name, about text and picture (RyzeAPI §2.9.1).
// The current profile is read first and only the values that differ are written, so sending the
// same values again changes nothing and updatedFields is empty; a picture given as an image is
// always written (WhatsApp cannot say whether it is the same), while "" removes the picture only
// when there is one. The picture is loaded and converted (JPEG, centred square, at most 640×640)
// before any write, so a bad image is a 400 that changes nothing. If a write fails after others
// succeeded, the error says which fields were already updated.
func (s *Server) handleProfileUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req profileUpdateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.ProfilePicture == nil && req.ProfileName == nil && req.ProfileStatus == nil {
		return invalid(msgProfileNothing)
	}
	var name string
	if req.ProfileName != nil {
		name = strings.TrimSpace(*req.ProfileName)
		if name == "" || utf8.RuneCountInString(name) > maxPushNameRunes {
			return invalid(msgProfileName)
		}
	}
	if req.ProfileStatus != nil && utf8.RuneCountInString(*req.ProfileStatus) > maxAboutRunes {
		return invalid(msgProfileStatus)
	}
	ctx := r.Context()
	var picture []byte
	removePicture := req.ProfilePicture != nil && strings.TrimSpace(*req.ProfilePicture) == ""
	if req.ProfilePicture != nil && !removePicture {
		var err error
		if picture, err = s.loadImage(ctx, *req.ProfilePicture); err != nil {
			return err
		}
	}
	pc, err := s.profileClient(inst)
	if err != nil {
		return err
	}
	current, err := pc.Profile(ctx, switchboard.JID{})
	if err != nil {
		return sessionFailed("Failed to read the profile", err)
	}
	var changes []profileChange
	if req.ProfileName != nil && name != current.Name {
		changes = append(changes, profileChange{"profileName", func() error { return pc.SetPushName(ctx, name) }})
	}
	if req.ProfileStatus != nil && *req.ProfileStatus != current.About {
		changes = append(changes, profileChange{"profileStatus", func() error { return pc.SetAbout(ctx, *req.ProfileStatus) }})
	}
	if picture != nil || (removePicture && current.PictureURL != "") {
		changes = append(changes, profileChange{"profilePicture", func() error { return pc.SetPicture(ctx, picture) }})
	}
	updated := []string{}
	for _, c := range changes {
		if err := c.apply(); err != nil {
			return partialFailure("Failed to update "+c.field, updated, err)
		}
		updated = append(updated, c.field)
	}
	message := msgProfileUpdated
	if len(updated) == 0 {
		message = msgProfileNoChange
	}
	writeJSON(w, http.StatusOK, profileUpdateResponse{envelope: ok(message), UpdatedFields: updated})
	return nil
}

// profileChange is one WhatsApp write of an update, named as the client's field.
type profileChange struct {
	field string
	apply func() error
}

// partialFailure keeps a failed write's code and says which fields were already applied (they
// stay applied: WhatsApp has no transactions).
func partialFailure(message string, applied []string, err error) error {
	mapped := sessionFailed(message, err)
	if len(applied) == 0 {
		return mapped
	}
	return switchboard.Wrap(switchboard.ErrorCodeOf(mapped),
		switchboard.ErrorMessageOf(mapped)+" (already updated: "+strings.Join(applied, ", ")+")", err)
}
