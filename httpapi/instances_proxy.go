package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

type proxyRequest struct {
	Enabled  *bool     `json:"enabled"`
	Host     string    `json:"host"`
	Port     portValue `json:"port"`
	Protocol string    `json:"protocol"`
	Username string    `json:"username"`
	Password *string   `json:"password"`
}

type proxyResponse struct {
	envelope
	Proxy proxyView `json:"proxy"`
}

// handleProxyGet returns the instance's own proxy, never its password.
func (s *Server) handleProxyGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	writeJSON(w, http.StatusOK, proxyResponse{envelope: ok("Proxy configuration retrieved successfully"), Proxy: newProxyView(inst.Proxy)})
	return nil
}

// handleProxyUpdate replaces the instance's proxy; {"enabled":false} removes it. The new proxy is
// used from the next /connect or /reconnect.
//
// The password is never returned, so a client that reads the proxy and writes it back cannot
// send it: an omitted password therefore keeps the stored one when host and username are
// unchanged, while "" removes it.
func (s *Server) handleProxyUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req proxyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	in := proxyInput(req)
	proxy, err := in.toProxy(proxyRouteFields)
	if err != nil {
		return err
	}
	if proxy.Enabled {
		switch {
		case in.Password == nil:
			if inst.Proxy.Host == proxy.Host && inst.Proxy.Username == proxy.Username {
				proxy.PasswordSealed = inst.Proxy.PasswordSealed
			}
		case *in.Password != "":
			if proxy.PasswordSealed, err = s.sealPassword(*in.Password, proxyRouteFields.password); err != nil {
				return err
			}
		}
	}
	if err := s.cfg.Instances.SetProxy(r.Context(), inst.ID, proxy); err != nil {
		return failed("Failed to update proxy configuration", err)
	}
	writeJSON(w, http.StatusOK, proxyResponse{envelope: ok("Proxy configuration updated successfully"), Proxy: newProxyView(proxy)})
	return nil
}
