package e2e

import (
	"os"
	"testing"

	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestMain(m *testing.M) {
	// whatsmeow's trust root is process-global: install the shared simulator root once, before
	// any client connects.
	wasimtest.SharedRoot()
	os.Exit(m.Run())
}
