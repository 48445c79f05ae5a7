package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

// errRotateNeedsAccount refuses an instance token on the rotation route: a token that may replace
// itself would let whoever stole it lock its owner out. 403, not 401: the token is valid, it
// just may not do this (and an instance token reaches here only for its own instance, so the
// answer reveals nothing).
var errRotateNeedsAccount = &switchboard.Error{Code: switchboard.CodeForbidden,
	Message: "Only an account token can rotate an instance token"}

// rotateTokenResponse shows the new token once, in the same two places as the create answer.
type rotateTokenResponse struct {
	envelope
	Instance rotatedInstanceJSON `json:"instance"`
	Data     createdInstanceData `json:"data"`
}

type rotatedInstanceJSON struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

// handleInstanceRotateToken gives the instance a new random token and returns it, once. The old
// token is refused from the moment this answers (in this process; other processes on PostgreSQL
// hear of it within milliseconds, on SQLite within their token-cache TTL). The WhatsApp session
// is untouched: rotation revokes API access, not the linked device.
func (s *Server) handleInstanceRotateToken(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if !principalFrom(r.Context()).isAccount() {
		return errRotateNeedsAccount
	}
	token := switchboard.NewToken(switchboard.InstanceTokenPrefix)
	if err := s.cfg.Instances.RotateInstanceToken(r.Context(), inst.ID, switchboard.HashToken(token)); err != nil {
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return errInstanceNotFound // deleted meanwhile
		}
		return failed("Failed to rotate the instance token", err)
	}
	s.requestLogger(r).Info("instance token rotated", "instance_id", inst.ID)
	writeJSON(w, http.StatusOK, rotateTokenResponse{
		envelope: ok("Instance token rotated successfully"),
		Instance: rotatedInstanceJSON{Name: inst.Name, Token: token},
		Data:     createdInstanceData{Name: inst.Name, Token: token},
	})
	return nil
}
