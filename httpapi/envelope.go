package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// envelope is the head of every success body. Route responses embed it, and encoding/json
// flattens embedded structs, so each route's fields sit next to success and message as RyzeAPI
// writes them.
type envelope struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// ok returns a success head with message.
func ok(message string) envelope { return envelope{Success: true, Message: message} }

// bodyBuffers are reused for encoding answers: json.Marshal would allocate every body, and
// appending the newline would allocate it again.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse, so that one big answer does not stay
// allocated for as long as the pool keeps it.
const maxPooledBody = 64 << 10

// writeJSON encodes v before touching the response, so a marshalling bug becomes a clean 500
// instead of a half-written body. json.Encoder writes what json.Marshal returns plus a newline,
// escaping HTML alike.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"success":false,"error":{"message":"Internal server error","code":"internal"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Writers copy what they are given (io.Writer's contract), so the buffer can be reused.
	_, _ = w.Write(buf.Bytes())
}
