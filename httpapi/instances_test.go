package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

func TestCreateInstance(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	res := e.do("POST", "/api/instance/new", a, map[string]any{
		"name": "sales", "autoRejectCalls": true, "callRejectMessage": "No calls.", "keepOnlineStatus": true,
		"webhookEnabled": true, "webhookURL": "https://example.com/hook", "chatwootEnabled": true,
		"s3Enabled": false, "websocketEnabled": false,
	}).Want(201)

	token := res.Str("instance.token")
	if !strings.HasPrefix(token, switchboard.InstanceTokenPrefix) || res.Str("data.token") != token {
		t.Fatalf("token: %s", res.Raw)
	}
	checks := map[string]any{
		"success":                              true,
		"message":                              "Instance created successfully",
		"instance.name":                        "sales",
		"instance.status":                      "disconnected",
		"instance.connection.state":            "disconnected",
		"instance.settings.autoRejectCalls":    true,
		"instance.settings.callRejectMessage":  "No calls.",
		"instance.settings.keepOnlineStatus":   true,
		"instance.settings.disableHistorySync": true, // the documented default
		"instance.settings.ignoreStatus":       false,
		"instance.webhook.enabled":             false,
		"instance.webhook.error":               errEventsOff.Message, // this server runs without an outbox
		"instance.chatwoot.status":             "error",
		"instance.s3.enabled":                  false,
		"instance.proxy.enabled":               false,
		"data.name":                            "sales",
	}
	for path, want := range checks {
		if got := res.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if conn, _ := res.Get("instance.connection").(map[string]any); conn == nil || conn["numberJid"] != nil {
		t.Errorf("connection = %v, want numberJid present and null", conn)
	} else if _, present := conn["numberJid"]; !present {
		t.Error("numberJid missing, want null")
	}
	if res.Get("instance.s3.error") != nil {
		t.Error("s3 not requested but reported as skipped")
	}
	// The token works at once, and only a hash of it was stored.
	e.do("GET", "/api/instance/getSettings/sales", token, nil).Want(200)
	if !strings.Contains(e.logs.String(), "unsupported integrations") {
		t.Error("skipped integrations not logged")
	}
}

func TestCreateInstanceErrors(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 2)
	b := e.account("b", 0)
	e.instance(a, "one")
	e.instance(b, "one") // names are unique per account, not globally

	invalidToken := "Invalid token: " + switchboard.CustomTokenRule
	cases := []struct {
		body    any
		status  int
		message string
	}{
		{map[string]any{}, 400, "Instance name is required"},
		{map[string]any{"name": ""}, 400, "Instance name is required"},
		{map[string]any{"name": "has space"}, 400, instanceNameRule},
		{map[string]any{"name": "../x"}, 400, instanceNameRule},
		{map[string]any{"name": ".hidden"}, 400, instanceNameRule},
		{map[string]any{"name": strings.Repeat("n", 65)}, 400, instanceNameRule},
		{map[string]any{"name": 5}, 400, "Invalid request body"},
		{map[string]any{"name": "x", "token": "short"}, 400, invalidToken},
		{map[string]any{"name": "x", "token": "my-instance-token-01"}, 400, invalidToken}, // under 128 bits
		{map[string]any{"name": "x", "token": b}, 400, invalidToken},                      // taken: answered alike
		{map[string]any{"name": "x", "proxyHost": "p.example"}, 400, "proxyEnabled is required"},
		{map[string]any{"name": "x", "proxyEnabled": true, "proxyHost": "p.example", "proxyPort": "99999", "proxyProtocol": "http"}, 400, "proxyPort must be between 1 and 65535"},
		{map[string]any{"name": "x", "proxyEnabled": true, "proxyHost": "p.example", "proxyPort": 8080, "proxyProtocol": "ftp"}, 400, "proxyProtocol must be http, https or socks5"},
		{map[string]any{"name": "one"}, 409, "Instance name already exists"},
	}
	for _, c := range cases {
		res := e.do("POST", "/api/instance/new", a, c.body)
		if res.Status != c.status || res.Str("error.message") != c.message {
			t.Errorf("%v: got %d %q, want %d %q", c.body, res.Status, res.Str("error.message"), c.status, c.message)
		}
	}
	e.do("POST", "/api/instance/new", a, map[string]any{"name": "two"}).Want(201)
	e.do("POST", "/api/instance/new", a, map[string]any{"name": "three"}).
		WantErrorCode(403, "Account instance quota exceeded", "forbidden")

	// Two instances cannot share a custom token, and the refusal does not say that it is taken.
	custom := "3f9c2a7be41d08c6f5a9e3b7d2c4018e"
	e.do("POST", "/api/instance/new", b, map[string]any{"name": "c1", "token": custom}).Want(201)
	e.do("POST", "/api/instance/new", b, map[string]any{"name": "c2", "token": custom}).
		WantErrorCode(400, invalidToken, "invalid")

	// A store failure is a 500 with the route's message; the cause stays in the log.
	e.store.failOnce("CreateInstance", errors.New("disk on fire"))
	res := e.do("POST", "/api/instance/new", b, map[string]any{"name": "boom"}).WantErrorCode(500, "Failed to create instance", "internal")
	if strings.Contains(string(res.Raw), "fire") || !strings.Contains(e.logs.String(), "disk on fire") {
		t.Fatalf("cause handling: %s", res.Raw)
	}
	// A store's own internal message is not the client's business either.
	e.store.failOnce("CreateInstance", switchboard.Wrap(switchboard.CodeInternal, "sqlite: constraint failed on table instances", nil))
	e.do("POST", "/api/instance/new", b, map[string]any{"name": "boom"}).WantErrorCode(500, "Failed to create instance", "internal")
	e.store.failOnce("AccountByTokenHash", errors.New("db down"))
	e.do("GET", "/api/instance/list", b, nil).WantErrorCode(500, "Internal server error", "internal")
	e.store.failOnce("ListInstances", errors.New("db down"))
	e.do("GET", "/api/instance/list", b, nil).WantErrorCode(500, "Failed to list instances", "internal")
}

