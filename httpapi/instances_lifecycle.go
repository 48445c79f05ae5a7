package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchboard/switchboard"
)

// instanceStatusResponse is RyzeAPI's answer to logout and delete: {"instance":{"status":...}}.
type instanceStatusResponse struct {
	envelope
	Instance instanceStatus `json:"instance"`
}

type instanceStatus struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// handleInstanceLogout logs the device out of WhatsApp; the instance and its token stay.
func (s *Server) handleInstanceLogout(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if err := s.cfg.Sessions.Logout(r.Context(), inst); err != nil {
		return sessionFailed("Failed to logout instance", err)
	}
	s.requestLogger(r).Info("instance logged out")
	writeJSON(w, http.StatusOK, instanceStatusResponse{
		envelope: ok("Instance logged out"),
		Instance: instanceStatus{Name: inst.Name, Status: string(switchboard.StateLoggedOut)},
	})
	return nil
}

// handleInstanceDelete tears the session down (logging out of WhatsApp when paired), then deletes
// the row. If the teardown fails the row stays, so the client can retry and no paired device is
// orphaned on the phone.
func (s *Server) handleInstanceDelete(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if err := s.cfg.Sessions.Remove(r.Context(), inst); err != nil {
		return deleteFailure(err)
	}
	// The session is gone; a client hanging up now must not leave a row without one, so the
	// delete outlives the request.
	ctx, cancel := detached(r.Context())
	defer cancel()
	if err := s.cfg.Instances.DeleteInstance(ctx, inst.ID); err != nil {
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return errInstanceNotFound // a concurrent delete won
		}
		return deleteFailure(failed("internal error", err))
	}
	s.labelIDs.Forget(inst.ID) // its tag-creation turns go with it (server.go)
	s.requestLogger(r).Info("instance deleted", "instance_id", inst.ID)
	writeJSON(w, http.StatusOK, instanceStatusResponse{
		envelope: ok("Instance deleted"),
		Instance: instanceStatus{Name: inst.Name, Status: "deleted"},
	})
	return nil
}

// deleteFailure is RyzeAPI's `Failed to delete instance: <reason>`. The reason is the domain
// error's client message when there is one; raw causes stay in the log.
func deleteFailure(err error) error {
	var domainErr *switchboard.Error
	if errors.As(err, &domainErr) {
		return switchboard.Wrap(domainErr.Code, "Failed to delete instance: "+domainErr.Message, err)
	}
	return switchboard.Wrap(switchboard.CodeInternal, "Failed to delete instance: internal error", err)
}
