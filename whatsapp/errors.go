package whatsapp

import (
	"context"
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// Client-facing messages shared with the rest of the gateway (RyzeAPI's wording where it has one).
const (
	msgNotConnected = "Instance is not connected to WhatsApp"
	msgNoSession    = "Instance has no saved session — call /connect first"
	msgQRTimeout    = "Timed out waiting for WhatsApp to issue a login code"
)

// translate turns an error of a whatsmeow call into a domain *Error, keeping the original wrapped
// for the logs. Errors that already are domain errors pass through unchanged.
//
// IQ errors are classified by their numeric code (errors.As), not with errors.Is against
// whatsmeow's sentinels: those also compare the error text, and a server that says "forbidden"
// with another text is still saying 403.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var domainErr *switchboard.Error
	if errors.As(err, &domainErr) {
		return err
	}
	code, msg := classify(err)
	return switchboard.Wrap(code, msg, err)
}

func classify(err error) (switchboard.ErrorCode, string) {
	// The friendlier sentinels whatsmeow wraps around some IQ errors come first: they say more
	// than the bare status code.
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, whatsmeow.ErrIQTimedOut):
		return switchboard.CodeTimeout, "WhatsApp did not answer in time"
	case errors.Is(err, context.Canceled):
		return switchboard.CodeTimeout, "The request was cancelled before WhatsApp answered"
	case errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrNotLoggedIn),
		errors.Is(err, whatsmeow.ErrClientIsNil), isDisconnected(err):
		return switchboard.CodeNotConnected, msgNotConnected
	case errors.Is(err, whatsmeow.ErrGroupNotFound):
		return switchboard.CodeNotFound, "Group not found"
	case errors.Is(err, whatsmeow.ErrNotInGroup):
		return switchboard.CodeForbidden, "The instance is not a member of this group"
	case errors.Is(err, whatsmeow.ErrGroupInviteLinkUnauthorized):
		return switchboard.CodeForbidden, "The instance is not an admin of this group"
	case errors.Is(err, whatsmeow.ErrInviteLinkRevoked):
		// 410 Gone from WhatsApp. The request was well formed; what it points to no longer exists.
		return switchboard.CodeNotFound, "The invite link has been revoked"
	case errors.Is(err, whatsmeow.ErrInviteLinkInvalid):
		return switchboard.CodeInvalid, "The invite link is invalid"
	case errors.Is(err, whatsmeow.ErrInvalidImageFormat):
		return switchboard.CodeInvalid, "WhatsApp did not accept the image (use a JPEG)"
	case errors.Is(err, whatsmeow.ErrPhoneNumberTooShort), errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational):
		return switchboard.CodeInvalid, "Invalid phone number: use the full international number, e.g. 5511999999999"
	}
	var iq *whatsmeow.IQError
	if errors.As(err, &iq) && iq.Code != 0 {
		return classifyIQ(iq)
	}
	return switchboard.CodeWhatsAppFailure, "WhatsApp request failed"
}

// classifyIQ maps WhatsApp's status codes. 401 and 403 are both "forbidden" for the API client,
// but they mean different things in group IQs: 401 not-authorized is "you are not an admin",
// 403 forbidden is "you are not a member".
func classifyIQ(iq *whatsmeow.IQError) (switchboard.ErrorCode, string) {
	switch iq.Code {
	case 400:
		return switchboard.CodeInvalid, "WhatsApp rejected the request as malformed (400 bad-request)"
	case 401:
		return switchboard.CodeForbidden, "The instance is not an admin of this group"
	case 403:
		return switchboard.CodeForbidden, "The instance is not a member of this group"
	case 404:
		return switchboard.CodeNotFound, "Group not found"
	case 405:
		return switchboard.CodeForbidden, "WhatsApp does not allow this operation (405 not-allowed)"
	case 406:
		return switchboard.CodeInvalid, "WhatsApp did not accept the request (406 not-acceptable)"
	case 409:
		return switchboard.CodeConflict, "WhatsApp reported a conflict (409)"
	case 410:
		return switchboard.CodeNotFound, "No longer available on WhatsApp (410 gone)"
	case 419:
		// resource-limit: a WhatsApp-side limit is reached (group size, subgroups per community).
		// Conflict rather than forbidden: retrying cannot help until the state changes, and
		// forbidden reads as "not an admin" to the community linker.
		return switchboard.CodeConflict, "A WhatsApp limit was reached (419 resource-limit)"
	case 423:
		return switchboard.CodeForbidden, "The group is locked on WhatsApp (423 locked)"
	case 429:
		return switchboard.CodeRateLimited, "WhatsApp rate limit reached (429 rate-overlimit); try again later"
	default:
		text := iq.Text
		if text == "" {
			text = "error"
		}
		return switchboard.CodeWhatsAppFailure, fmt.Sprintf("WhatsApp answered with an error (%d %s)", iq.Code, text)
	}
}

func isDisconnected(err error) bool {
	var d *whatsmeow.DisconnectedError
	return errors.As(err, &d)
}

// deviceAlreadyGone reports a logout refused because WhatsApp no longer knows the device (it was
// removed from the phone first): the local cleanup must still happen.
func deviceAlreadyGone(err error) bool {
	var iq *whatsmeow.IQError
	return errors.As(err, &iq) && (iq.Code == 401 || iq.Code == 404)
}

// msgConnectFailed is all a client learns of a failed connection: the network error's text
// (a refused port, a proxy's status line, a TLS alert) would describe whatever answered at the
// proxy's address, which turns the proxy setting into a port scanner of the gateway's network.
// The cause stays wrapped, for the log line the API writes with the request id.
const msgConnectFailed = "Failed to connect to WhatsApp"

// msgMoving answers a connect this node may not make because the instance's lease is not (or no
// longer) this node's; the same words as the API's answer while an instance has no owner.
const msgMoving = "The instance is moving to another node; retry shortly"

// msgProxyRefused says why a proxy was not even dialled; it reveals only our own rule.
const msgProxyRefused = "Proxy refused: its address is loopback, private or link-local " +
	"(the operator can allow such proxies with SWITCHBOARD_ALLOW_PRIVATE_PROXIES=1)"

// connectFailed maps the error of opening a client's connection. Domain errors (ours, with
// client-safe messages) pass through; the guard's refusal of the proxy address is named, since
// the caller can fix it; everything else is msgConnectFailed.
func connectFailed(err error) error {
	var domainErr *switchboard.Error
	var refused *egress.RefusedError
	switch {
	case errors.As(err, &domainErr):
		return err
	case errors.As(err, &refused):
		return switchboard.Wrap(switchboard.CodeInvalid, msgProxyRefused, err)
	case errors.Is(err, errConnectRefused):
		// The lease gate refused the dial: the instance is moving to or from this node (a
		// takeover, a rebalance). Retryable, like the answer of a request with no owner.
		return switchboard.Wrap(switchboard.CodeUnavailable, msgMoving, err)
	default:
		return switchboard.Wrap(switchboard.CodeInternal, msgConnectFailed, err)
	}
}
