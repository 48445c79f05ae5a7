package wasim_test

import (
	"os"
	"testing"

	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestMain installs one simulator trust root for the whole test binary:
// whatsmeow.WACertPubKey is process-global, so every simulator shares it.
func TestMain(m *testing.M) {
	wasimtest.SharedRoot()
	os.Exit(m.Run())
}
