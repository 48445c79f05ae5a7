package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
	"github.com/switchboard/switchboard/wasim"
)

func TestTranslateClassifiesWhatsmeowErrors(t *testing.T) {
	iq := func(code int, text string) error { return &whatsmeow.IQError{Code: code, Text: text} }
	for _, tc := range []struct {
		name string
		err  error
		want switchboard.ErrorCode
	}{
		{"rate overlimit", whatsmeow.ErrIQRateOverLimit, switchboard.CodeRateLimited},
		{"429 with another text", iq(429, "slow down"), switchboard.CodeRateLimited},
		{"wrapped 429", fmt.Errorf("linking: %w", whatsmeow.ErrIQRateOverLimit), switchboard.CodeRateLimited},
		{"not found", whatsmeow.ErrIQNotFound, switchboard.CodeNotFound},
		{"group not found", whatsmeow.ErrGroupNotFound, switchboard.CodeNotFound},
		{"forbidden", whatsmeow.ErrIQForbidden, switchboard.CodeForbidden},
		{"not in group", whatsmeow.ErrNotInGroup, switchboard.CodeForbidden},
		{"not authorized", whatsmeow.ErrIQNotAuthorized, switchboard.CodeForbidden},
		{"invite unauthorized", whatsmeow.ErrGroupInviteLinkUnauthorized, switchboard.CodeForbidden},
		{"invite revoked", whatsmeow.ErrInviteLinkRevoked, switchboard.CodeNotFound},
		{"invite invalid", whatsmeow.ErrInviteLinkInvalid, switchboard.CodeInvalid},
		{"bad request", whatsmeow.ErrIQBadRequest, switchboard.CodeInvalid},
		{"not acceptable", whatsmeow.ErrIQNotAcceptable, switchboard.CodeInvalid},
		{"resource limit", whatsmeow.ErrIQResourceLimit, switchboard.CodeConflict},
		{"not connected", whatsmeow.ErrNotConnected, switchboard.CodeNotConnected},
		{"not logged in", whatsmeow.ErrNotLoggedIn, switchboard.CodeNotConnected},
		{"disconnected mid-request", &whatsmeow.DisconnectedError{Action: "info query"}, switchboard.CodeNotConnected},
		{"iq timeout", whatsmeow.ErrIQTimedOut, switchboard.CodeTimeout},
		{"deadline", context.DeadlineExceeded, switchboard.CodeTimeout},
		{"internal server error", whatsmeow.ErrIQInternalServerError, switchboard.CodeWhatsAppFailure},
		{"unknown", errors.New("boom"), switchboard.CodeWhatsAppFailure},
		{"bad phone", whatsmeow.ErrPhoneNumberIsNotInternational, switchboard.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(tc.err)
			if code := switchboard.ErrorCodeOf(got); code != tc.want {
				t.Fatalf("code %s, want %s (%v)", code, tc.want, got)
			}
			if !errors.Is(got, tc.err) {
				t.Fatalf("the original error is not wrapped: %v", got)
			}
		})
	}
	if translate(nil) != nil {
		t.Fatal("translate(nil) != nil")
	}
	domain := switchboard.Errorf(switchboard.CodeConflict, "already")
	if translate(domain) != error(domain) {
		t.Fatal("a domain error was rewrapped")
	}
	if msg := switchboard.ErrorMessageOf(translate(whatsmeow.ErrNotInGroup)); msg != "The instance is not a member of this group" {
		t.Fatalf("not-member message %q", msg)
	}
	if msg := switchboard.ErrorMessageOf(translate(whatsmeow.ErrIQNotAuthorized)); msg != "The instance is not an admin of this group" {
		t.Fatalf("not-admin message %q", msg)
	}
}

