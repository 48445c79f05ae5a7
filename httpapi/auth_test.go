package httpapi

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
)

// instanceRoutes are every {instance} route with a body that would pass validation, so a test
// result depends on authorization alone.
var instanceRoutes = []struct{ method, path, body string }{
	{"GET", "/api/instance/connect/%s", ""},
	{"POST", "/api/instance/reconnect/%s", ""},
	{"DELETE", "/api/instance/logout/%s", ""},
	{"DELETE", "/api/instance/delete/%s", ""},
	{"GET", "/api/instance/getSettings/%s", ""},
	{"POST", "/api/instance/settings/%s", `{"ignoreStatus":true}`},
	{"GET", "/api/instance/getProxy/%s", ""},
	{"POST", "/api/instance/proxy/%s", `{"enabled":false}`},
}

func routePath(pattern, name string) string { return strings.Replace(pattern, "%s", name, 1) }

func bodyOrNil(b string) any {
	if b == "" {
		return nil
	}
	return b
}

func TestMissingAndInvalidTokens(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/instance/list", "", nil).WantErrorCode(401, "Missing token in header", "unauthorized")
	res := e.do("GET", "/api/instance/list", "sba_doesnotexist", nil).WantErrorCode(401, "Invalid token", "unauthorized")
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	if res.Header.Get("X-RateLimit-Limit") != "" {
		t.Fatal("unauthenticated answer carries a token bucket")
	}
	e.do("GET", "/api/instance/list", strings.Repeat("x", 300), nil).WantErrorCode(401, "Invalid token", "unauthorized")
	e.do("GET", "/api/instance/list", "", nil, "Authorization", "Basic dXNlcjpwYXNz").WantErrorCode(401, "Missing token in header", "unauthorized")
	for _, r := range instanceRoutes {
		e.do(r.method, routePath(r.path, "any"), "", bodyOrNil(r.body)).Want(401)
	}
	e.do("POST", "/api/instance/new", "", `{"name":"x"}`).WantErrorCode(401, "Missing token in header", "unauthorized")
}

func TestBearerAndTokenHeader(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	b := e.account("b", 0)
	e.instance(a, "onA")
	e.do("GET", "/api/instance/list", "", nil, "Authorization", "Bearer "+a).Want(200)
	e.do("GET", "/api/instance/list", "", nil, "Authorization", "bearer "+a).Want(200)
	// The token header wins over Authorization.
	res := e.do("GET", "/api/instance/list", b, nil, "Authorization", "Bearer "+a).Want(200)
	if res.Str("message") != "0 Instances found" {
		t.Fatalf("token header did not win: %s", res.Raw)
	}
}

// TestTenancyMatrix checks every {instance} route: another account's instance is "not found"
// (never 403, never 200), a sibling instance of an instance token's own account is 403, the
// owner's tokens work.
func TestTenancyMatrix(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { tenancyMatrix(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { tenancyMatrix(t, newEnvOn(t, storetest.OpenPostgres(t))) })
}

func tenancyMatrix(t *testing.T, e *testEnv) {
	a := e.account("a", 0)
	b := e.account("b", 0)
	a1 := e.instance(a, "a1")
	e.instance(a, "a2")
	e.instance(b, "b1")
	e.instance(b, "a1-of-b")

	for _, r := range instanceRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			e := e.sub(t)
			e.do(r.method, routePath(r.path, "b1"), a, bodyOrNil(r.body)).WantErrorCode(404, "Instance not found", "not_found")
			e.do(r.method, routePath(r.path, "nope"), a, bodyOrNil(r.body)).WantErrorCode(404, "Instance not found", "not_found")
			e.do(r.method, routePath(r.path, "bad%20name"), a, bodyOrNil(r.body)).WantErrorCode(404, "Instance not found", "not_found")
			if strings.Contains(r.path, "/delete/") {
				// Account-only: an instance token is refused whatever the instance.
				e.do(r.method, routePath(r.path, "a2"), a1, nil).WantErrorCode(401, "Invalid token", "unauthorized")
				return
			}
			// A sibling of the token's own instance: RyzeAPI's 403; another account's: 404.
			e.do(r.method, routePath(r.path, "a2"), a1, bodyOrNil(r.body)).WantErrorCode(403, "Instance token does not match this instance", "forbidden")
			e.do(r.method, routePath(r.path, "b1"), a1, bodyOrNil(r.body)).WantErrorCode(404, "Instance not found", "not_found")
		})
	}
	// Nothing of b's changed.
	if got := e.instanceRow(b, "b1").Settings.IgnoreStatus; got {
		t.Fatal("b1 settings changed by account a")
	}
}

