package whatsapp

import (
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

// TestPreKeysAreGeneratedInOneStatement proves the first login's prekeys are written by one
// statement: a trigger makes the 400th row fail, and the rows before it must be gone with it.
// whatsmeow's own store, unwrapped, keeps them (the control), which is the 812 autocommits, each
// an fsync, that made pairings queue behind each other.
func TestPreKeysAreGeneratedInOneStatement(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	db := e.store.DB()
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER fail_prekey BEFORE INSERT ON whatsmeow_pre_keys
		WHEN NEW.key_id = 400 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	count := func(dev *store.Device) int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsmeow_pre_keys WHERE jid = ?`, dev.ID.String()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	save := func(dev *store.Device, user string) *store.Device {
		jid := types.NewADJID(user, 0, 1)
		dev.ID = &jid
		dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{}, AccountSignature: make([]byte, 64), AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
		if err := dev.Save(ctx); err != nil {
			t.Fatalf("save device: %v", err)
		}
		return dev
	}

	bare := save(e.container.NewDevice(), "10000000001")
	if _, err := bare.PreKeys.GetOrGenPreKeys(ctx, 812); err == nil {
		t.Fatal("the trigger did not refuse the 400th prekey")
	}
	if n := count(bare); n != 399 {
		t.Fatalf("control: whatsmeow's own store kept %d prekeys of a failed generation, want 399 (one autocommit each)", n)
	}

	// A new device is wrapped when pairing saves it; a stored one when it is loaded.
	gen := e.store.GenerateWhatsmeowPreKeys
	fresh := save(WithBatchedPreKeys(e.container.NewDevice(), gen), "10000000002")
	loaded, err := e.container.GetDevice(ctx, *save(e.container.NewDevice(), "10000000003").ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, dev := range []*store.Device{fresh, WithBatchedPreKeys(loaded, gen)} {
		if _, err := dev.PreKeys.GetOrGenPreKeys(ctx, 812); err == nil {
			t.Fatal("the trigger did not refuse the 400th prekey")
		}
		if n := count(dev); n != 0 {
			t.Fatalf("%s: a failed generation left %d prekeys, want 0 (one statement)", dev.ID, n)
		}
	}

	if _, err := db.ExecContext(ctx, `DROP TRIGGER fail_prekey`); err != nil {
		t.Fatal(err)
	}
	keys, err := fresh.PreKeys.GetOrGenPreKeys(ctx, 812)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 812 || count(fresh) != 812 {
		t.Fatalf("generated %d prekeys, stored %d, want 812", len(keys), count(fresh))
	}
	one, err := fresh.PreKeys.GenOnePreKey(ctx)
	if err != nil || one.KeyID != 813 {
		t.Fatalf("GenOnePreKey = %v, %v; want key 813", one, err)
	}
}

// TestPreKeyGeneratorsDoNotCollide: the batched GetOrGenPreKeys and whatsmeow's GenOnePreKey
// both read the device's last key id before writing the next; the wrapper's lock keeps them from
// picking the same ids (which the table's primary key would refuse) when they run at once, as a
// retry receipt's fresh prekey may during a prekey upload.
func TestPreKeyGeneratorsDoNotCollide(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	jid := types.NewADJID("10000000004", 0, 1)
	dev := WithBatchedPreKeys(e.container.NewDevice(), e.store.GenerateWhatsmeowPreKeys)
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{}, AccountSignature: make([]byte, 64), AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil {
		t.Fatalf("save device: %v", err)
	}
	const ones, batches = 20, 3
	errs := make(chan error, ones+batches)
	var wg sync.WaitGroup
	for range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := dev.PreKeys.GetOrGenPreKeys(ctx, 812)
			errs <- err
		}()
	}
	for range ones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := dev.PreKeys.GenOnePreKey(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent generation: %v", err)
		}
	}
	var n, maxID int
	if err := e.store.DB().QueryRowContext(ctx, `SELECT COUNT(*), MAX(key_id) FROM whatsmeow_pre_keys WHERE jid = ?`, jid.String()).Scan(&n, &maxID); err != nil {
		t.Fatal(err)
	}
	// The first GetOrGenPreKeys makes 812 (unless GenOnePreKeys ran first, which are uploaded
	// and so not counted among the 812); the others find 812 not uploaded and make none.
	if n != 812+ones || maxID != n {
		t.Fatalf("%d keys stored, highest id %d; want %d with ids 1..%d", n, maxID, 812+ones, 812+ones)
	}
}
