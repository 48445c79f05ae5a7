package wasim_test

import (
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func entry(t *testing.T, sim *wasim.Server, phone string, index ...string) (wasim.AppStateEntry, bool) {
	t.Helper()
	entries, err := sim.PhoneAppState(phone)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Index) == len(index) {
			match := true
			for i := range index {
				match = match && e.Index[i] == index[i]
			}
			if match {
				return e, true
			}
		}
	}
	return wasim.AppStateEntry{}, false
}

// TestPairingGivesPushNameAndKeys: after linking, the phone shares the
// app-state key and seeds critical_block with its push name, so whatsmeow
// knows its push name and SendPresence works (ErrNoPushName otherwise).
func TestPairingGivesPushNameAndKeys(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	if _, err := sim.RegisterPhone("15550501001", "Alice Phone"); err != nil {
		t.Fatal(err)
	}
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550501001")
	if cli.Store.PushName != "Alice Phone" {
		t.Fatalf("push name %q, want the phone's", cli.Store.PushName)
	}
	if err := cli.SendPresence(testCtx(t), types.PresenceAvailable); err != nil {
		t.Fatalf("SendPresence: %v", err)
	}
	if id, err := cli.Store.AppStateKeys.GetLatestAppStateSyncKeyID(testCtx(t)); err != nil || id == nil {
		t.Fatalf("no app state key on the client: %v", err)
	}
	e, ok := entry(t, sim, "15550501001", "setting_pushName")
	if !ok || e.Action.GetPushNameSetting().GetName() != "Alice Phone" {
		t.Fatalf("phone's critical_block: %+v", e)
	}
}

func TestAppStateWritesBothWays(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550502001")
	other, _, recOther := wasimtest.NewPairedClientRecorded(t, sim, "15550502001")
	other.EmitAppStateEventsOnFullSync = true
	cli.EmitAppStateEventsOnFullSync = true
	chat := types.NewJID("15550502099", types.DefaultUserServer)

	// The instance archives a chat: the phone decodes the patch; the
	// account's other companion is told (server_sync) and applies it.
	if err := cli.SendAppState(testCtx(t), appstate.BuildArchive(chat, true, time.Now(), nil)); err != nil {
		t.Fatalf("SendAppState: %v", err)
	}
	e, ok := entry(t, sim, "15550502001", "archive", chat.String())
	if !ok || !e.Action.GetArchiveChatAction().GetArchived() {
		t.Fatalf("phone sees archive = %+v (%v)", e, ok)
	}
	arch := wasimtest.WaitFor[*events.Archive](t, recOther)
	if arch.JID != chat || !arch.Action.GetArchived() {
		t.Fatalf("other companion: %+v", arch)
	}

	// The phone creates a label: the instance gets LabelEdit.
	if err := sim.PhoneWriteAppState(testCtx(t), "15550502001", appstate.BuildLabelEdit("7", "VIP", 2, false)); err != nil {
		t.Fatal(err)
	}
	label := wasimtest.WaitFor[*events.LabelEdit](t, rec)
	if label.LabelID != "7" || label.Action.GetName() != "VIP" {
		t.Fatalf("LabelEdit = %+v", label)
	}
}

// TestStaleAppStateWriteGets409: a client behind the server gets the
// missing patches with a 409, applies them and retries (appstate.go
// sendAppState), so both writes land.
func TestStaleAppStateWriteGets409(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550503001")
	other, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550503001")
	// The server_sync for the first write is lost, so other stays at version 0.
	sim.AddFault(wasim.FaultRule{Phone: "15550503001", Match: "server_sync", Drop: true})
	chatA := types.NewJID("15550503098", types.DefaultUserServer)
	chatB := types.NewJID("15550503099", types.DefaultUserServer)
	if err := cli.SendAppState(testCtx(t), appstate.BuildPin(chatA, true)); err != nil {
		t.Fatal(err)
	}
	if err := other.SendAppState(testCtx(t), appstate.BuildPin(chatB, true)); err != nil {
		t.Fatalf("stale SendAppState: %v", err)
	}
	for _, c := range []types.JID{chatA, chatB} {
		if e, ok := entry(t, sim, "15550503001", "pin_v1", c.String()); !ok || !e.Action.GetPinAction().GetPinned() {
			t.Fatalf("pin of %s missing on the phone", c)
		}
	}
	trace := sim.Trace()
	saw409 := false
	for _, s := range trace {
		if s.Dir == "out" && containsAll(s.XML, `type="error"`, `code="409"`) {
			saw409 = true
		}
	}
	if !saw409 {
		t.Fatal("no 409 answer in the trace")
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// TestInitialHistorySync: after linking, the phone sends an INITIAL_BOOTSTRAP
// history sync listing its chats; the client downloads it from the media host.
func TestInitialHistorySync(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	sim.RegisterPhone("15550504001", "Vic")
	sim.RegisterPhone("15550504002", "Wes")
	// Vic's phone already has a chat with Wes.
	if _, err := sim.PhoneSendText(testCtx(t), "15550504002", types.NewJID("15550504001", types.DefaultUserServer), "old news"); err != nil {
		t.Fatal(err)
	}
	_, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550504001")
	hs := wasimtest.WaitFor[*events.HistorySync](t, rec)
	if hs.Data.GetSyncType().String() != "INITIAL_BOOTSTRAP" || len(hs.Data.GetConversations()) != 1 ||
		hs.Data.GetConversations()[0].GetID() != "15550504002@s.whatsapp.net" {
		t.Fatalf("history sync %v", hs.Data)
	}
	// The client's hist_sync receipt stays with the phone.
	waitUntil(t, "the phone got the hist_sync receipt", func() bool {
		_, receipts, _ := sim.Inbox("15550504001")
		for _, r := range receipts {
			if r.Type == "hist_sync" {
				return true
			}
		}
		return false
	})
}

// TestNoLinkBootstrap: with NoLinkBootstrap a phone sends a new companion nothing.
func TestNoLinkBootstrap(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{NoLinkBootstrap: true})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550505001")
	// A later phone message proves the client has handled what came before.
	sim.RegisterPhone("15550505002", "Zed")
	id, _ := sim.PhoneSendText(testCtx(t), "15550505002", types.NewJID("15550505001", types.DefaultUserServer), "ping")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if _, ok := wasimtest.Find[*events.AppStateSyncComplete](rec); ok {
		t.Fatal("app state synced although the phone sent no key share")
	}
	if id, _ := cli.Store.AppStateKeys.GetLatestAppStateSyncKeyID(testCtx(t)); id != nil {
		t.Fatal("the client got an app-state key")
	}
}
