package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestDecoder(t *testing.T) {
	e := newEnv(t)
	token := e.account("a", 0)
	e.instance(token, "main")
	const path = "/api/instance/settings/main"
	cases := []struct {
		name, body, detail string
	}{
		{"malformed", `{"ignoreStatus": tru}`, "malformed JSON at byte 21"},
		{"truncated", `{"ignoreStatus": true`, "the JSON value is truncated"},
		{"empty", ``, "the body is empty"},
		{"trailing garbage", `{"ignoreStatus": true} xyz`, "unexpected data after the JSON value"},
		{"second value", `{"ignoreStatus": true}{"ignoreStatus": false}`, "unexpected data after the JSON value"},
		{"wrong type", `{"ignoreStatus": "yes"}`, `field "ignoreStatus" must be a boolean`},
		{"not an object", `[1,2]`, "the body must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.do("POST", path, token, c.body).WantErrorCode(400, "Invalid request body", "invalid")
			if got := res.Str("error.detail"); got != c.detail {
				t.Fatalf("detail = %q, want %q", got, c.detail)
			}
		})
	}

	// Unknown fields are ignored; trailing whitespace is fine.
	res := e.do("POST", path, token, `{"ignoreStatus": true, "webhookURL": "https://x", "s3Bucket": "b"}`+"\n\t ").Want(200)
	if res.Get("settings.ignoreStatus") != true {
		t.Fatalf("settings not applied: %s", res.Raw)
	}
	// null decodes to no field at all.
	e.do("POST", path, token, `null`).WantErrorCode(400, "At least one setting must be provided", "invalid")
	// Another media type is refused; a missing one is accepted.
	e.do("POST", path, token, `{"ignoreStatus":true}`, "Content-Type", "text/plain").
		WantErrorCode(415, "Content-Type must be application/json", "unsupported_media_type")
	e.do("POST", path, token, `{"ignoreStatus":true}`, "Content-Type", "application/json; charset=utf-8").Want(200)
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	token := e.account("a", 0)
	e.instance(token, "main")
	huge := `{"callRejectMessage":"` + strings.Repeat("x", MaxBodyBytes) + `"}`

	// Declared length over the cap: refused before reading.
	e.do("POST", "/api/instance/settings/main", token, huge).
		WantErrorCode(413, "Request body too large", "payload_too_large")

	// Undeclared length (chunked): cut while reading.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/instance/settings/main", io.MultiReader(strings.NewReader(huge)))
	req.ContentLength = -1
	req.Header.Set("token", token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !bytes.Contains(body, []byte(`"code":"payload_too_large"`)) {
		t.Fatalf("chunked huge body: %d %s", resp.StatusCode, body)
	}

	// Trailing data past the cap after a valid value is also a 413, not a silent success.
	trailing := `{"ignoreStatus":true}` + strings.Repeat(" ", MaxBodyBytes)
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/instance/settings/main", io.MultiReader(strings.NewReader(trailing)))
	req.ContentLength = -1
	req.Header.Set("token", token)
	resp, err = e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("trailing past cap: %d", resp.StatusCode)
	}
}
