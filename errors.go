package switchboard

import (
	"errors"
	"fmt"
)

// ErrorCode is a machine-readable failure class. The HTTP layer maps each code to one status and
// writes it as the additive `error.code` field of the RyzeAPI envelope.
type ErrorCode string

const (
	CodeInvalid         ErrorCode = "invalid"           // 400: the request is malformed or fails validation
	CodeUnauthorized    ErrorCode = "unauthorized"      // 401: token missing or unknown
	CodeForbidden       ErrorCode = "forbidden"         // 403: valid token, no permission (quota, not admin)
	CodeNotFound        ErrorCode = "not_found"         // 404: unknown or foreign resource
	CodeConflict        ErrorCode = "conflict"          // 409: duplicate name or token, request in flight
	CodeTooLarge        ErrorCode = "payload_too_large" // 413
	CodeUnprocessable   ErrorCode = "unprocessable"     // 422: e.g. idempotency key reused with another body
	CodeRateLimited     ErrorCode = "rate_limited"      // 429: our limiter or WhatsApp's rate-overlimit
	CodeNotConnected    ErrorCode = "not_connected"     // 400: the instance has no live WhatsApp session
	CodeInternal        ErrorCode = "internal"          // 500
	CodeUnavailable     ErrorCode = "unavailable"       // 503
	CodeTimeout         ErrorCode = "timeout"           // 504: WhatsApp did not answer in time
	CodeNotImplemented  ErrorCode = "not_implemented"   // 501
	CodeWhatsAppFailure ErrorCode = "whatsapp_error"    // 502: WhatsApp answered with an unexpected error
)

// Error is the one error type that crosses package boundaries. Message is shown to API clients
// verbatim (it carries RyzeAPI's documented strings); Err keeps the cause for logs only.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted client-facing message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for logs while showing message to the client.
func Wrap(code ErrorCode, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or CodeInternal.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessageOf returns the client-facing message of err, hiding causes that are not *Error.
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal server error"
}

// IsCode reports whether err carries code.
func IsCode(err error, code ErrorCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Sentinels returned by stores; adapters translate them into RyzeAPI messages.
var (
	ErrNotFound      = &Error{Code: CodeNotFound, Message: "not found"}
	ErrDuplicateName = &Error{Code: CodeConflict, Message: "Instance name already exists"}
	ErrDuplicateTok  = &Error{Code: CodeConflict, Message: "Instance token already in use"}
	// ErrDuplicateAccountName: account names are unique, as the CLI addresses accounts by name.
	ErrDuplicateAccountName = &Error{Code: CodeConflict, Message: "Account name already exists"}
	ErrQuotaExceeded        = &Error{Code: CodeForbidden, Message: "Account instance quota exceeded"}
)