func TestInstanceTokenOnAccountOnlyRoutes(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	a1 := e.instance(a, "a1")
	e.do("POST", "/api/instance/new", a1, `{"name":"x"}`).WantErrorCode(401, "Invalid token", "unauthorized")
	e.do("DELETE", "/api/instance/delete/a1", a1, nil).WantErrorCode(401, "Invalid token", "unauthorized")
	// Its own instance still exists, and the instance token works where allowed.
	e.do("GET", "/api/instance/getSettings/a1", a1, nil).Want(200)
	e.do("DELETE", "/api/instance/logout/a1", a1, nil).Want(200)
	e.do("DELETE", "/api/instance/delete/a1", a, nil).Want(200)
	// A deleted instance's token is simply unknown.
	e.do("GET", "/api/instance/getSettings/a1", a1, nil).WantErrorCode(401, "Invalid token", "unauthorized")
}

func TestListTenancy(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { listTenancy(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { listTenancy(t, newEnvOn(t, storetest.OpenPostgres(t))) })
}

func listTenancy(t *testing.T, e *testEnv) {
	a := e.account("a", 0)
	b := e.account("b", 0)
	a1 := e.instance(a, "a1")
	e.instance(a, "a2")
	e.instance(b, "b1")

	res := e.do("GET", "/api/instance/list", a, nil).Want(200)
	if res.Str("message") != "2 Instances found" || res.Str("instances.0.name") != "a1" || res.Str("instances.1.name") != "a2" {
		t.Fatalf("account list: %s", res.Raw)
	}
	res = e.do("GET", "/api/instance/list?instanceName=a2", a, nil).Want(200)
	if res.Str("message") != "1 Instance found" || res.Str("instances.0.name") != "a2" {
		t.Fatalf("single filter: %s", res.Raw)
	}
	e.do("GET", "/api/instance/list?instanceName=b1", a, nil).WantErrorCode(404, "Instance not found", "not_found")
	res = e.do("GET", "/api/instance/list?instanceName=a2,b1,zzz,a1", a, nil).Want(200)
	if res.Str("message") != "2 Instances found" {
		t.Fatalf("multi filter: %s", res.Raw)
	}
	res = e.do("GET", "/api/instance/list?instanceName=b1,zzz", a, nil).Want(200)
	if res.Str("message") != "0 Instances found" || len(res.Get("instances").([]any)) != 0 {
		t.Fatalf("multi filter of unknowns: %s", res.Raw)
	}
	// An instance token sees itself only, whatever the filter.
	for _, q := range []string{"", "?instanceName=a2", "?instanceName=b1", "?instanceName=a1,a2"} {
		res = e.do("GET", "/api/instance/list"+q, a1, nil).Want(200)
		if res.Str("message") != "1 Instance found" || res.Str("instances.0.name") != "a1" {
			t.Fatalf("instance token list %q: %s", q, res.Raw)
		}
	}
	if strings.Contains(string(res.Raw), "token") {
		t.Fatalf("list leaks a token field: %s", res.Raw)
	}
}

func TestTokensNeverLogged(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	custom := "my-custom-instance-token-0123456789"
	res := e.do("POST", "/api/instance/new", a, map[string]any{"name": "x", "token": custom, "proxyEnabled": true,
		"proxyHost": "proxy.example", "proxyPort": "1080", "proxyProtocol": "socks5", "proxyPassword": "hunter2-secret"}).Want(201)
	generated := e.instance(a, "y")
	e.do("GET", "/api/instance/list", custom, nil).Want(200)
	e.do("GET", "/api/instance/list", "", nil, "Authorization", "Bearer "+generated).Want(200)
	e.do("GET", "/api/instance/list", "sba_guess_"+a[4:], nil).Want(401)
	e.do("POST", "/api/instance/settings/x", custom, `{"ignoreStatus": "`+custom+`"}`).Want(400)

	logs := e.logs.String()
	for _, secret := range []string{a, a[4:14], custom, custom[:12], generated, generated[4:14], "hunter2-secret"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains a secret %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"account_id":1`) {
		t.Fatalf("log lines do not identify the account:\n%s", logs)
	}
	if !strings.Contains(logs, `"instance":"x"`) {
		t.Fatalf("log lines do not carry the instance:\n%s", logs)
	}
	if res.Str("instance.token") != custom || res.Str("data.token") != custom {
		t.Fatalf("custom token not returned: %s", res.Raw)
	}
}
