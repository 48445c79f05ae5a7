package groupsim

import (
	"fmt"

	"go.mau.fi/whatsmeow"
)

// ErrIQ returns whatsmeow's own sentinel for a code, so tests assert with
// the client's errors.Is semantics (code AND text must match).
func ErrIQ(code int) error {
	switch code {
	case 400:
		return whatsmeow.ErrIQBadRequest
	case 401:
		return whatsmeow.ErrIQNotAuthorized
	case 403:
		return whatsmeow.ErrIQForbidden
	case 404:
		return whatsmeow.ErrIQNotFound
	case 406:
		return whatsmeow.ErrIQNotAcceptable
	case 410:
		return whatsmeow.ErrIQGone
	case 419:
		return whatsmeow.ErrIQResourceLimit
	}
	panic(fmt.Sprintf("no whatsmeow sentinel for %d", code))
}