func TestCreateInstanceProxy(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	res := e.do("POST", "/api/instance/new", a, map[string]any{
		"name": "px", "proxyEnabled": true, "proxyHost": "proxy.example", "proxyPort": 1080,
		"proxyProtocol": "SOCKS5", "proxyUsername": "u", "proxyPassword": "pw",
	}).Want(201)
	if res.Get("instance.proxy.enabled") != true || res.Str("instance.proxy.port") != "1080" ||
		res.Str("instance.proxy.protocol") != "socks5" || res.Get("instance.proxy.hasPassword") != true {
		t.Fatalf("proxy: %s", res.Raw)
	}
	if strings.Contains(string(res.Raw), `"pw"`) || res.Has("instance.proxy.password") {
		t.Fatalf("password returned: %s", res.Raw)
	}
	row := e.instanceRow(a, "px")
	if got, want := string(row.Proxy.PasswordSealed), fmt.Sprintf("sealed:%d:pw", row.ID); got != want {
		t.Fatalf("stored password = %q, want %q (sealed for the new row)", got, want)
	}

	noKey := newEnv(t, func(c *Config) { c.Sealer = nil })
	a = noKey.account("a", 0)
	noKey.do("POST", "/api/instance/new", a, map[string]any{
		"name": "px", "proxyEnabled": true, "proxyHost": "proxy.example", "proxyPort": "1080",
		"proxyProtocol": "http", "proxyPassword": "pw",
	}).WantErrorCode(400, "proxyPassword cannot be stored: this server has no encryption key (the operator must set SWITCHBOARD_SECRET_KEY)", "invalid")
	noKey.do("GET", "/api/instance/list?instanceName=px", a, nil).WantErrorCode(404, "Instance not found", "not_found")
}

