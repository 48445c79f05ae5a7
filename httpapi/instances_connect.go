package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/switchboard/switchboard"
)

// connectResponse is the answer of /connect. Exactly one of QRCode or PairingCode is set, unless
// the instance was already connected.
type connectResponse struct {
	envelope
	Status       string `json:"status"`
	QRCode       string `json:"qrCode,omitempty"`
	QRCodeBase64 string `json:"qrCodeBase64,omitempty"`
	PairingCode  string `json:"pairingCode,omitempty"`
	NumberJID    string `json:"numberJid,omitempty"`
}

// statusResponse is a success whose payload is a business status.
type statusResponse struct {
	envelope
	Status string `json:"status"`
}

// maxHistoryDays bounds ?history= to ten years, far beyond what a phone keeps, so any real value
// passes and absurd ones are refused.
const maxHistoryDays = 3650

// handleInstanceConnect starts a login and waits (at most ConnectTimeout) for a QR code or, with
// ?number=, a pairing code. An instance that is already connected gets a 200 that says so, not
// an error: the caller's goal is met.
func (s *Server) handleInstanceConnect(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	query := r.URL.Query()
	phone := ""
	if number := query.Get("number"); number != "" {
		if phone = switchboard.PhoneDigits(number); phone == "" {
			return invalid("Invalid phone number: use " + switchboard.PhoneLengthRule + " with the country code, e.g. 5511999999999")
		}
		if err := s.claimConnectPhone(r.Context(), inst.AccountID, phone); err != nil {
			return err
		}
	}
	if history := query.Get("history"); history != "" {
		days, err := strconv.Atoi(history)
		if err != nil || days < 0 || days > maxHistoryDays {
			return invalid("history must be a number of days between 0 and 3650")
		}
		// Sessions.Connect has no history option yet; the request is logged, not honoured.
		s.requestLogger(r).Info("history sync request not supported yet", "days", days)
	}

	if st := s.cfg.Sessions.Status(inst); st.State == switchboard.StateConnected {
		return writeAlreadyConnected(w, inst, st)
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ConnectTimeout)
	defer cancel()
	code, err := s.cfg.Sessions.Connect(ctx, inst, phone)
	if err != nil {
		return connectFailure(err, r)
	}
	switch {
	case code.Connected:
		return writeAlreadyConnected(w, inst, s.cfg.Sessions.Status(inst))
	case code.PairCode != "":
		writeJSON(w, http.StatusOK, connectResponse{
			envelope: ok("Pairing code generated"), Status: "pairing_code", PairingCode: code.PairCode,
		})
		return nil
	case code.QR != "":
		png, err := qrDataURI(code.QR)
		if err != nil {
			return switchboard.Wrap(switchboard.CodeInternal, "Failed to render the QR code", err)
		}
		writeJSON(w, http.StatusOK, connectResponse{
			envelope: ok("QR code generated"), Status: "qr", QRCode: code.QR, QRCodeBase64: png,
		})
		return nil
	default:
		return switchboard.Errorf(switchboard.CodeInternal, "Failed to connect instance")
	}
}

func writeAlreadyConnected(w http.ResponseWriter, inst *switchboard.Instance, st switchboard.ConnectionStatus) error {
	writeJSON(w, http.StatusOK, connectResponse{
		envelope:  ok("Instance already connected"),
		Status:    string(switchboard.StateConnected),
		NumberJID: numberJID(inst, st),
	})
	return nil
}

// connectFailure keeps the session manager's domain errors and names the two context endings:
// our deadline is a 504, WhatsApp having been too slow; anything else is a bare 500.
func connectFailure(err error, r *http.Request) error {
	var domainErr *switchboard.Error
	switch {
	case errors.As(err, &domainErr):
		return err
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		return switchboard.Wrap(switchboard.CodeTimeout, "Timed out waiting for WhatsApp to issue a login code", err)
	default:
		return switchboard.Wrap(switchboard.CodeInternal, "Failed to connect instance", err)
	}
}

// handleInstanceReconnect reopens a paired instance from its stored session. It answers as soon
// as the connection is under way; the caller polls /list or waits for the state event.
func (s *Server) handleInstanceReconnect(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if inst.DeviceJID == "" || inst.LoggedOut {
		return invalid("Instance has no saved session — call /connect first")
	}
	if st := s.cfg.Sessions.Status(inst); st.State == switchboard.StateConnected {
		writeJSON(w, http.StatusOK, statusResponse{envelope: ok("Instance already connected"), Status: string(switchboard.StateConnected)})
		return nil
	}
	if err := s.cfg.Sessions.Reconnect(r.Context(), inst); err != nil {
		return sessionFailed("Failed to reconnect", err)
	}
	writeJSON(w, http.StatusOK, statusResponse{envelope: ok("Reconnect initiated"), Status: string(switchboard.StateConnecting)})
	return nil
}
