package groupsim

import "fmt"

// Error is an IQ-level failure. Code and Text are written verbatim into
// <error code=… text=…/>; whatsmeow's IQError.Is (errors.go) compares BOTH, so
// every value used here must match one of its ErrIQ* sentinels exactly or
// errors.Is fails in the client.
type Error struct {
	Code int
	Text string
}

func (e *Error) Error() string { return fmt.Sprintf("groupsim: %d %s", e.Code, e.Text) }

// Is lets callers of the sandbox API (CreateGroup) use errors.Is with the
// sentinels below, mirroring how the client side compares code and text.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Text == e.Text
}

// Sentinels with whatsmeow's exact texts (errors.go ErrIQ*).
var (
	ErrBadRequest    = &Error{400, "bad-request"}
	ErrNotAuthorized = &Error{401, "not-authorized"}
	ErrForbidden     = &Error{403, "forbidden"}
	ErrNotFound      = &Error{404, "item-not-found"}
	ErrNotAcceptable = &Error{406, "not-acceptable"}
	ErrGone          = &Error{410, "gone"}
	ErrResourceLimit = &Error{419, "resource-limit"}
)

// Per-participant result codes, carried in the error="…" attribute of
// <participant> children. whatsmeow's parseParticipant reads them with
// OptionalInt, so they are decimal strings. They are not IQ errors.
const (
	partNotOnWhatsApp = "404" // add/create: the number has no account
	partNotMember     = "404" // remove/promote/demote/approve: not a member or no request
	partAlreadyMember = "409" // add: already in the group
	partForbidden     = "403" // remove/demote of a superadmin by a plain admin (assumed)
)
