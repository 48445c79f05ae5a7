package switchboard

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// The CommunityLinker paths below are ones the simulator cannot reach (it lists every subgroup,
// never answers a read with 429, and a test cannot cancel a request between two writes), so
// they run against scriptedGroups: a GroupClient of this test that answers from a script and
// records what the linker asked. The end-to-end suite covers the rest over the real stack.

var (
	community = JID{User: "120363000000000100", Server: ServerGroup}
	announce  = JID{User: "120363000000000101", Server: ServerGroup}
	ownPhone  = JID{User: "5511999990001", Server: ServerUser}
	ownLID    = JID{User: "99887766554433", Server: ServerLID}
)

func groupN(n int) JID { return JID{User: fmt.Sprintf("1203630000%08d", n), Server: ServerGroup} }

// scriptedGroups answers GroupInfo and SubGroups from its fields and records every call. The
// embedded nil GroupClient makes any call the linker should not make panic.
type scriptedGroups struct {
	GroupClient
	own     JID
	groups  map[JID]*Group
	subs    []SubGroup
	readErr map[JID]error // GroupInfo answers this error for the group
	// onWrite runs before each link or unlink write succeeds; a non-nil error fails the write.
	onWrite func(group JID) error
	calls   []string
}

func (s *scriptedGroups) OwnJID() JID { return s.own }

func (s *scriptedGroups) GroupInfo(_ context.Context, g JID) (*Group, error) {
	s.calls = append(s.calls, "info "+g.User)
	if err := s.readErr[g]; err != nil {
		return nil, err
	}
	if info, ok := s.groups[g]; ok {
		return info, nil
	}
	return nil, Errorf(CodeNotFound, "group not found")
}

func (s *scriptedGroups) SubGroups(context.Context, JID) ([]SubGroup, error) {
	s.calls = append(s.calls, "subgroups")
	return s.subs, nil
}

func (s *scriptedGroups) LinkGroup(_ context.Context, _, g JID) error {
	s.calls = append(s.calls, "link "+g.User)
	return s.write(g)
}

func (s *scriptedGroups) UnlinkGroup(_ context.Context, _, g JID) error {
	s.calls = append(s.calls, "unlink "+g.User)
	return s.write(g)
}

func (s *scriptedGroups) write(g JID) error {
	if s.onWrite != nil {
		return s.onWrite(g)
	}
	return nil
}

func (s *scriptedGroups) writes() []string {
	var out []string
	for _, c := range s.calls {
		if c[:4] == "link" || c[:6] == "unlink" {
			out = append(out, c)
		}
	}
	return out
}

// admin lists the instance as an admin by its phone JID, as phone-addressed groups do.
func admin() Participant { return Participant{JID: ownPhone, IsAdmin: true} }

// newScript has a community the instance administers, its announcement group, and n free
// groups (groupN(1)..groupN(n)) the instance administers.
func newScript(n int) *scriptedGroups {
	s := &scriptedGroups{
		own: JID{User: ownPhone.User, Server: ServerUser, Device: 12},
		groups: map[JID]*Group{
			community: {JID: community, IsCommunity: true, Participants: []Participant{admin()}},
		},
		subs:    []SubGroup{{JID: announce, IsDefault: true}},
		readErr: map[JID]error{},
	}
	for i := 1; i <= n; i++ {
		s.groups[groupN(i)] = &Group{JID: groupN(i), Participants: []Participant{admin()}}
	}
	return s
}

func batchOf(groups ...JID) LinkBatch {
	b := LinkBatch{InstanceID: 1, Community: community}
	for _, g := range groups {
		b.Groups = append(b.Groups, g.String())
	}
	return b
}

func linker() *CommunityLinker { return &CommunityLinker{Pacer: NewPacer(0)} }

func wantResults(t *testing.T, got []LinkResult, want ...LinkResult) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("results %+v, want %+v", got, want)
	}
	for i := range want {
		g := got[i]
		if g.JID != want[i].JID || g.Status != want[i].Status || g.Reason != want[i].Reason {
			t.Errorf("result %d = %+v, want jid %s status %q reason %q", i, g, want[i].JID, want[i].Status, want[i].Reason)
		}
	}
}

func result(g JID, status LinkStatus, reason LinkReason) LinkResult {
	return LinkResult{JID: g.String(), Status: status, Reason: reason}
}

// WhatsApp lists only the subgroups the instance is a member of, so a group linked to the
// community can be missing from the list; the group's own info then decides.
func TestUnlinkAsksTheGroupWhenTheSubgroupListMissesIt(t *testing.T) {
	s := newScript(3)
	s.groups[groupN(1)].LinkedParent = community // linked here, not listed
	s.readErr[groupN(3)] = Errorf(CodeNotFound, "item-not-found")
	// groupN(2) is linked nowhere.

	got := linker().Unlink(context.Background(), s, batchOf(groupN(1), groupN(2), groupN(3)))

	wantResults(t, got,
		result(groupN(1), LinkStatusUnlinked, ""),
		result(groupN(2), LinkStatusFailed, ReasonNotLinked),
		result(groupN(3), LinkStatusFailed, ReasonNotFound))
	if w := s.writes(); !slices.Equal(w, []string{"unlink " + groupN(1).User}) {
		t.Errorf("writes %v, want only the unlisted linked group unlinked", w)
	}
}

