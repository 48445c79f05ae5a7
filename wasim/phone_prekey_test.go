package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestPhoneBundleCarriesAOneTimePreKey: the bundle an instance fetches for a phone holds a
// one-time prekey of the phone's, the instance's first message (a pkmsg) is built on it and
// decrypted, and the phone then drops the used key, as libsignal does.
func TestPhoneBundleCarriesAOneTimePreKey(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "15550109001")
	bob, err := sim.RegisterPhone("15550109002", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.SendMessage(testCtx(t), bob, &waE2E.Message{Conversation: proto.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550109002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID && m.Text == "first" })
	if left, minted := wasim.PhonePreKeys(sim, "15550109002"); minted != 1 || left != 0 {
		t.Fatalf("phone prekeys: %d minted, %d left; want 1 minted and used up", minted, left)
	}
	if n := sim.Undecryptable("15550109002"); n != 0 {
		t.Fatalf("%d undecryptable messages", n)
	}
}
