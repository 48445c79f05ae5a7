package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchboard/switchboard"
)

var errWebsocketNotConfigured = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "WebSocket not configured for this instance"}

type websocketRequest struct {
	Enabled     *bool    `json:"enabled"`
	Events      []string `json:"events"`
	MediaBase64 bool     `json:"mediaBase64"`
}

type websocketConfigJSON struct {
	Enabled     bool     `json:"enabled"`
	Events      []string `json:"events"`
	MediaBase64 bool     `json:"mediaBase64"`
}

type websocketResponse struct {
	envelope
	Websocket websocketConfigJSON `json:"websocket"`
}

func newWebsocketConfigJSON(c *switchboard.WebsocketConfig) websocketConfigJSON {
	v := websocketConfigJSON{Enabled: c.Enabled, Events: c.Events, MediaBase64: c.MediaBase64}
	if v.Events == nil {
		v.Events = []string{}
	}
	return v
}

// toWebsocketConfig validates a configuration; enabled:false clears events and mediaBase64
// (RyzeAPI 2.5.3).
func toWebsocketConfig(inst *switchboard.Instance, req websocketRequest) (*switchboard.WebsocketConfig, error) {
	if req.Enabled == nil {
		return nil, invalid("enabled is required")
	}
	c := &switchboard.WebsocketConfig{InstanceID: inst.ID, Enabled: *req.Enabled}
	if c.Enabled {
		events, err := webhookEvents(req.Events)
		if err != nil {
			return nil, err
		}
		c.Events, c.MediaBase64 = events, req.MediaBase64
	}
	return c, nil
}

// handleWebsocketSet authorises (or stops authorising) WebSocket connections to /ws/{instance};
// it opens nothing, and connections already open stay.
func (s *Server) handleWebsocketSet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req websocketRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := toWebsocketConfig(inst, req)
	if err != nil {
		return err
	}
	if err := s.cfg.Websockets.SetWebsocketConfig(r.Context(), c); err != nil {
		return failed("Failed to get instance", err)
	}
	writeJSON(w, http.StatusOK, websocketResponse{envelope: ok("WebSocket configuration updated"), Websocket: newWebsocketConfigJSON(c)})
	return nil
}

// handleWebsocketGet reads the configuration; never configured is 404 (RyzeAPI 2.5.4).
func (s *Server) handleWebsocketGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	c, err := s.cfg.Websockets.WebsocketConfigOf(r.Context(), inst.ID)
	if errors.Is(err, switchboard.ErrNotFound) {
		return errWebsocketNotConfigured
	} else if err != nil {
		return failed("Failed to get websocket configuration", err)
	}
	writeJSON(w, http.StatusOK, websocketResponse{envelope: ok("WebSocket configuration retrieved"), Websocket: newWebsocketConfigJSON(c)})
	return nil
}
