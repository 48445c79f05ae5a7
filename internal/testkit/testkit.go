// Package testkit is the one set of HTTP test helpers: sending a request, checking the answer
// against the OpenAPI document, and reading the RyzeAPI envelope. app/apptest (the whole gateway)
// and httpapi's own tests (the handler over fakes) both build on it, so an assertion means the
// same thing everywhere. It takes the OpenAPI validator as a parameter rather than importing
// httpapi, which would make an import cycle for httpapi's tests.
package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

// Validator checks an answer against the API description (openapitest.Validator).
type Validator interface {
	Validate(method, path string, status int, header http.Header, body []byte) error
}

// Response is one HTTP answer, with its JSON body decoded.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// Body is a test's request body: nil for none, a string as it is, anything else as JSON.
func Body(t testing.TB, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(raw)
	}
}

// Send performs req, checks the answer against v (when not nil) and decodes a JSON body. A body
// marked as JSON that does not decode fails the test; a compressed or non-JSON body stays in Raw.
func Send(t testing.TB, client *http.Client, req *http.Request, v Validator) *Response {
	t.Helper()
	if req.Body != nil && req.Body != http.NoBody && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	r := &Response{T: t, Status: resp.StatusCode, Header: resp.Header}
	if r.Raw, err = io.ReadAll(resp.Body); err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL.Path, err)
	}
	path := req.URL.Path
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	if v != nil {
		if err := v.Validate(req.Method, path, r.Status, r.Header, r.Raw); err != nil {
			t.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v", req.Method, path, r.Status, err)
		}
	}
	if len(r.Raw) > 0 && req.Method != http.MethodHead && resp.Header.Get("Content-Encoding") == "" &&
		strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", req.Method, path, err, r.Raw)
		}
	}
	return r
}

// Want fails the test unless the status is the expected one.
func (r *Response) Want(status int) *Response {
	r.T.Helper()
	if r.Status != status {
		r.T.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// WantError checks a failure envelope: the status, success false, RyzeAPI's message, and an
// error code present (every failure carries one).
func (r *Response) WantError(status int, message string) *Response {
	r.T.Helper()
	r.Want(status)
	if r.Get("success") != false {
		r.T.Fatalf("success is not false: %s", r.Raw)
	}
	if got := r.Str("error.message"); got != message {
		r.T.Fatalf("error.message %q, want %q: %s", got, message, r.Raw)
	}
	if r.Str("error.code") == "" {
		r.T.Fatalf("error.code is missing: %s", r.Raw)
	}
	return r
}

// WantErrorCode is WantError with the exact error code.
func (r *Response) WantErrorCode(status int, message string, code switchboard.ErrorCode) *Response {
	r.T.Helper()
	r.WantError(status, message)
	if got := r.Str("error.code"); got != string(code) {
		r.T.Fatalf("error.code %q, want %q: %s", got, code, r.Raw)
	}
	return r
}

// Get follows a dotted path through objects ("instance.token") and arrays ("results.0.jid");
// nil when a step is missing.
func (r *Response) Get(path string) any {
	var cur any = r.Body
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// Has reports whether the path leads to a value (JSON null counts as absent).
func (r *Response) Has(path string) bool { return r.Get(path) != nil }

// Str is Get for a string ("" when absent).
func (r *Response) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// List is Get for an array.
func (r *Response) List(path string) []any {
	l, _ := r.Get(path).([]any)
	return l
}

// Strings is Get for an array of strings.
func (r *Response) Strings(path string) []string {
	var out []string
	for _, v := range r.List(path) {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// LockedBuffer collects logs written from many goroutines.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Eventually polls cond until it holds or timeout passes, then fails the test naming what it
// waited for. Tests wait for outcomes this way, never with a fixed sleep.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
