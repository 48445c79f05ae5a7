package wasim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// ErrControlUnavailable is returned by a ControlClient when the simulator could not be reached or
// did not answer as a control API (wrong URL, simulator stopped, an older build without it).
var ErrControlUnavailable = errors.New("wasim: control API unavailable")

// controlTimeout bounds one control call. The slowest, a scan or a pairing code, waits for the
// client's confirmation, which the simulator itself bounds at 30 s.
const controlTimeout = 45 * time.Second

// maxControlAnswer bounds an answer; a phone's inbox is the largest.
const maxControlAnswer = 64 << 20

// ControlClient drives a standalone simulator through its control API (control.go). Its methods
// are the Server's, with a context and an error for the trip: a failure the simulator reports
// comes back as the error the Server would have returned in-process (errors.Is works with
// ErrNoPendingPairing, ErrUnknownPhone and the group engine's errors), and a failed trip wraps
// ErrControlUnavailable.
type ControlClient struct {
	base  string
	token string
	http  *http.Client
}

// NewControlClient returns a client of the simulator at baseURL ("http://127.0.0.1:8090") that
// authenticates with the simulator's control token (Config.ControlToken).
func NewControlClient(baseURL, token string) *ControlClient {
	return &ControlClient{
		base:  strings.TrimRight(baseURL, "/") + "/wasim/control",
		token: token,
		http:  &http.Client{Timeout: controlTimeout},
	}
}

// ScanQR is Server.ScanQR: a simulated phone scans the QR text an unpaired client shows.
func (c *ControlClient) ScanQR(ctx context.Context, qrText, phone string) (types.JID, error) {
	var out controlJID
	err := c.call(ctx, http.MethodPost, "/scan", controlScanRequest{QRCode: qrText, Phone: phone}, &out)
	return out.JID, err
}

// EnterPairCode is Server.EnterPairCode: the phone types the code its client displayed.
func (c *ControlClient) EnterPairCode(ctx context.Context, phone, code string) (types.JID, error) {
	var out controlJID
	err := c.call(ctx, http.MethodPost, "/pair-code", controlPairCodeRequest{Phone: phone, Code: code}, &out)
	return out.JID, err
}

// RegisterPhone is Server.RegisterPhone.
func (c *ControlClient) RegisterPhone(ctx context.Context, phone, pushName string) (types.JID, error) {
	var out controlJID
	err := c.call(ctx, http.MethodPost, "/phones", controlPhoneRequest{Phone: phone, PushName: pushName}, &out)
	return out.JID, err
}

// LookupUser is Server.LookupUser: the LID of a phone user JID, ok false when the number is not
// on the simulated WhatsApp.
func (c *ControlClient) LookupUser(ctx context.Context, user types.JID) (types.JID, bool, error) {
	var out controlLID
	err := c.call(ctx, http.MethodGet, "/users/"+url.PathEscape(user.String()), nil, &out)
	if errors.Is(err, ErrUnknownPhone) {
		return types.EmptyJID, false, nil
	}
	return out.LID, err == nil, err
}

// CreateGroup is Server.CreateGroup.
func (c *ControlClient) CreateGroup(ctx context.Context, req CreateGroupRequest) (GroupView, error) {
	var out controlGroup
	if err := c.call(ctx, http.MethodPost, "/groups", groupRequestToWire(req), &out); err != nil {
		return GroupView{}, err
	}
	return out.view(), nil
}

// Group is Server.Group: ok false when the simulator holds no such group.
func (c *ControlClient) Group(ctx context.Context, jid types.JID) (GroupView, bool, error) {
	var out controlGroup
	err := c.call(ctx, http.MethodGet, "/groups/"+url.PathEscape(jid.String()), nil, &out)
	switch {
	case errors.Is(err, errGroupNotFound):
		return GroupView{}, false, nil
	case err != nil:
		return GroupView{}, false, err
	}
	return out.view(), true, nil
}

// AddFault is Server.AddFault. Delay travels in whole milliseconds.
func (c *ControlClient) AddFault(ctx context.Context, r FaultRule) error {
	f := controlFault{
		Phone: r.Phone, Match: r.Match, To: r.To, Code: r.Code, Text: r.Text, Times: r.Times,
		DelayMillis: r.Delay.Milliseconds(), Drop: r.Drop,
	}
	return c.call(ctx, http.MethodPost, "/faults", f, &struct{}{})
}

// call sends one request and decodes the answer into out, or the failure into the Server's error.
func (c *ControlClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrControlUnavailable, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrControlUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxControlAnswer))
	if err != nil {
		return fmt.Errorf("%w: reading the answer: %v", ErrControlUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		var failure controlErrorBody
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("%w: the simulator refused the control token (check SWITCHBOARD_WASIM_TOKEN)", ErrControlUnavailable)
		}
		if json.Unmarshal(raw, &failure) != nil || failure.Error.Kind == "" {
			return fmt.Errorf("%w: %s %s answered HTTP %d", ErrControlUnavailable, method, path, resp.StatusCode)
		}
		return errorFromWire(failure.Error)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: %s %s: undecodable answer: %v", ErrControlUnavailable, method, path, err)
	}
	return nil
}
