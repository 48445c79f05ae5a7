package httpapi

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard"
)

// requireClientError is the fuzz targets' verdict on a refusal of input: nil passes; anything
// else must be a domain error that renders as a 4xx (exactly want when want is not 0), never a
// raw error that would become a 500.
func requireClientError(t *testing.T, input string, err error, want int) {
	t.Helper()
	if err == nil {
		return
	}
	var domainErr *switchboard.Error
	if !errors.As(err, &domainErr) {
		t.Fatalf("%q: non-domain error %v", input, err)
	}
	status := statusOf(domainErr.Code)
	if status < 400 || status >= 500 || (want != 0 && status != want) {
		t.Fatalf("%q: status %d for %v", input, status, err)
	}
}
