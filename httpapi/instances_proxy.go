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
	Proxy proxyJSON `json:"proxy"`
}

// handleProxyGet returns the instance's own proxy, never its password.
func (s *Server) handleProxyGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	writeJSON(w, http.StatusOK, proxyResponse{envelope: ok("Proxy configuration retrieved successfully"), Proxy: newProxyJSON(inst.Proxy)})
	return nil
}

// msgProxyNeedsAccount refuses a proxy change made with an instance token. A proxy decides where
// the gateway connects and which credential it sends there, so it is the account's decision,
// like creating and deleting instances; the instance token can still read it (getProxy).
const msgProxyNeedsAccount = "Only an account token can change an instance's proxy"

// handleProxyUpdate replaces the instance's proxy; {"enabled":false} removes it. The new proxy is
// used from the next /connect or /reconnect. Only an account token may call it (403 otherwise).
//
// The password is never returned, so a client that reads the proxy and writes it back cannot
// send it: an omitted password therefore keeps the stored one, but only while protocol, host,
// port and username are all unchanged; a change of any of them drops it (unless a new one is
// sent), so the stored credential is never sent to an endpoint it was not given for. "" removes
// it.
func (s *Server) handleProxyUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if p := principalFrom(r.Context()); p == nil || !p.isAccount() {
		return &switchboard.Error{Code: switchboard.CodeForbidden, Message: msgProxyNeedsAccount}
	}
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
			if sameEndpoint(inst.Proxy, proxy) {
				proxy.PasswordSealed = inst.Proxy.PasswordSealed
			}
		case *in.Password != "":
			if proxy.PasswordSealed, err = s.sealPassword(*in.Password, proxyRouteFields.password, inst.ID); err != nil {
				return err
			}
		}
	}
	if err := s.cfg.Instances.SetProxy(r.Context(), inst.ID, proxy); err != nil {
		return failed("Failed to update proxy configuration", err)
	}
	writeJSON(w, http.StatusOK, proxyResponse{envelope: ok("Proxy configuration updated successfully"), Proxy: newProxyJSON(proxy)})
	return nil
}

// sameEndpoint reports whether a stored password was given for the proxy b describes: same
// protocol, host, port and username.
func sameEndpoint(a, b switchboard.Proxy) bool {
	return a.Enabled && a.Protocol == b.Protocol && a.Host == b.Host && a.Port == b.Port && a.Username == b.Username
}
