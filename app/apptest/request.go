package apptest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// DoHeaders sends a request with exactly the given headers (no token header is added: pass
// "token", "Authorization", "X-Forwarded-For" or "Origin" yourself) and checks the answer
// against the OpenAPI document like Do. The body, when not "", is sent as JSON.
func (e *Env) DoHeaders(method, path string, header http.Header, body string) *Response {
	e.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	for name, values := range header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := &Response{T: e.T, Status: resp.StatusCode, Header: resp.Header}
	r.Raw, _ = io.ReadAll(resp.Body)
	if v, err := openAPI(); err != nil {
		e.T.Errorf("OpenAPI document: %v", err)
	} else if err := v.Validate(method, path, r.Status, r.Header, r.Raw); err != nil {
		e.T.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v", method, path, r.Status, err)
	}
	if len(r.Raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") &&
		resp.Header.Get("Content-Encoding") == "" {
		if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
			e.T.Fatalf("%s %s: answer is not a JSON object: %s", method, path, r.Raw)
		}
	}
	return r
}
