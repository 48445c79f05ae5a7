package media

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

var imageAccept = http.Header{
	"Accept":     {"image/png, image/jpeg, image/gif"},
	"User-Agent": {"Switchboard"},
}

// fetch downloads an image URL through the guarded egress client.
func (l *Loader) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	body, err := l.client.Get(ctx, rawURL, imageAccept)
	if err != nil {
		return nil, fetchFailure(err)
	}
	return body, nil
}

// fetchFailure explains a failed download without the network error's text: that text would
// tell a caller probing the gateway's network which hosts exist and which ports are open.
func fetchFailure(err error) error {
	var refused *egress.RefusedError
	var redirect *egress.RedirectError
	var status *egress.StatusError
	switch {
	case errors.Is(err, egress.ErrInvalidURL):
		return invalid("image URL is not a valid http(s) URL")
	case errors.As(err, &refused):
		return invalid("image URL refused: it points to a private or local network address")
	case errors.As(err, &redirect):
		return invalid("image could not be downloaded: " + redirect.Reason)
	case errors.As(err, &status):
		return invalid(fmt.Sprintf("image could not be downloaded: the server answered HTTP %d", status.Code))
	case errors.Is(err, egress.ErrTooLarge):
		return errImageTooLarge
	case errors.Is(err, context.DeadlineExceeded):
		return invalid(fmt.Sprintf("image download timed out (limit %s)", imageFetchTimeout))
	default:
		return &switchboard.Error{Code: switchboard.CodeInvalid, Message: "image could not be downloaded", Err: err}
	}
}
