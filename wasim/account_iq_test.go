package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestPrivacySettingsGetAndSet(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550301001")
	_, _, recOther := wasimtest.NewPairedClientRecorded(t, sim, "15550301001")
	got, err := cli.TryFetchPrivacySettings(testCtx(t), true)
	if err != nil {
		t.Fatalf("TryFetchPrivacySettings: %v", err)
	}
	if got.ReadReceipts != types.PrivacySettingAll || got.GroupAdd != types.PrivacySettingAll || got.Defense != types.PrivacySettingOff {
		t.Fatalf("defaults = %+v", got)
	}
	if _, err := cli.SetPrivacySetting(testCtx(t), types.PrivacySettingTypeLastSeen, types.PrivacySettingContacts); err != nil {
		t.Fatal(err)
	}
	got, err = cli.TryFetchPrivacySettings(testCtx(t), true)
	if err != nil || got.LastSeen != types.PrivacySettingContacts {
		t.Fatalf("after set: %+v, %v", got, err)
	}
	// The account's other companion is told (account_sync); whatsmeow fills
	// NewSettings only from a cache it has not built on that client.
	evt := wasimtest.WaitFor[*events.PrivacySettings](t, recOther)
	if !evt.LastSeenChanged || evt.StatusChanged {
		t.Fatalf("PrivacySettings event = %+v", evt)
	}
}

func TestBlocklistGetAndUpdate(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550302001")
	_, _, recOther := wasimtest.NewPairedClientRecorded(t, sim, "15550302001")
	list, err := cli.GetBlocklist(testCtx(t))
	if err != nil {
		t.Fatalf("GetBlocklist: %v", err)
	}
	if len(list.JIDs) != 0 {
		t.Fatalf("new account blocks %v", list.JIDs)
	}
	spam := types.NewJID("15550302099", types.DefaultUserServer)
	list, err = cli.UpdateBlocklist(testCtx(t), spam, events.BlocklistChangeActionBlock)
	if err != nil || len(list.JIDs) != 1 || list.JIDs[0] != spam || list.DHash == "" {
		t.Fatalf("after block: %+v, %v", list, err)
	}
	if !sim.IsBlocked("15550302001", spam) {
		t.Fatal("ground truth does not show the block")
	}
	evt := wasimtest.WaitFor[*events.Blocklist](t, recOther)
	if len(evt.Changes) != 1 || evt.Changes[0].JID != spam || evt.Changes[0].Action != events.BlocklistChangeActionBlock {
		t.Fatalf("Blocklist event = %+v", evt)
	}
	list, err = cli.UpdateBlocklist(testCtx(t), spam, events.BlocklistChangeActionUnblock)
	if err != nil || len(list.JIDs) != 0 {
		t.Fatalf("after unblock: %+v, %v", list, err)
	}
}

func TestAboutSetAndQueried(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550303001")
	_, _, recOther := wasimtest.NewPairedClientRecorded(t, sim, "15550303002")
	if err := cli.SetStatusMessage(testCtx(t), "busy building"); err != nil {
		t.Fatal(err)
	}
	about := wasimtest.WaitFor[*events.UserAbout](t, recOther)
	if about.JID.User != "15550303001" || about.Status != "busy building" {
		t.Fatalf("UserAbout %+v", about)
	}
	me := types.NewJID("15550303001", types.DefaultUserServer)
	info, err := cli.GetUserInfo(testCtx(t), []types.JID{me})
	if err != nil || info[me].Status != "busy building" {
		t.Fatalf("GetUserInfo: %+v, %v", info[me], err)
	}
}
