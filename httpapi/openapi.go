package httpapi

import (
	"bytes"
	_ "embed"
	"net/http"
	"slices"
	"strconv"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, written by hand next to the
// handlers (the spec leaves many messages to us, and the document is where those choices are
// recorded). People edit its YAML sources in openapi/, one file per module; go generate
// assembles them into openapi.json (see package internal/openapidoc). Tests check that the two
// agree, and check the document against the routes the router registers and against every
// answer the test suites see, so it cannot drift from the code unnoticed.
//
//go:generate go run ./internal/openapigen -dir openapi -out openapi.json
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns a copy of the document served at GET /openapi.json.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

// handleOpenAPI serves the document. It is public and not rate limited: it describes the API,
// holds no account data, and client generators fetch it before they have a token.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache") // it changes with each release; revalidate, do not refetch blindly
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(openAPIDocument)
	}
	return nil
}

// handle registers h at pattern and records the pattern, because http.ServeMux cannot list
// what it holds and the OpenAPI coverage test needs that list. Every route goes through here.
func (s *Server) handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// Routes lists the method+path pattern of every registered route ("POST /api/instance/new"),
// in registration order. Sandbox routes are included only when the server runs a sandbox.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }
