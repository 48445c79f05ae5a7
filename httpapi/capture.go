package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"runtime/debug"
)

// captureWriter keeps the status and body a handler answers, so the answer can be stored: as an
// Idempotency-Key's replay (then it also passes everything through to the client) or as an
// async job's result (then there is no client to pass to).
type captureWriter struct {
	next        http.ResponseWriter // nil for a job running in the background
	header      http.Header         // the headers when there is no next
	status      int
	body        bytes.Buffer
	wroteHeader bool
}

// newCapture returns a writer that records and forwards to next; nil next only records.
func newCapture(next http.ResponseWriter) *captureWriter {
	c := &captureWriter{next: next, status: http.StatusOK}
	if next == nil {
		c.header = http.Header{}
	}
	return c
}

func (c *captureWriter) Header() http.Header {
	if c.next != nil {
		return c.next.Header()
	}
	return c.header
}

func (c *captureWriter) WriteHeader(status int) {
	if c.wroteHeader {
		return
	}
	c.status, c.wroteHeader = status, true
	if c.next != nil {
		c.next.WriteHeader(status)
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	c.body.Write(b)
	if c.next != nil {
		return c.next.Write(b)
	}
	return len(b), nil
}

// Unwrap lets http.ResponseController reach the connection when there is one.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.next }

// runCaptured runs h into c and renders its error there too, so c ends up holding exactly what
// the synchronous route would have sent. An error after the answer has started cannot change
// it and is only logged. A panic becomes the 500 that recoverPanics would have written: a job
// runs outside that middleware, and a stored answer must be the one the client saw.
// http.ErrAbortHandler still aborts a live response, as net/http intends.
func (s *Server) runCaptured(c *captureWriter, r *http.Request, h handlerFunc) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler && c.next != nil {
			panic(v)
		}
		s.requestLogger(r).Error("handler panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if !c.wroteHeader {
			s.renderError(c, r, fmt.Errorf("panic: %v", v))
		}
	}()
	err := h(c, r)
	if err == nil {
		return
	}
	if c.wroteHeader {
		s.requestLogger(r).Error("error after response started", "err", err)
		return
	}
	s.renderError(c, r, err)
}
