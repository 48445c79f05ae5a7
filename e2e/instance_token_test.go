package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestInstanceTokenOnSiblingInstance: RyzeAPI's 403 for an instance token used on another
// instance of its own account; another account's instance, or one that does not exist, stays
// 404, so names cannot be probed across accounts.
func TestInstanceTokenOnSiblingInstance(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		alice, bob := e.Account("alice"), e.Account("bob")
		sales := e.Instance(alice, "sales")
		e.Instance(alice, "support")
		e.Instance(bob, "bobs")
		e.Do("GET", "/api/instance/getSettings/support", sales, nil).WantError(http.StatusForbidden, "Instance token does not match this instance")
		e.Do("POST", "/api/instance/settings/support", sales, map[string]any{"rejectCall": true}).WantError(http.StatusForbidden, "Instance token does not match this instance")
		e.Do("GET", "/api/group/list/support", sales, nil).WantError(http.StatusForbidden, "Instance token does not match this instance")
		e.Do("GET", "/api/instance/getSettings/bobs", sales, nil).WantError(http.StatusNotFound, "Instance not found")
		e.Do("GET", "/api/instance/getSettings/nope", sales, nil).WantError(http.StatusNotFound, "Instance not found")
		e.Do("GET", "/api/instance/getSettings/sales", sales, nil).Want(http.StatusOK)
		if e.Do("GET", "/api/instance/getSettings/support", alice, nil).Want(http.StatusOK).Get("settings.rejectCall") == true {
			t.Fatal("the refused settings update changed the sibling instance")
		}
	})
}

// TestAuthorizationWithoutBearerHint: `Authorization: <token>` (no scheme) is refused as a
// missing token, RyzeAPI's message, with error.detail saying how to send it; the hint never
// echoes the token. With the scheme the same token works.
func TestAuthorizationWithoutBearerHint(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	alice := e.Account("alice")
	res := e.DoHeaders("GET", "/api/instance/list", http.Header{"Authorization": {alice}}, "").WantError(http.StatusUnauthorized, "Missing token in header")
	detail := res.Str("error.detail")
	if !strings.Contains(detail, "Authorization: Bearer <token>") || strings.Contains(string(res.Raw), alice) {
		t.Fatalf("no hint, or the token echoed: %s", res.Raw)
	}
	res = e.DoHeaders("GET", "/api/instance/list", http.Header{}, "").WantError(http.StatusUnauthorized, "Missing token in header")
	if res.Str("error.detail") != "" {
		t.Fatalf("hint without an Authorization header: %s", res.Raw)
	}
	e.DoHeaders("GET", "/api/instance/list", http.Header{"Authorization": {"Bearer " + alice}}, "").Want(http.StatusOK)
}
