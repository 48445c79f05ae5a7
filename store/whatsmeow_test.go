package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestWhatsmeowRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		container, err := s.Whatsmeow(ctx(t), nil)
		must(t, "Whatsmeow", err)
		jid := types.JID{User: "5511999990001", Device: 7, Server: types.DefaultUserServer}
		dev := pairedDevice(container, jid)
		dev.PushName = "Sales ✓"
		must(t, "Save", dev.Save(ctx(t)))
		must(t, "PutSession", dev.Sessions.PutSession(ctx(t), "5511888880002.0:1", []byte("ratchet-state")))

		// A second container on the same store (as after a restart) sees the same rows, and the
		// upgrade is a no-op the second time.
		again, err := s.Whatsmeow(ctx(t), nil)
		must(t, "Whatsmeow again", err)
		got, err := again.GetDevice(ctx(t), jid)
		must(t, "GetDevice", err)
		if got == nil {
			t.Fatal("GetDevice: device not found")
		}
		if *got.ID != jid || got.RegistrationID != dev.RegistrationID || got.PushName != dev.PushName ||
			!bytes.Equal(got.NoiseKey.Priv[:], dev.NoiseKey.Priv[:]) ||
			!bytes.Equal(got.IdentityKey.Priv[:], dev.IdentityKey.Priv[:]) ||
			!bytes.Equal(got.AdvSecretKey, dev.AdvSecretKey) {
			t.Fatalf("GetDevice returned a different device: %+v", got)
		}
		session, err := got.Sessions.GetSession(ctx(t), "5511888880002.0:1")
		must(t, "GetSession", err)
		if string(session) != "ratchet-state" {
			t.Fatalf("GetSession = %q", session)
		}
		all, err := again.GetAllDevices(ctx(t))
		must(t, "GetAllDevices", err)
		if len(all) != 1 {
			t.Fatalf("GetAllDevices = %d devices", len(all))
		}

		// whatsmeow's tables sit beside ours (in the test schema, on PostgreSQL), and our store
		// still works on the shared pool.
		names := tables(t, s)
		for _, want := range []string{"whatsmeow_device", "whatsmeow_version", "instances"} {
			if !slices.Contains(names, want) {
				t.Fatalf("table %s missing from %v", want, names)
			}
		}
		newAccount(t, s, "after-whatsmeow", 0)

		must(t, "Delete", got.Delete(ctx(t)))
		gone, err := again.GetDevice(ctx(t), jid)
		must(t, "GetDevice after delete", err)
		if gone != nil {
			t.Fatal("device survived Delete")
		}
	})
}

// pairedDevice is what pairing leaves behind: a new device with its JID and account signature set
// (random bytes of the lengths whatsmeow's schema checks).
func pairedDevice(c *sqlstore.Container, jid types.JID) *wastore.Device {
	dev := c.NewDevice()
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{
		Details:             []byte(fmt.Sprintf("details-%s", jid)),
		AccountSignature:    bytes.Repeat([]byte{1}, 64),
		AccountSignatureKey: bytes.Repeat([]byte{2}, 32),
		DeviceSignature:     bytes.Repeat([]byte{3}, 64),
	}
	return dev
}

// saveDevice pairs and saves a device for user, for the concurrency test.
func saveDevice(ctx context.Context, c *sqlstore.Container, user string) error {
	dev := pairedDevice(c, types.JID{User: user, Device: 1, Server: types.DefaultUserServer})
	if err := dev.Save(ctx); err != nil {
		return err
	}
	return dev.Sessions.PutSession(ctx, user+".0:1", []byte("s"))
}

// TestWhatsmeowBesideAnotherSchema: on PostgreSQL, whatsmeow's upgrade looks for its version
// table in every schema. A second deployment (here: a second test schema) that already has
// whatsmeow's tables must not make the upgrade of this one skip creating its own.
func TestWhatsmeowBesideAnotherSchema(t *testing.T) {
	first := storetest.OpenPostgres(t)
	second := storetest.OpenPostgres(t)
	_, err := first.Whatsmeow(ctx(t), nil)
	must(t, "Whatsmeow in the first schema", err)
	container, err := second.Whatsmeow(ctx(t), nil)
	must(t, "Whatsmeow in the second schema", err)
	must(t, "save device in the second schema", saveDevice(ctx(t), container, "5511999990003"))
}