func TestListShowsLiveState(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	e.instance(a, "live")
	inst := e.instanceRow(a, "live")
	e.do("POST", "/api/instance/settings/live", a, `{"keepOnlineStatus":true}`).Want(200)
	since := time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)
	e.sessions.setStatus(inst.ID, switchboard.ConnectionStatus{
		State: switchboard.StateConnected, NumberJID: "5511999999999@s.whatsapp.net", PushName: "Sales", Since: since,
	})
	res := e.do("GET", "/api/instance/list?instanceName=live", a, nil).Want(200)
	for path, want := range map[string]any{
		"instances.0.status":                    "connected",
		"instances.0.connection.state":          "connected",
		"instances.0.connection.numberJid":      "5511999999999@s.whatsapp.net",
		"instances.0.connection.presenceStatus": "available",
		"instances.0.connection.displayStatus":  "Connected",
		"instances.0.connection.since":          "2026-05-01T11:00:00Z",
		"instances.0.profile.name":              "Sales",
		"instances.0.settings.keepOnlineStatus": true,
		"instances.0.websocket.enabled":         false,
	} {
		if got := res.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}

	// Without a live session the row decides: a logged-out device stays visible as such.
	if err := e.store.SetSession(context.Background(), inst.ID, "5511999999999:7@s.whatsapp.net", false, true); err != nil {
		t.Fatal(err)
	}
	e.sessions.setStatus(inst.ID, switchboard.ConnectionStatus{})
	res = e.do("GET", "/api/instance/list", a, nil).Want(200)
	if res.Str("instances.0.connection.state") != "loggedout" || res.Str("instances.0.connection.numberJid") != "5511999999999@s.whatsapp.net" {
		t.Fatalf("row fallback: %s", res.Raw)
	}
}

func TestConnect(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ConnectTimeout = 50 * time.Millisecond })
	a := e.account("a", 0)
	tok := e.instance(a, "c")

	res := e.do("GET", "/api/instance/connect/c", tok, nil).Want(200)
	if res.Str("message") != "QR code generated" || res.Str("status") != "qr" || res.Str("qrCode") != "2@fake-ref,noise,identity,adv" {
		t.Fatalf("qr: %s", res.Raw)
	}
	uri := res.Str("qrCodeBase64")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, "data:image/png;base64,"))
	if !strings.HasPrefix(uri, "data:image/png;base64,") || err != nil {
		t.Fatalf("qrCodeBase64 = %.60s... (%v)", uri, err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("qrCodeBase64 is not a PNG: %v", err)
	}

	res = e.do("GET", "/api/instance/connect/c?number=%2B55%2011%2099999-9999", tok, nil).Want(200)
	if res.Str("pairingCode") != "ABCD-EFGH" || res.Str("status") != "pairing_code" || res.Str("message") != "Pairing code generated" || res.Has("qrCode") {
		t.Fatalf("pairing: %s", res.Raw)
	}
	if calls := e.sessions.Calls(); calls[len(calls)-1] != "connect c 5511999999999" {
		t.Fatalf("phone not normalised: %v", calls)
	}
	e.do("GET", "/api/instance/connect/c?number=abc", tok, nil).
		WantErrorCode(400, "Invalid phone number: use 5 to 20 digits with the country code, e.g. 5511999999999", "invalid")
	e.do("GET", "/api/instance/connect/c?history=-1", tok, nil).
		WantErrorCode(400, "history must be a number of days between 0 and 3650", "invalid")
	e.do("GET", "/api/instance/connect/c?history=7", tok, nil).Want(200)

	// WhatsApp too slow: our deadline is a 504, and Connect saw the deadline in its context.
	e.sessions.connect = func(ctx context.Context, _ *switchboard.Instance, _ string) (switchboard.LoginCode, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("Connect context has no deadline")
		}
		<-ctx.Done()
		return switchboard.LoginCode{}, ctx.Err()
	}
	e.do("GET", "/api/instance/connect/c", tok, nil).
		WantErrorCode(504, "Timed out waiting for WhatsApp to issue a login code", "timeout")

	// Session manager errors keep their code and message.
	e.sessions.connect = func(context.Context, *switchboard.Instance, string) (switchboard.LoginCode, error) {
		return switchboard.LoginCode{}, switchboard.Errorf(switchboard.CodeRateLimited, "WhatsApp is rate limiting pairing requests")
	}
	e.do("GET", "/api/instance/connect/c", tok, nil).WantErrorCode(429, "WhatsApp is rate limiting pairing requests", "rate_limited")

	e.sessions.setStatus(e.instanceRow(a, "c").ID, switchboard.ConnectionStatus{State: switchboard.StateConnected, NumberJID: "55119@s.whatsapp.net"})
	res = e.do("GET", "/api/instance/connect/c", tok, nil).Want(200)
	if res.Str("message") != "Instance already connected" || res.Str("status") != "connected" || res.Str("numberJid") != "55119@s.whatsapp.net" {
		t.Fatalf("already connected: %s", res.Raw)
	}
}

