package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/switchboard/switchboard"
)

// HTTP-only error codes. The domain has no use for them, so they live here; they travel in
// error.code like the domain codes.
const (
	codeMethodNotAllowed     switchboard.ErrorCode = "method_not_allowed"
	codeUnsupportedMediaType switchboard.ErrorCode = "unsupported_media_type"
)

// statusByCode is the one table from error codes to HTTP statuses. A code missing here is a bug
// and renders as 500, so a new domain code can never leak out as a misleading 2xx or 4xx.
var statusByCode = map[switchboard.ErrorCode]int{
	switchboard.CodeInvalid:         http.StatusBadRequest,
	switchboard.CodeNotConnected:    http.StatusBadRequest,
	switchboard.CodeUnauthorized:    http.StatusUnauthorized,
	switchboard.CodeForbidden:       http.StatusForbidden,
	switchboard.CodeNotFound:        http.StatusNotFound,
	codeMethodNotAllowed:            http.StatusMethodNotAllowed,
	switchboard.CodeConflict:        http.StatusConflict,
	switchboard.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType:        http.StatusUnsupportedMediaType,
	switchboard.CodeUnprocessable:   http.StatusUnprocessableEntity,
	switchboard.CodeRateLimited:     http.StatusTooManyRequests,
	switchboard.CodeInternal:        http.StatusInternalServerError,
	switchboard.CodeNotImplemented:  http.StatusNotImplemented,
	switchboard.CodeWhatsAppFailure: http.StatusBadGateway,
	switchboard.CodeUnavailable:     http.StatusServiceUnavailable,
	switchboard.CodeTimeout:         http.StatusGatewayTimeout,
}

// statusOf maps an error code to its HTTP status.
func statusOf(code switchboard.ErrorCode) int {
	if status, ok := statusByCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// The messages RyzeAPI clients match on; keeping them in one place keeps them identical.
var (
	errMissingToken     = &switchboard.Error{Code: switchboard.CodeUnauthorized, Message: "Missing token in header"}
	errInvalidToken     = &switchboard.Error{Code: switchboard.CodeUnauthorized, Message: "Invalid token"}
	errInstanceNotFound = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Instance not found"}
	errRateLimited      = &switchboard.Error{Code: switchboard.CodeRateLimited, Message: "Rate limit exceeded. Try again later."}
	errInvalidBody      = &switchboard.Error{Code: switchboard.CodeInvalid, Message: "Invalid request body"}
	errBodyTooLarge     = &switchboard.Error{Code: switchboard.CodeTooLarge, Message: "Request body too large"}
	errRouteNotFound    = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Route not found"}
	errMethodNotAllowed = &switchboard.Error{Code: codeMethodNotAllowed, Message: "Method not allowed"}
	errNotJSON          = &switchboard.Error{Code: codeUnsupportedMediaType, Message: "Content-Type must be application/json"}
)

// errInstanceTokenMismatch is RyzeAPI's 403 for an instance token used on a sibling instance
// of its own account.
var errInstanceTokenMismatch = &switchboard.Error{Code: switchboard.CodeForbidden, Message: "Instance token does not match this instance"}

// invalid is a 400 with a client-facing message.
func invalid(message string) error {
	return &switchboard.Error{Code: switchboard.CodeInvalid, Message: message}
}

// failed is for store calls: a domain refusal (not found, conflict, quota...) keeps its code and
// message, and every internal failure gets the route's documented 500 message, whatever the
// store wrote in its own.
func failed(message string, err error) error {
	var domainErr *switchboard.Error
	if errors.As(err, &domainErr) && domainErr.Code != switchboard.CodeInternal {
		return err
	}
	return switchboard.Wrap(switchboard.CodeInternal, message, err)
}

// sessionFailed is for Sessions and Sandbox calls: their domain errors, internal ones included,
// carry client-safe messages written for this purpose (e.g. "Failed to reconnect: <reason>"),
// so any *switchboard.Error passes through; a bare error gets message.
func sessionFailed(message string, err error) error {
	var domainErr *switchboard.Error
	if errors.As(err, &domainErr) {
		return err
	}
	return switchboard.Wrap(switchboard.CodeInternal, message, err)
}

// hintError keeps err's code and message and adds a fixed hint for error.detail, saying what to
// do instead. The hint never echoes anything the client sent.
type hintError struct {
	err    error
	detail string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// errorBody is the RyzeAPI error envelope. Code and Detail are Switchboard additions, so RyzeAPI
// clients, which read only success and error.message, are unaffected.
type errorBody struct {
	Success bool        `json:"success"`
	Error   errorDetail `json:"error"`
}

type errorDetail struct {
	Message string                `json:"message"`
	Code    switchboard.ErrorCode `json:"code"`
	Detail  string                `json:"detail,omitempty"`
}

// renderError writes err as the error envelope. Errors that are not *switchboard.Error become a
// bare 500 so that causes (SQL, file paths, proxy URLs) never reach the client; the cause goes to
// the log instead, once, here.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := switchboard.ErrorCodeOf(err)
	status := statusOf(code)
	body := errorBody{Error: errorDetail{Message: switchboard.ErrorMessageOf(err), Code: code}}
	var bodyErr *bodyError
	var hint *hintError
	switch {
	case errors.As(err, &bodyErr):
		body.Error.Detail = bodyErr.detail
	case errors.As(err, &hint):
		body.Error.Detail = hint.detail
	}

	logger := s.requestLogger(r)
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		logger.Debug("client went away", "err", err)
	case status >= 500:
		logger.Error("request failed", "status", status, "code", string(code), "err", err)
	default:
		logger.Debug("request refused", "status", status, "code", string(code), "err", err)
	}

	if rec, ok := w.(*recorder); ok && rec.wroteHeader {
		// The handler already started its answer; a second status line is impossible.
		logger.Error("error after response started", "err", err)
		return
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// Every 503 of this API is temporary (an instance between nodes, a key WhatsApp has not
		// sent yet): say when to try again, as clients retrying on 503 expect.
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, body)
}
