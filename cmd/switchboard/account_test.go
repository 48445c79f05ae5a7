package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestAccountHelp: asking for help is not an error; it prints the commands or flags to stdout.
func TestAccountHelp(t *testing.T) {
	for _, args := range [][]string{
		{"account", "--help"}, {"account", "-h"}, {"account", "help"},
		{"account", "create", "--help"}, {"account", "rotate-token", "-h"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Errorf("%q: %v (want success)", args, err)
		}
		if !strings.Contains(out.String(), "--name") && !strings.Contains(out.String(), "-name") {
			t.Errorf("%q printed no help on stdout: %q (stderr %q)", args, out.String(), errOut.String())
		}
	}
	for _, args := range [][]string{{"account"}, {"account", "nope"}, {"account", "rotate-token"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

// TestAccountCommandsOnBothEngines: a duplicate name is refused with a message that says so, and
// rotate-token prints a new token that works while the old one no longer does.
func TestAccountCommandsOnBothEngines(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		created := runJSON(t, "account", "create", "--name", "acme", "--db", dsn)
		var errOut bytes.Buffer
		err := run(context.Background(), []string{"account", "create", "--name", "acme", "--db", dsn}, &bytes.Buffer{}, &errOut)
		if err == nil || !strings.Contains(err.Error(), `an account named "acme" already exists`) {
			t.Fatalf("duplicate name: err = %v", err)
		}

		rotated := runJSON(t, "account", "rotate-token", "--name", "acme", "--db", dsn)
		if rotated["name"] != "acme" || !strings.HasPrefix(rotated["token"], switchboard.AccountTokenPrefix) || rotated["token"] == created["token"] {
			t.Fatalf("rotate-token printed %v", rotated)
		}
		st := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
		if _, err := st.AccountByTokenHash(context.Background(), switchboard.HashToken(created["token"])); !switchboard.IsCode(err, switchboard.CodeNotFound) {
			t.Fatalf("old token after rotate-token: %v, want not found", err)
		}
		if _, err := st.AccountByTokenHash(context.Background(), switchboard.HashToken(rotated["token"])); err != nil {
			t.Fatalf("new token: %v", err)
		}
		err = run(context.Background(), []string{"account", "rotate-token", "--name", "nobody", "--db", dsn}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), `no account named "nobody"`) {
			t.Fatalf("unknown account: err = %v", err)
		}
	})
}

func runJSON(t *testing.T, args ...string) map[string]string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, errOut.String())
	}
	var got map[string]string
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 2 {
		t.Fatalf("%q printed %q", args, out.String())
	}
	if strings.Contains(errOut.String(), got["token"]) {
		t.Fatalf("%q logged the token", args)
	}
	return got
}