func TestGroupErrorsFromTheSimulator(t *testing.T) {
	e := newEnv(t)
	m, inst, gc := connectedGroups(t, e, "5511500001111")
	ctx := ctxT(t)
	group, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Faulty"})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}

	e.sim.AddFault(wasim.FaultRule{Match: "w:g2", Code: 429})
	_, err = gc.GroupInfo(ctx, group.JID)
	if !switchboard.IsCode(err, switchboard.CodeRateLimited) || !errors.Is(err, whatsmeow.ErrIQRateOverLimit) {
		t.Fatalf("rate-overlimit: %v", err)
	}
	// The batch linker stops at WhatsApp's rate limit and says why.
	community, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Hub", IsCommunity: true})
	if err != nil {
		t.Fatalf("create community: %v", err)
	}
	e.sim.AddFault(wasim.FaultRule{Match: "links", Code: 429})
	linker := switchboard.CommunityLinker{}
	results := linker.Link(ctx, gc, switchboard.LinkBatch{Community: community.JID, Groups: []string{group.JID.String()}})
	if len(results) != 1 || results[0].Reason != switchboard.ReasonRateLimited {
		t.Fatalf("link under rate limit: %+v", results)
	}

	e.sim.AddFault(wasim.FaultRule{Match: "w:g2", Code: 500})
	if err := gc.SetName(ctx, group.JID, "x"); !switchboard.IsCode(err, switchboard.CodeWhatsAppFailure) {
		t.Fatalf("500: %v", err)
	}
	unknown := switchboard.JID{User: "120363999999999999", Server: switchboard.ServerGroup}
	if _, err := gc.GroupInfo(ctx, unknown); !switchboard.IsCode(err, switchboard.CodeNotFound) {
		t.Fatalf("unknown group: %v", err)
	}

	// A request context that ends is a timeout, not a WhatsApp failure.
	e.sim.AddFault(wasim.FaultRule{Match: "w:g2", Delay: 2 * waitTimeout})
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := gc.GroupInfo(short, group.JID); !switchboard.IsCode(err, switchboard.CodeTimeout) {
		t.Fatalf("slow WhatsApp: %v", err)
	}
	e.sim.ClearFaults()

	// A dropped session: the old client answers "not connected", and Groups refuses.
	if err := m.Logout(ctx, e.row(inst)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := gc.GroupInfo(ctx, group.JID); !switchboard.IsCode(err, switchboard.CodeNotConnected) {
		t.Fatalf("group call on a logged-out client: %v", err)
	}
	if _, err := m.Groups(e.row(inst)); !switchboard.IsCode(err, switchboard.CodeNotConnected) ||
		switchboard.ErrorMessageOf(err) != "Instance is not connected to WhatsApp" {
		t.Fatalf("Groups after logout: %v", err)
	}
}

func TestConnectFailuresSayNothingOfWhatAnswered(t *testing.T) {
	banner := errors.New(`Get "https://web.whatsapp.com/ws/chat": malformed HTTP status code "internal-admin-panel v1.2.3"`)
	refused := fmt.Errorf("proxyconnect tcp: %w", &net.OpError{Op: "dial", Err: &egress.RefusedError{Addr: netip.MustParseAddr("10.0.0.5")}})
	ours := switchboard.Errorf(switchboard.CodeInvalid, "Invalid proxy configuration")
	for _, tc := range []struct {
		name      string
		err       error
		connect   string
		reconnect string
		code      switchboard.ErrorCode
	}{
		{"network", banner, msgConnectFailed, "Failed to reconnect: " + msgConnectFailed, switchboard.CodeInternal},
		{"guard", refused, msgProxyRefused, "Failed to reconnect: " + msgProxyRefused, switchboard.CodeInvalid},
		{"domain", ours, "Invalid proxy configuration", "Failed to reconnect: Invalid proxy configuration", switchboard.CodeInvalid},
		// A dial the cluster's lease gate refused: the instance is moving, retryable (503).
		{"lease", errors.Join(errConnectRefused, errors.New("lease held by node2")), msgMoving, "Failed to reconnect: " + msgMoving, switchboard.CodeUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for got, want := range map[error]string{connectFailed(tc.err): tc.connect, reconnectFailed(tc.err): tc.reconnect} {
				if msg := switchboard.ErrorMessageOf(got); msg != want || switchboard.ErrorCodeOf(got) != tc.code {
					t.Fatalf("%q (%s), want %q (%s)", msg, switchboard.ErrorCodeOf(got), want, tc.code)
				}
				if !errors.Is(got, tc.err) {
					t.Fatalf("the cause is not kept for the log: %v", got)
				}
			}
		})
	}
}
