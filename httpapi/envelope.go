package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
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

// writeJSON marshals v before touching the response, so a marshalling bug becomes a clean 500
// instead of a half-written body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"success":false,"error":{"message":"Internal server error","code":"internal"}}`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