func TestReconnect(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	e.instance(a, "r")
	e.do("POST", "/api/instance/reconnect/r", a, nil).
		WantErrorCode(400, "Instance has no saved session — call /connect first", "invalid")

	inst := e.instanceRow(a, "r")
	if err := e.store.SetSession(context.Background(), inst.ID, "5511999999999:3@s.whatsapp.net", true, false); err != nil {
		t.Fatal(err)
	}
	res := e.do("POST", "/api/instance/reconnect/r", a, `{"ignored": true}`).Want(200)
	if res.Str("message") != "Reconnect initiated" || res.Str("status") != "connecting" {
		t.Fatalf("reconnect: %s", res.Raw)
	}
	e.sessions.failWith = errors.New("dial tcp: proxy user:secret@10.0.0.1 refused")
	res = e.do("POST", "/api/instance/reconnect/r", a, nil).WantErrorCode(500, "Failed to reconnect", "internal")
	if strings.Contains(string(res.Raw), "secret") {
		t.Fatalf("cause leaked: %s", res.Raw)
	}
	e.sessions.failWith = switchboard.Errorf(switchboard.CodeInternal, "Failed to reconnect: proxy refused the connection")
	e.do("POST", "/api/instance/reconnect/r", a, nil).WantErrorCode(500, "Failed to reconnect: proxy refused the connection", "internal")

	if err := e.store.SetSession(context.Background(), inst.ID, "", false, true); err != nil {
		t.Fatal(err)
	}
	e.sessions.failWith = nil
	e.do("POST", "/api/instance/reconnect/r", a, nil).
		WantErrorCode(400, "Instance has no saved session — call /connect first", "invalid")
}

func TestLogoutAndDelete(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	tok := e.instance(a, "d")

	res := e.do("DELETE", "/api/instance/logout/d", tok, nil).Want(200)
	if res.Str("message") != "Instance logged out" || res.Str("instance.status") != "loggedout" {
		t.Fatalf("logout: %s", res.Raw)
	}
	e.sessions.failWith = errors.New("boom")
	e.do("DELETE", "/api/instance/logout/d", tok, nil).WantErrorCode(500, "Failed to logout instance", "internal")

	// A failed teardown keeps the row, so the delete can be retried.
	e.sessions.failWith = switchboard.Errorf(switchboard.CodeTimeout, "WhatsApp did not answer")
	e.do("DELETE", "/api/instance/delete/d", a, nil).WantErrorCode(504, "Failed to delete instance: WhatsApp did not answer", "timeout")
	e.instanceRow(a, "d")

	e.sessions.failWith = nil
	res = e.do("DELETE", "/api/instance/delete/d", a, nil).Want(200)
	if res.Str("message") != "Instance deleted" || res.Str("instance.status") != "deleted" {
		t.Fatalf("delete: %s", res.Raw)
	}
	calls := e.sessions.Calls()
	if calls[len(calls)-1] != "remove d" {
		t.Fatalf("Remove not called last: %v", calls)
	}
	e.do("DELETE", "/api/instance/delete/d", a, nil).WantErrorCode(404, "Instance not found", "not_found")
	e.do("GET", "/api/instance/list", tok, nil).WantErrorCode(401, "Invalid token", "unauthorized")
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	e.instance(a, "s")
	res := e.do("GET", "/api/instance/getSettings/s", a, nil).Want(200)
	want := `{"success":true,"message":"Settings retrieved successfully","settings":{"autoRejectCalls":false,"callRejectMessage":"","ignoreGroupMessages":false,"keepOnlineStatus":false,"autoReadMessages":false,"disableHistorySync":true,"ignoreStatus":false}}` + "\n"
	if string(res.Raw) != want {
		t.Fatalf("getSettings body:\n%s\nwant\n%s", res.Raw, want)
	}

	e.do("POST", "/api/instance/settings/s", a, `{}`).WantErrorCode(400, "At least one setting must be provided", "invalid")
	e.do("POST", "/api/instance/settings/s", a, `{"unknown": 1}`).WantErrorCode(400, "At least one setting must be provided", "invalid")
	res = e.do("POST", "/api/instance/settings/s", a, `{"autoReadMessages":true,"callRejectMessage":"busy"}`).Want(200)
	if res.Str("message") != "Settings updated successfully" || res.Get("settings.autoReadMessages") != true ||
		res.Get("settings.disableHistorySync") != true || res.Str("settings.callRejectMessage") != "busy" {
		t.Fatalf("update: %s", res.Raw)
	}
	// Partial: a second update keeps the first one's fields.
	e.do("POST", "/api/instance/settings/s", a, `{"disableHistorySync":false}`).Want(200)
	got := e.instanceRow(a, "s").Settings
	if !got.AutoReadMessages || got.DisableHistorySync || got.CallRejectMessage != "busy" {
		t.Fatalf("stored settings = %+v", got)
	}
	e.do("POST", "/api/instance/settings/s", a, map[string]any{"callRejectMessage": strings.Repeat("x", 1025)}).
		WantErrorCode(400, "callRejectMessage must be valid text of at most 1024 bytes", "invalid")

	e.store.failOnce("SetSettings", errors.New("db gone"))
	e.do("POST", "/api/instance/settings/s", a, `{"ignoreStatus":true}`).WantErrorCode(500, "Failed to update settings configuration", "internal")
	e.store.failOnce("InstanceByName", errors.New("db gone"))
	e.do("GET", "/api/instance/getSettings/s", a, nil).WantErrorCode(500, "Internal server error", "internal")
}

