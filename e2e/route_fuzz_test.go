package e2e

import (
	"bytes"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/httpapi/openapitest"
)

// FuzzRouteBodies fuzzes the request decoding of every route that needs a token: route picks
// an operation of the OpenAPI document, query and body are its query string and body. Requests
// go through the real handler of a sandbox gateway whose instance is connected to the
// simulator, so a body that decodes well goes on to validation and to WhatsApp. No answer may be
// a 5xx other than the documented "error parse community jid", and every answer must be one the
// document allows. Routes that end the session (logout, delete, reconnect) are left out, and
// faults a fuzzed body injects are cleared at once, so every input meets a live instance.
//
//	go test -run '^$' -fuzz FuzzRouteBodies -fuzztime 60s ./e2e
func FuzzRouteBodies(f *testing.F) {
	// hangLimit is far beyond what any route waits for (WhatsApp calls time out sooner, and the
	// connect route's 60 s wait for a pairing code is not reached by a connected instance).
	const hangLimit = 45 * time.Second
	e, tgt, v := startBadInputTarget(f)
	var ops []openapitest.Operation
	for _, op := range v.Operations() {
		if op.Scope != "public" && !(caseGen{op: op}).destructive() {
			ops = append(ops, op)
		}
	}
	for i, op := range ops {
		g := caseGen{op: op, tgt: tgt, rng: rand.New(rand.NewPCG(uint64(i), 0))}
		_, query, _ := strings.Cut(g.path("target"), "?")
		var example []byte
		if g.hasBody() {
			example = g.exampleJSON()
		}
		f.Add(uint8(i), query, example)
		f.Add(uint8(i), query+"&async=true", example)
		f.Add(uint8(i), "", []byte(`{"name":null,"identifier":[],"groupJid":{},"communityJid":1e400}`))
		if len(example) > 2 {
			f.Add(uint8(i), query, example[:len(example)/2])
			f.Add(uint8(i), "%zz", append(example, '}'))
		}
	}

	handler := e.App.Handler()
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte) {
		op := ops[int(route)%len(ops)]
		g := caseGen{op: op, tgt: tgt}
		path, _, _ := strings.Cut(g.path("target"), "?")
		req := httptest.NewRequest(op.Method, path, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("token", tgt.account)
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			handler.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(hangLimit):
			// Not a speed check: only a request stuck far past any wait of the API lands here.
			t.Fatalf("%s %s?%s with body %q has not answered after %v:\n%s", op.Method, path, query, body, hangLimit, goroutineDump())
		}
		if op.SandboxOnly && strings.HasSuffix(op.Path, "/faults") {
			e.App.Sim().ClearFaults()
		}

		full := path
		if query != "" {
			full += "?" + query
		}
		raw := rec.Body.Bytes()
		if rec.Code >= 500 && !documented5xx(path, rec.Code, raw) {
			t.Fatalf("%s %s with body %q answered %d: %s", op.Method, full, body, rec.Code, raw)
		}
		if err := v.Validate(op.Method, full, rec.Code, rec.Header(), raw); err != nil {
			t.Fatalf("%s %s with body %q answered %d, which the OpenAPI document does not allow: %v", op.Method, full, body, rec.Code, err)
		}
	})
}
