package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/switchboard/switchboard"
)

// privacyField is one field of the privacy body: where it sits, WhatsApp's stanza name for it,
// and the values it accepts (RyzeAPI §2.9.5).
type privacyField struct {
	section, field, stanza string
	values                 []string
}

// privacyFields is the order in which an update applies its fields.
var privacyFields = []privacyField{
	{"visibility", "lastSeen", switchboard.PrivacyLastSeen, []string{"all", "contacts", "contact_blacklist", "none"}},
	{"visibility", "status", switchboard.PrivacyStatus, []string{"all", "contacts", "contact_blacklist", "none"}},
	{"visibility", "profile", switchboard.PrivacyProfile, []string{"all", "contacts", "contact_blacklist", "none"}},
	{"visibility", "online", switchboard.PrivacyOnline, []string{"all", "match_last_seen"}},
	{"privacy", "readReceipts", switchboard.PrivacyReadReceipts, []string{"all", "none"}},
	{"permissions", "callAdd", switchboard.PrivacyCallAdd, []string{"all", "known"}},
	{"permissions", "groupAdd", switchboard.PrivacyGroupAdd, []string{"all", "contacts", "contact_blacklist"}},
}

// privacySections is the body of a privacy update and the settings of every privacy answer:
// section → field → value.
type privacySections map[string]map[string]string

type privacyResponse struct {
	envelope
	Settings privacySections `json:"settings"`
}

// handlePrivacyRead answers the account's privacy settings as WhatsApp holds them now (RyzeAPI
// §2.9.3 and its alias §2.9.4). It asks WhatsApp on every call rather than answering a local
// copy, so a change made on the phone shows at once.
func (s *Server) handlePrivacyRead(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	pc, err := s.profileClient(inst)
	if err != nil {
		return err
	}
	settings, err := pc.Privacy(r.Context())
	if err != nil {
		return sessionFailed("Failed to read privacy settings", err)
	}
	writeJSON(w, http.StatusOK, privacyResponse{envelope: ok("Privacy settings retrieved successfully"), Settings: newPrivacyJSON(settings)})
	return nil
}

// handlePrivacyUpdate applies the given fields one WhatsApp stanza each, in privacyFields'
// order, then reads the settings back (RyzeAPI §2.9.5). Every value is checked before the first
// write. If a write fails, the earlier ones stay applied and the error says which.
func (s *Server) handlePrivacyUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req privacySections
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	changes, err := privacyChanges(req)
	if err != nil {
		return err
	}
	pc, err := s.profileClient(inst)
	if err != nil {
		return err
	}
	ctx := r.Context()
	applied := []string{}
	for _, c := range changes {
		if err := pc.SetPrivacy(ctx, c.field.stanza, c.value); err != nil {
			return partialFailure("Failed to update privacy setting "+c.field.section+"."+c.field.field, applied, err)
		}
		applied = append(applied, c.field.section+"."+c.field.field)
	}
	settings, err := pc.Privacy(ctx)
	if err != nil {
		return partialFailure("Failed to read privacy settings", applied, err)
	}
	writeJSON(w, http.StatusOK, privacyResponse{envelope: ok("Privacy settings updated successfully"), Settings: newPrivacyJSON(settings)})
	return nil
}

type privacyChange struct {
	field privacyField
	value string
}

// privacyChanges validates an update body: known sections and fields only, each with one of its
// accepted values, and at least one field.
func privacyChanges(req privacySections) ([]privacyChange, error) {
	for section, fields := range req {
		for field := range fields {
			if !slices.ContainsFunc(privacyFields, func(f privacyField) bool { return f.section == section && f.field == field }) {
				return nil, invalid("Unknown privacy setting " + safeField(section) + "." + safeField(field) +
					" (use visibility.lastSeen, visibility.status, visibility.profile, visibility.online, privacy.readReceipts, permissions.callAdd or permissions.groupAdd)")
			}
		}
	}
	var changes []privacyChange
	for _, f := range privacyFields {
		value, given := req[f.section][f.field]
		if !given {
			continue
		}
		if !slices.Contains(f.values, value) {
			return nil, invalid(f.section + "." + f.field + " must be one of: " + strings.Join(f.values, ", "))
		}
		changes = append(changes, privacyChange{f, value})
	}
	if len(changes) == 0 {
		return nil, invalid("At least one privacy setting is required: visibility, privacy or permissions")
	}
	return changes, nil
}

// safeField keeps a client's key short and printable before it goes into an error message.
func safeField(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return safeMime(s)
}

func newPrivacyJSON(settings switchboard.PrivacySettings) privacySections {
	out := privacySections{"visibility": {}, "privacy": {}, "permissions": {}}
	for _, f := range privacyFields {
		out[f.section][f.field] = settings[f.stanza]
	}
	return out
}
