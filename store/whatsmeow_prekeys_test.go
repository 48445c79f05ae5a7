package store_test

import (
	"bytes"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestGenerateWhatsmeowPreKeys: the gateway's prekey generation leaves exactly the rows
// whatsmeow's own would (keys a second process reads back through whatsmeow's store, opened
// while the first is still running, as after a crash), continues after the keys whatsmeow
// already made, and whatsmeow's own generation continues after it.
func TestGenerateWhatsmeowPreKeys(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn)
		container, err := s.Whatsmeow(ctx(t), nil)
		must(t, "Whatsmeow", err)
		jid := types.JID{User: "5511999990001", Device: 3, Server: types.DefaultUserServer}
		dev := pairedDevice(container, jid)
		must(t, "Save", dev.Save(ctx(t)))

		// whatsmeow made 10 keys, two of them uploaded already.
		made, err := dev.PreKeys.GetOrGenPreKeys(ctx(t), 10)
		must(t, "whatsmeow GetOrGenPreKeys", err)
		must(t, "MarkPreKeysAsUploaded", dev.PreKeys.MarkPreKeysAsUploaded(ctx(t), made[1].KeyID))

		got, err := s.GenerateWhatsmeowPreKeys(ctx(t), jid.String(), 812)
		must(t, "GenerateWhatsmeowPreKeys", err)
		if len(got) != 812 {
			t.Fatalf("got %d keys, want 812", len(got))
		}
		for i, k := range got {
			if want := uint32(i + 3); k.KeyID != want {
				t.Fatalf("key %d has id %d, want %d (the 8 not uploaded, then new ones after 10)", i, k.KeyID, want)
			}
		}
		if !bytes.Equal(got[0].Priv[:], made[2].Priv[:]) {
			t.Fatal("the first key not uploaded came back with another private key")
		}

		// Asked again, nothing new is generated.
		again, err := s.GenerateWhatsmeowPreKeys(ctx(t), jid.String(), 812)
		must(t, "GenerateWhatsmeowPreKeys again", err)
		if len(again) != 812 || again[811].KeyID != got[811].KeyID {
			t.Fatalf("second call returned %d keys ending at %d, want the same 812", len(again), again[len(again)-1].KeyID)
		}

		// Another process on the same database, the first never closed: every key is there,
		// with its private half, through whatsmeow's own reads.
		other := storetest.OpenDSN(t, dsn)
		otherContainer, err := other.Whatsmeow(ctx(t), nil)
		must(t, "Whatsmeow (second process)", err)
		loaded, err := otherContainer.GetDevice(ctx(t), jid)
		must(t, "GetDevice", err)
		for _, k := range got {
			stored, err := loaded.PreKeys.GetPreKey(ctx(t), k.KeyID)
			must(t, "GetPreKey", err)
			if stored == nil || !bytes.Equal(stored.Priv[:], k.Priv[:]) || !bytes.Equal(stored.Pub[:], k.Pub[:]) {
				t.Fatalf("key %d not stored as generated", k.KeyID)
			}
		}
		same, err := loaded.PreKeys.GetOrGenPreKeys(ctx(t), 812)
		must(t, "whatsmeow GetOrGenPreKeys after", err)
		if len(same) != 812 || same[811].KeyID != 814 {
			t.Fatalf("whatsmeow sees %d unuploaded keys ending at %d, want 812 ending at 814", len(same), same[len(same)-1].KeyID)
		}
		one, err := loaded.PreKeys.GenOnePreKey(ctx(t))
		must(t, "GenOnePreKey", err)
		if one.KeyID != 815 {
			t.Fatalf("whatsmeow's next key is %d, want 815", one.KeyID)
		}

		// More than one statement holds: written in one transaction, all of them.
		many, err := s.GenerateWhatsmeowPreKeys(ctx(t), jid.String(), 2500)
		must(t, "GenerateWhatsmeowPreKeys 2500", err)
		if len(many) != 2500 || many[2499].KeyID != 815+2500-812 {
			t.Fatalf("got %d keys ending at %d", len(many), many[len(many)-1].KeyID)
		}
	})
}
