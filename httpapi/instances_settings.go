package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

type settingsResponse struct {
	envelope
	Settings settingsJSON `json:"settings"`
}

// handleSettingsGet returns the seven behaviour flags.
func (s *Server) handleSettingsGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	writeJSON(w, http.StatusOK, settingsResponse{envelope: ok("Settings retrieved successfully"), Settings: newSettingsJSON(inst.Settings)})
	return nil
}

// handleSettingsUpdate changes the flags the body names and keeps the others.
func (s *Server) handleSettingsUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var patch settingsPatch
	if err := decodeJSON(r, &patch); err != nil {
		return err
	}
	if patch.empty() {
		return invalid("At least one setting must be provided")
	}
	if err := patch.validate(); err != nil {
		return err
	}
	settings := patch.apply(inst.Settings)
	if err := s.cfg.Instances.SetSettings(r.Context(), inst.ID, settings); err != nil {
		return failed("Failed to update settings configuration", err)
	}
	writeJSON(w, http.StatusOK, settingsResponse{envelope: ok("Settings updated successfully"), Settings: newSettingsJSON(settings)})
	return nil
}
