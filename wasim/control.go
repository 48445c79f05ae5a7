package wasim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// The control API plays the phone side of a standalone simulator for other processes: a
// gateway started with `serve --sandbox-url` serves its /sandbox routes through it, and tests
// can drive a simulator they did not start. It mirrors the Server's own methods, one route each,
// in JSON (see control_wire.go for the bodies and ControlClient for a Go client):
//
//	POST /wasim/control/scan          ScanQR          {"qrCode","phone"} → {"jid"}
//	POST /wasim/control/pair-code     EnterPairCode   {"phone","code"} → {"jid"}
//	POST /wasim/control/phones        RegisterPhone   {"phone","pushName"} → {"jid"}
//	GET  /wasim/control/users/{jid}   LookupUser      → {"lid"}
//	POST /wasim/control/groups        CreateGroup     controlGroupRequest → controlGroup
//	GET  /wasim/control/groups/{jid}  Group           → controlGroup
//	POST /wasim/control/faults        AddFault        controlFault → {}
//
// Failures answer {"error":{"kind","message","code","text"}} with a 4xx status; kind names the
// simulator's sentinel (no_pending_pairing, unknown_phone, not_found, group, invalid) so the
// client can give callers the very errors the Server returns in-process.
//
// Whoever reaches the control API can pair devices to any simulated phone and read every group,
// so it exists only when Config.ControlToken is set, and every request must carry that secret as
// "Authorization: Bearer <token>" (401 kind "unauthorized" otherwise). A simulator is still a
// development and test tool meant to listen on loopback (127.0.0.1, `switchboard wasim`'s
// default); the websocket endpoint, like WhatsApp's, takes anyone.

// maxControlBody bounds a control request body; the largest, a group with its members, is far
// smaller.
const maxControlBody = 1 << 20

// Error kinds of the control API.
const (
	kindNoPendingPairing = "no_pending_pairing"
	kindUnknownPhone     = "unknown_phone"
	kindNotFound         = "not_found"
	kindGroup            = "group"
	kindInvalid          = "invalid"
	kindUnauthorized     = "unauthorized"
)

func (s *Server) mountControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /wasim/control/scan", s.control(s.controlScan))
	mux.HandleFunc("POST /wasim/control/pair-code", s.control(s.controlPairCode))
	mux.HandleFunc("POST /wasim/control/phones", s.control(s.controlRegisterPhone))
	mux.HandleFunc("GET /wasim/control/users/{jid}", s.control(s.controlLookupUser))
	mux.HandleFunc("POST /wasim/control/groups", s.control(s.controlCreateGroup))
	mux.HandleFunc("GET /wasim/control/groups/{jid}", s.control(s.controlGroup))
	mux.HandleFunc("POST /wasim/control/faults", s.control(s.controlAddFault))
	s.mountPhoneControl(mux) // control_phone.go
	mux.HandleFunc("GET /wasim/control/devices", s.control(s.controlDevices))
}

// control adapts a handler that returns its answer or an error to http.HandlerFunc, after
// checking the caller's secret.
func (s *Server) control(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !s.controlAuthorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wasim control"`)
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(controlErrorBody{Error: controlErrorDetail{
				Kind: kindUnauthorized, Message: "wasim: control API needs Authorization: Bearer <control token>",
			}})
			return
		}
		out, err := h(r)
		if err != nil {
			status, body := controlFailure(err)
			if status >= http.StatusInternalServerError {
				s.log.Warn("wasim: control request failed", "path", r.URL.Path, "err", err)
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(body)
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}
}

// controlAuthorized compares the bearer secret in constant time (over hashes, so the length of
// the secret does not leak either).
func (s *Server) controlAuthorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.cfg.ControlToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (s *Server) controlScan(r *http.Request) (any, error) {
	var req controlScanRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	jid, err := s.ScanQR(r.Context(), req.QRCode, req.Phone)
	if err != nil {
		return nil, err
	}
	return controlJID{JID: jid}, nil
}

func (s *Server) controlPairCode(r *http.Request) (any, error) {
	var req controlPairCodeRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	jid, err := s.EnterPairCode(r.Context(), req.Phone, req.Code)
	if err != nil {
		return nil, err
	}
	return controlJID{JID: jid}, nil
}

func (s *Server) controlRegisterPhone(r *http.Request) (any, error) {
	var req controlPhoneRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	jid, err := s.RegisterPhone(req.Phone, req.PushName)
	if err != nil {
		return nil, err
	}
	return controlJID{JID: jid}, nil
}

func (s *Server) controlLookupUser(r *http.Request) (any, error) {
	user, err := types.ParseJID(r.PathValue("jid"))
	if err != nil {
		return nil, badControlRequest("user JID: %v", err)
	}
	lid, ok := s.LookupUser(user)
	if !ok {
		return nil, ErrUnknownPhone
	}
	return controlLID{LID: lid}, nil
}

func (s *Server) controlCreateGroup(r *http.Request) (any, error) {
	var req controlGroupRequest
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	view, err := s.CreateGroup(req.toRequest())
	if err != nil {
		return nil, err
	}
	return groupToWire(view), nil
}

func (s *Server) controlGroup(r *http.Request) (any, error) {
	jid, err := types.ParseJID(r.PathValue("jid"))
	if err != nil {
		return nil, badControlRequest("group JID: %v", err)
	}
	view, ok := s.Group(jid)
	if !ok {
		return nil, errGroupNotFound
	}
	return groupToWire(view), nil
}

func (s *Server) controlAddFault(r *http.Request) (any, error) {
	var req controlFault
	if err := decodeControl(r, &req); err != nil {
		return nil, err
	}
	if req.DelayMillis < 0 {
		return nil, badControlRequest("delayMs must not be negative")
	}
	s.AddFault(FaultRule{
		Phone: req.Phone, Match: req.Match, To: req.To, Code: req.Code, Text: req.Text, Times: req.Times,
		Delay: time.Duration(req.DelayMillis) * time.Millisecond, Drop: req.Drop,
	})
	return struct{}{}, nil
}

// errGroupNotFound is the control API's answer for a group the simulator does not hold; the
// Server's own Group reports it as ok == false.
var errGroupNotFound = errors.New("wasim: group not found")

// errBadControlRequest marks a request the control API could not read.
var errBadControlRequest = errors.New("wasim: bad control request")

func badControlRequest(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadControlRequest}, args...)...)
}

// decodeControl reads one JSON object and nothing else; unknown fields are refused, so a client
// and simulator of different versions fail loudly instead of silently dropping a field.
func decodeControl(r *http.Request, into any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return badControlRequest("%v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badControlRequest("trailing data after the JSON object")
	}
	return nil
}
