package httpapi

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// handleOpenAPI serves the document, gzipped when the client accepts it (it is some 300 KB of
// JSON that compresses about tenfold). It is public and draws only from the unauthenticated
// budget: it describes the API, holds no account data, and client generators fetch it before
// they have a token.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	body := openAPIDocument
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body = openAPIGzipped()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache") // it changes with each release; revalidate, do not refetch blindly
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// openAPIGzipped is the document compressed once, on first use.
var openAPIGzipped = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid: no error
	_, _ = zw.Write(openAPIDocument)                         // writes to memory cannot fail
	_ = zw.Close()
	return buf.Bytes()
})

// acceptsGzip reads Accept-Encoding (RFC 9110 §12.5.3): gzip (or x-gzip) with a q-value other
// than 0, or else * with one; an explicit gzip;q=0 refuses it whatever * says.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
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