func TestProxy(t *testing.T) {
	e := newEnv(t)
	a := e.account("a", 0)
	e.instance(a, "p")
	res := e.do("GET", "/api/instance/getProxy/p", a, nil).Want(200)
	want := `{"success":true,"message":"Proxy configuration retrieved successfully","proxy":{"enabled":false,"host":"","port":"","protocol":"","username":"","hasPassword":false}}` + "\n"
	if string(res.Raw) != want {
		t.Fatalf("empty proxy:\n%s", res.Raw)
	}

	for body, message := range map[string]string{
		`{}`:                                 "enabled is required",
		`{"enabled":true}`:                   "host is required",
		`{"enabled":true,"host":"http://x"}`: "host must be a hostname or an IP address",
		`{"enabled":true,"host":"user@x"}`:   "host must be a hostname or an IP address",
		`{"enabled":true,"host":"x","port":"0","protocol":"http"}`:                   "port must be between 1 and 65535",
		`{"enabled":true,"host":"x","port":"65536","protocol":"http"}`:               "port must be between 1 and 65535",
		`{"enabled":true,"host":"x","port":"8080"}`:                                  "protocol must be http, https or socks5",
		`{"enabled":true,"host":"x","port":"8080","protocol":"socks4"}`:              "protocol must be http, https or socks5",
		`{"enabled":true,"host":"x","port":"1","protocol":"http","username":"a\nb"}`: "username must be at most 255 characters on one line",
	} {
		e.do("POST", "/api/instance/proxy/p", a, body).WantErrorCode(400, message, "invalid")
	}
	e.do("POST", "/api/instance/proxy/p", a, `{"enabled":true,"port":true}`).WantErrorCode(400, "Invalid request body", "invalid")

	res = e.do("POST", "/api/instance/proxy/p", a, `{"enabled":true,"host":"[2001:db8::1]","port":"03128","protocol":"https","username":"bob","password":"pw1"}`).Want(200)
	if res.Str("message") != "Proxy configuration updated successfully" || res.Str("proxy.host") != "2001:db8::1" ||
		res.Str("proxy.port") != "3128" || res.Get("proxy.hasPassword") != true || strings.Contains(string(res.Raw), "pw1") {
		t.Fatalf("update: %s", res.Raw)
	}
	// Read-modify-write without the password keeps it while protocol, host, port and username
	// are unchanged; a change of any of them drops it; "" clears it.
	row := e.instanceRow(a, "p")
	sealed := fmt.Sprintf("sealed:%d:pw1", row.ID)
	if got := string(row.Proxy.PasswordSealed); got != sealed {
		t.Fatalf("password = %q, want %q", got, sealed)
	}
	e.do("POST", "/api/instance/proxy/p", a, `{"enabled":true,"host":"2001:db8::1","port":"3128","protocol":"https","username":"bob"}`).Want(200)
	if got := string(e.instanceRow(a, "p").Proxy.PasswordSealed); got != sealed {
		t.Fatalf("password after rewrite = %q", got)
	}
	res = e.do("GET", "/api/instance/getProxy/p", a, nil).Want(200)
	if res.Str("proxy.port") != "3128" || res.Get("proxy.hasPassword") != true || res.Has("proxy.password") {
		t.Fatalf("getProxy: %s", res.Raw)
	}
	for _, changed := range []string{
		`{"enabled":true,"host":"2001:db8::1","port":"3129","protocol":"https","username":"bob"}`,
		`{"enabled":true,"host":"2001:db8::1","port":"3128","protocol":"http","username":"bob"}`,
		`{"enabled":true,"host":"2001:db8::2","port":"3128","protocol":"https","username":"bob"}`,
		`{"enabled":true,"host":"2001:db8::1","port":"3128","protocol":"https","username":"alice"}`,
	} {
		e.do("POST", "/api/instance/proxy/p", a, `{"enabled":true,"host":"2001:db8::1","port":"3128","protocol":"https","username":"bob","password":"pw1"}`).Want(200)
		e.do("POST", "/api/instance/proxy/p", a, changed).Want(200)
		if got := e.instanceRow(a, "p").Proxy.PasswordSealed; got != nil {
			t.Fatalf("password kept for another endpoint %s: %q", changed, got)
		}
	}
	// A new password with a new endpoint is stored.
	e.do("POST", "/api/instance/proxy/p", a, `{"enabled":true,"host":"2001:db8::1","port":"3130","protocol":"https","username":"bob","password":"pw2"}`).Want(200)
	if got, want := string(e.instanceRow(a, "p").Proxy.PasswordSealed), fmt.Sprintf("sealed:%d:pw2", row.ID); got != want {
		t.Fatalf("new password = %q, want %q", got, want)
	}
	e.do("POST", "/api/instance/proxy/p", a, `{"enabled":false,"host":"ignored"}`).Want(200)
	if got := e.instanceRow(a, "p").Proxy; got.Enabled || got.Host != "" {
		t.Fatalf("disabled proxy = %+v", got)
	}
}

