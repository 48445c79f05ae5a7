package wasim_test

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the digest's hash is SHA-1 by protocol
	"encoding/binary"
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestEncryptDigestMatchesTheClientsKeys: the encrypt <digest/> get (WhatsApp Web's key check
// after login; whatsmeow never sends it, so the test sends the raw IQ) is answered with the keys
// the client uploaded: its registration id, identity, signed prekey, and a hash over them and
// the listed one-time prekeys that the client recomputes from its own store.
func TestEncryptDigestMatchesTheClientsKeys(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{NoLinkBootstrap: true}) // the bootstrap plays no part here
	cli, _ := wasimtest.NewPairedClient(t, sim, "15550206001")
	//lint:ignore SA1019 whatsmeow has no public call for a raw IQ; this one is WhatsApp Web's
	in := cli.DangerousInternals()
	id := in.GenerateRequestID()
	wait := in.WaitResponse(id)
	err := in.SendNode(testCtx(t), waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id": id, "xmlns": "encrypt", "type": "get", "to": types.ServerJID,
	}, Content: []waBinary.Node{{Tag: "digest"}}})
	if err != nil {
		t.Fatal(err)
	}
	var resp *waBinary.Node
	select {
	case resp = <-wait:
	case <-testCtx(t).Done():
		t.Fatal("no answer to the digest get")
	}
	digest, ok := resp.GetOptionalChildByTag("digest")
	if !ok {
		t.Fatalf("answer without <digest>: %v", resp)
	}
	child := func(n waBinary.Node, tag string) []byte {
		b, _ := n.GetChildByTag(tag).Content.([]byte)
		return b
	}
	if reg := child(digest, "registration"); len(reg) != 4 || binary.BigEndian.Uint32(reg) != cli.Store.RegistrationID {
		t.Fatalf("registration %x, want %d", reg, cli.Store.RegistrationID)
	}
	if !bytes.Equal(child(digest, "identity"), cli.Store.IdentityKey.Pub[:]) {
		t.Fatal("identity is not the client's")
	}
	skey := digest.GetChildByTag("skey")
	if !bytes.Equal(child(skey, "value"), cli.Store.SignedPreKey.Pub[:]) || !bytes.Equal(child(skey, "signature"), cli.Store.SignedPreKey.Signature[:]) {
		t.Fatal("signed prekey is not the client's")
	}
	h := sha1.New() //nolint:gosec
	h.Write(cli.Store.IdentityKey.Pub[:])
	h.Write(cli.Store.SignedPreKey.Pub[:])
	h.Write(cli.Store.SignedPreKey.Signature[:])
	list := digest.GetChildByTag("list")
	ids := list.GetChildren()
	if len(ids) == 0 {
		t.Fatal("no one-time prekeys listed")
	}
	for _, n := range ids {
		raw, _ := n.Content.([]byte)
		if len(raw) != 3 {
			t.Fatalf("prekey id %x", raw)
		}
		key, err := cli.Store.PreKeys.GetPreKey(testCtx(t), uint32(raw[0])<<16|uint32(raw[1])<<8|uint32(raw[2]))
		if err != nil || key == nil {
			t.Fatalf("listed prekey %x is not in the client's store: %v", raw, err)
		}
		h.Write(key.Pub[:])
	}
	if !bytes.Equal(child(digest, "hash"), h.Sum(nil)) {
		t.Fatal("digest hash differs from the one the client computes over its own keys")
	}
}
