package whatsapp

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

func TestJIDConversionRoundTrips(t *testing.T) {
	for _, s := range []string{"5511999999999@s.whatsapp.net", "5511999999999:7@s.whatsapp.net", "120363012345678901@g.us", "123456789012345@lid", "123456789012345:2@lid"} {
		wa, err := types.ParseJID(s)
		if err != nil {
			t.Fatal(err)
		}
		d := toDomainJID(wa)
		if d.String() != s {
			t.Fatalf("%s -> domain %s", s, d)
		}
		parsed, err := switchboard.ParseJID(s)
		if err != nil || parsed != d {
			t.Fatalf("domain parse of %s: %+v %v, converted %+v", s, parsed, err, d)
		}
		if back := toWAJID(d); back != wa {
			t.Fatalf("%s -> whatsmeow %s", s, back)
		}
	}
	if !toDomainJID(types.EmptyJID).IsZero() || !toWAJID(switchboard.JID{}).IsEmpty() {
		t.Fatal("empty JIDs must stay empty")
	}
}

func TestToDomainGroup(t *testing.T) {
	own := types.NewJID("5511999990000", types.DefaultUserServer)
	ownLID := types.NewJID("99990000", types.HiddenUserServer)
	alicePN := types.NewJID("5511988880000", types.DefaultUserServer)
	aliceLID := types.NewJID("88880000", types.HiddenUserServer)
	created := time.Unix(1700000000, 0)
	info := &types.GroupInfo{
		JID:                         types.NewJID("120363000000000001", types.GroupServer),
		OwnerJID:                    aliceLID,
		OwnerPN:                     alicePN,
		GroupName:                   types.GroupName{Name: "Team", NameSetBy: aliceLID, NameSetByPN: alicePN},
		GroupTopic:                  types.GroupTopic{Topic: "plans", TopicSetBy: aliceLID},
		GroupLocked:                 types.GroupLocked{IsLocked: true},
		GroupAnnounce:               types.GroupAnnounce{IsAnnounce: true},
		GroupParent:                 types.GroupParent{IsParent: true},
		GroupLinkedParent:           types.GroupLinkedParent{LinkedParentJID: types.NewJID("120363000000000002", types.GroupServer)},
		GroupIsDefaultSub:           types.GroupIsDefaultSub{IsDefaultSubGroup: true},
		GroupMembershipApprovalMode: types.GroupMembershipApprovalMode{IsJoinApprovalRequired: true},
		GroupCreated:                created,
		MemberAddMode:               types.GroupMemberAddModeAdmin,
		Suspended:                   true,
		Participants: []types.GroupParticipant{
			{JID: ownLID, LID: ownLID, IsAdmin: true}, // LID-addressed: WhatsApp sent no phone number
			{JID: aliceLID, LID: aliceLID, PhoneNumber: alicePN, IsAdmin: true, IsSuperAdmin: true},
		},
	}
	g := toDomainGroup(info, own, ownLID)
	if g.JID.String() != "120363000000000001@g.us" || g.Name != "Team" || g.Topic != "plans" ||
		!g.Locked || !g.Announce || !g.IsCommunity || !g.IsDefaultSubGroup || !g.JoinApproval || !g.IsSuspended ||
		g.MemberAddMode != "admin_add" || !g.CreatedAt.Equal(created) || g.LinkedParent.String() != "120363000000000002@g.us" {
		t.Fatalf("group %+v", g)
	}
	if g.Creator != toDomainJID(alicePN) || g.NameSetBy != toDomainJID(alicePN) || g.TopicSetBy != toDomainJID(aliceLID) {
		t.Fatalf("people: creator %s, name by %s, topic by %s", g.Creator, g.NameSetBy, g.TopicSetBy)
	}
	if len(g.Participants) != 2 {
		t.Fatalf("participants %+v", g.Participants)
	}
	me := g.Participants[0]
	if me.PhoneNumber != toDomainJID(own) || !me.IsAdmin {
		t.Fatalf("own participant %+v: the phone number must be filled in", me)
	}
	if a := g.Participants[1]; a.PhoneNumber != toDomainJID(alicePN) || a.LID != toDomainJID(aliceLID) || !a.IsSuperAdmin {
		t.Fatalf("alice %+v", a)
	}
	if toDomainGroup(nil, own, ownLID) != nil {
		t.Fatal("nil group")
	}
}

func TestParticipantResultsUseTheRequestedJID(t *testing.T) {
	bobPN := types.NewJID("5511977770000", types.DefaultUserServer)
	bobLID := types.NewJID("77770000", types.HiddenUserServer)
	carolPN := types.NewJID("5511966660000", types.DefaultUserServer)
	got := toParticipantResults([]types.JID{bobPN, carolPN}, []types.GroupParticipant{
		{JID: bobLID, LID: bobLID, PhoneNumber: bobPN},
		{JID: carolPN, PhoneNumber: carolPN, Error: 403},
	})
	want := []switchboard.ParticipantResult{
		{JID: toDomainJID(bobPN), OK: true},
		{JID: toDomainJID(carolPN), OK: false, Error: "403"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("results %+v, want %+v", got, want)
	}
}