func TestHealth(t *testing.T) {
	var pingErr error
	e := newEnv(t, func(c *Config) {
		c.Ping = func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("no deadline")
			}
			return pingErr
		}
	})
	e.clock.Advance(3*time.Hour + 25*time.Minute + 7*time.Second + 300*time.Millisecond)
	res := e.do("GET", "/health", "", nil).Want(200)
	// RyzeAPI's shape (status, service, uptime, timestamp, checks.db) plus version.
	if res.Str("status") != "ok" || res.Str("service") != "Switchboard" || res.Str("version") != "test" ||
		res.Str("checks.db") != "ok" || res.Str("uptime") != "3h25m7s" || res.Str("timestamp") != "2026-05-01T15:25:07Z" {
		t.Fatalf("health: %s", res.Raw)
	}
	pingErr = errors.New("database is locked at db.internal:5432")
	res = e.do("GET", "/health", "", nil).Want(503)
	if res.Str("status") != "degraded" || res.Str("checks.db") != "fail: database unreachable" ||
		strings.Contains(string(res.Raw), "locked") || res.Str("uptime") == "" || res.Str("timestamp") == "" {
		t.Fatalf("unhealthy: %s", res.Raw)
	}
	pingErr = context.DeadlineExceeded
	res = e.do("GET", "/health", "", nil).Want(503)
	if res.Str("checks.db") != "fail: timeout after 2s" {
		t.Fatalf("timed-out ping: %s", res.Raw)
	}
	e.do("HEAD", "/health", "", nil).Want(503)
}

// failingSealer cannot seal, as when the system's random source fails.
type failingSealer struct{}

func (failingSealer) Seal([]byte, int64) ([]byte, error) { return nil, errors.New("entropy exhausted") }

func (failingSealer) Open([]byte, int64) ([]byte, error) { return nil, errors.New("entropy exhausted") }

func TestCreateInstanceUndoneWhenThePasswordCannotBeSealed(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sealer = failingSealer{} })
	a := e.account("a", 0)
	e.do("POST", "/api/instance/new", a, map[string]any{
		"name": "px", "proxyEnabled": true, "proxyHost": "proxy.example", "proxyPort": "1080",
		"proxyProtocol": "http", "proxyPassword": "pw",
	}).WantErrorCode(500, "Failed to create instance", "internal")
	e.do("GET", "/api/instance/list?instanceName=px", a, nil).WantErrorCode(404, "Instance not found", "not_found")
	// The name is free again for a retry.
	e.do("POST", "/api/instance/new", a, map[string]any{"name": "px"}).Want(201)
}
