package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestSecretsNeededAndNotShown: the standalone simulator refuses to start without a control
// secret, a gateway refuses --sandbox-url without one, and neither -h shows a secret given in
// the environment (SWITCHBOARD_DB with a password, SWITCHBOARD_WASIM_TOKEN).
func TestSecretsNeededAndNotShown(t *testing.T) {
	t.Setenv(wasimTokenEnv, "")
	err := run(context.Background(), []string{"wasim", "--addr", "127.0.0.1:0"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--control-token") || !strings.Contains(err.Error(), wasimTokenEnv) {
		t.Fatalf("wasim without a secret: %v", err)
	}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite::memory:", "--sandbox-url", "http://127.0.0.1:1"},
		&bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--sandbox-token") {
		t.Fatalf("serve --sandbox-url without a secret: %v", err)
	}

	const secret = "hunter2-in-env"
	t.Setenv("SWITCHBOARD_DB", "postgres://u:"+secret+"@db/sb?password="+secret)
	t.Setenv(wasimTokenEnv, secret)
	for _, cmd := range []string{"serve", "wasim"} {
		var help bytes.Buffer
		if err := run(context.Background(), []string{cmd, "-h"}, &bytes.Buffer{}, &help); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s -h: %v", cmd, err)
		}
		if strings.Contains(help.String(), secret) {
			t.Errorf("%s -h shows a secret from the environment:\n%s", cmd, help.String())
		}
	}
}
