package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestGroupCreateNotifiesAndRelaysMessages(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _, aliceEvents := wasimtest.NewPairedClientRecorded(t, sim, "15550010001")
	bob, _, bobEvents := wasimtest.NewPairedClientRecorded(t, sim, "15550010002")
	bobPN := bob.Store.ID.ToNonAD()

	info, err := alice.CreateGroup(testCtx(t), whatsmeow.ReqCreateGroup{Name: "Ops", Participants: []types.JID{bobPN}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	joined := wasimtest.WaitFor[*events.JoinedGroup](t, bobEvents)
	if joined.JID != info.JID || joined.Name != "Ops" {
		t.Fatalf("bob joined %v %q, want %v Ops", joined.JID, joined.Name, info.JID)
	}
	// The creator's own devices hear about it too.
	wasimtest.WaitFor[*events.JoinedGroup](t, aliceEvents)

	resp, err := alice.SendMessage(testCtx(t), info.JID, &waE2E.Message{Conversation: proto.String("hello group")})
	if err != nil {
		t.Fatalf("SendMessage to group: %v", err)
	}
	// The pairwise pkmsg carrying the sender key arrives as its own event.
	msg := wasimtest.WaitForMatch(t, bobEvents, func(m *events.Message) bool { return m.Message.GetConversation() != "" })
	if msg.Info.Chat != info.JID || msg.Info.ID != resp.ID || msg.Message.GetConversation() != "hello group" {
		t.Fatalf("bob got %+v / %v", msg.Info, msg.Message)
	}

	// The group is the simulator's ground truth too.
	view, ok := sim.Group(info.JID)
	if !ok || len(view.Participants) != 2 {
		t.Fatalf("simulator group %+v %v", view, ok)
	}
}

func TestGroupNotificationQueuedForOfflineDevice(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _ := wasimtest.NewPairedClient(t, sim, "15550011001")
	bob, bobStore := wasimtest.NewPairedClient(t, sim, "15550011002")
	bobPN := bob.Store.ID.ToNonAD()
	bob.Disconnect()

	info, err := alice.CreateGroup(testCtx(t), whatsmeow.ReqCreateGroup{Name: "Later", Participants: []types.JID{bobPN}})
	if err != nil {
		t.Fatal(err)
	}
	_, rec := clientFromStore(t, sim, bobStore)
	joined := wasimtest.WaitFor[*events.JoinedGroup](t, rec)
	if joined.JID != info.JID {
		t.Fatalf("joined %v, want %v", joined.JID, info.JID)
	}
}

func TestSimulatedUserCreatesGroup(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550012001")
	owner, err := sim.RegisterPhone("15550012999", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	view, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: "Sim group", Participants: []types.JID{cli.Store.ID.ToNonAD()}})
	if err != nil {
		t.Fatal(err)
	}
	joined := wasimtest.WaitFor[*events.JoinedGroup](t, rec)
	if joined.JID != view.JID {
		t.Fatalf("joined %v, want %v", joined.JID, view.JID)
	}
	groups, err := cli.GetJoinedGroups(testCtx(t))
	if err != nil || len(groups) != 1 || groups[0].JID != view.JID {
		t.Fatalf("GetJoinedGroups = %v, %v", groups, err)
	}
}

func TestGroupFaultBeforeEngine(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	sim.AddFault(wasim.FaultRule{Match: "w:g2", Code: 429})
	_, err := cli.CreateGroup(testCtx(t), whatsmeow.ReqCreateGroup{Name: "Nope"})
	if !errorsIs(err, whatsmeow.ErrIQRateOverLimit) {
		t.Fatalf("want ErrIQRateOverLimit, got %v", err)
	}
	if n := len(sim.Groups()); n != 0 {
		t.Fatalf("faulted create reached the engine: %d groups", n)
	}
}

func TestGroupsSurviveRestart(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) { testGroupsSurviveRestart(t, dialect) })
	}
}

func testGroupsSurviveRestart(t *testing.T, dialect string) {
	simDB := openSimDB(t, dialect)
	sim1 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	owner, _ := sim1.RegisterPhone("15550013001", "")
	view, err := sim1.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: "Persistent", IsCommunity: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim1.Close(); err != nil {
		t.Fatal(err)
	}
	sim2 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	got, ok := sim2.Group(view.JID)
	if !ok || got.Name != "Persistent" || !got.IsCommunity || len(got.SubGroups) != len(view.SubGroups) {
		t.Fatalf("group not restored: %+v %v", got, ok)
	}
}