// A 429 on a pre-check read means WhatsApp is throttling this instance: reading or writing on
// would prolong it, so every group left gets rate_limited without another call.
func TestRateLimitOnAPreCheckReadStopsTheBatch(t *testing.T) {
	s := newScript(3)
	s.readErr[groupN(2)] = Errorf(CodeRateLimited, "rate-overlimit")

	got := linker().Link(context.Background(), s, batchOf(groupN(1), groupN(2), groupN(3)))

	wantResults(t, got,
		result(groupN(1), LinkStatusFailed, ReasonRateLimited),
		result(groupN(2), LinkStatusFailed, ReasonRateLimited),
		result(groupN(3), LinkStatusFailed, ReasonRateLimited))
	if slices.Contains(s.calls, "info "+groupN(3).User) || len(s.writes()) != 0 {
		t.Errorf("calls after the 429: %v", s.calls)
	}
}

// In LID-addressed groups WhatsApp lists members by LID, with the phone number beside it; the
// instance's own JID also carries its device number. Either way it is the same admin.
func TestAdminCheckMatchesThePhoneNumberOfALIDAddressedMember(t *testing.T) {
	s := newScript(1)
	byLID := Participant{JID: ownLID, LID: ownLID, PhoneNumber: ownPhone, IsSuperAdmin: true}
	s.groups[community].Participants = []Participant{byLID}
	s.groups[groupN(1)].Participants = []Participant{byLID}

	got := linker().Link(context.Background(), s, batchOf(groupN(1)))

	wantResults(t, got, result(groupN(1), LinkStatusLinked, ""))
}

func TestSamePerson(t *testing.T) {
	other := JID{User: "5511999990002", Server: ServerUser}
	for _, tc := range []struct {
		name string
		p    Participant
		own  JID
		want bool
	}{
		{"by jid, own with device", Participant{JID: ownPhone}, JID{User: ownPhone.User, Server: ServerUser, Device: 3}, true},
		{"by phone number", Participant{JID: ownLID, PhoneNumber: ownPhone}, ownPhone, true},
		{"by lid", Participant{JID: other, LID: ownLID}, ownLID, true},
		{"someone else", Participant{JID: other, LID: JID{User: "1", Server: ServerLID}, PhoneNumber: other}, ownPhone, false},
		{"empty fields match nothing", Participant{}, JID{}, false},
	} {
		if got := samePerson(tc.p, tc.own); got != tc.want {
			t.Errorf("%s: samePerson = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A request cancelled between two writes: the groups not written yet must end failed, not
// with an empty status that would read as neither linked nor failed.
func TestCancelMidBatchFailsTheGroupsNotWritten(t *testing.T) {
	s := newScript(3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.onWrite = func(JID) error { cancel(); return nil } // the client goes away during the first write

	got := linker().Link(ctx, s, batchOf(groupN(1), groupN(2), groupN(3)))

	wantResults(t, got,
		result(groupN(1), LinkStatusLinked, ""),
		result(groupN(2), LinkStatusFailed, ReasonWhatsAppError),
		result(groupN(3), LinkStatusFailed, ReasonWhatsAppError))
	for _, r := range got[1:] {
		if r.Succeeded() {
			t.Errorf("%s counted as succeeded: %+v", r.JID, r)
		}
	}
	if w := s.writes(); len(w) != 1 {
		t.Errorf("writes %v, want the first group only", w)
	}
}

func TestSucceededNamesTheStatusesThatSucceed(t *testing.T) {
	for status, want := range map[LinkStatus]bool{
		LinkStatusLinked: true, LinkStatusAlreadyLinked: true, LinkStatusUnlinked: true,
		LinkStatusFailed: false, "": false, "pending": false,
	} {
		if got := (LinkResult{Status: status}).Succeeded(); got != want {
			t.Errorf("Succeeded with status %q = %v, want %v", status, got, want)
		}
	}
}

// Without MaxSubGroups the limit is WhatsApp's 50 subgroups, the announcement group not
// counted: with 49 linked, one more fits and the next does not.
func TestLinkDefaultSubgroupLimit(t *testing.T) {
	s := newScript(2)
	for i := 0; i < 49; i++ {
		s.subs = append(s.subs, SubGroup{JID: groupN(1000 + i)})
	}

	got := linker().Link(context.Background(), s, batchOf(groupN(1), groupN(2)))

	wantResults(t, got,
		result(groupN(1), LinkStatusLinked, ""),
		result(groupN(2), LinkStatusFailed, ReasonCommunityFull))
}
