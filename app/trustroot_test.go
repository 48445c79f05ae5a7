package app

import (
	"context"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow"
)

// TestOnlySandboxTrustsTheSimulator: whatsmeow's trust root is process-global. A gateway
// started without the sandbox must leave WhatsApp's real root in place, or its clients would
// accept a simulator (or anyone holding its key) as WhatsApp. This test binary has no other
// test touching the root, so the original value is still WhatsApp's.
func TestOnlySandboxTrustsTheSimulator(t *testing.T) {
	real := whatsmeow.WACertPubKey
	ctx := context.Background()

	normal, err := New(ctx, Config{DSN: "sqlite:" + filepath.Join(t.TempDir(), "normal.db")})
	if err != nil {
		t.Fatal(err)
	}
	if normal.Sim() != nil {
		t.Fatal("a normal gateway must not run a simulator")
	}
	normal.Close()
	if whatsmeow.WACertPubKey != real {
		t.Fatal("a gateway without --sandbox replaced WhatsApp's certificate root")
	}

	sandbox, err := New(ctx, Config{DSN: "sqlite:" + filepath.Join(t.TempDir(), "sandbox.db"), Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sandbox.Close()
	if whatsmeow.WACertPubKey != sandbox.Sim().RootPublicKey() {
		t.Fatal("a sandbox gateway must trust its simulator's root")
	}
	if sandbox.Sim().RootPublicKey() == real {
		t.Fatal("the simulator's root must not be WhatsApp's")
	}
}
