package switchboard

import (
	"context"
	"slices"
	"testing"
)

// The pre-check decides every group it can without writing: only the groups that pass it reach
// WhatsApp, and each refusal carries its own reason.
func TestLinkPreCheckRefusesWithoutWriting(t *testing.T) {
	elsewhere := JID{User: "120363000000000999", Server: ServerGroup}
	s := newScript(6)
	s.groups[groupN(1)].IsCommunity = true                                          // a community, not a group
	s.groups[groupN(2)].LinkedParent = community                                    // linked here, not listed
	s.groups[groupN(3)].LinkedParent = elsewhere                                    // another community's
	s.groups[groupN(4)].Participants = []Participant{{JID: ownLID, IsAdmin: false}} // not an admin
	s.subs = append(s.subs, SubGroup{JID: groupN(5)})                               // listed as linked

	got := linker().Link(context.Background(), s, batchOf(groupN(1), groupN(2), groupN(3), groupN(4), groupN(5), groupN(6), announce))

	wantResults(t, got,
		result(groupN(1), LinkStatusFailed, ReasonInvalidJID),
		result(groupN(2), LinkStatusAlreadyLinked, ""),
		result(groupN(3), LinkStatusFailed, ReasonLinkedElsewhere),
		result(groupN(4), LinkStatusFailed, ReasonNotAdmin),
		result(groupN(5), LinkStatusAlreadyLinked, ""),
		result(groupN(6), LinkStatusLinked, ""),
		result(announce, LinkStatusFailed, ReasonAnnouncementGroup))
	if w := s.writes(); !slices.Equal(w, []string{"link " + groupN(6).User}) {
		t.Errorf("writes %v, want only the group that passed the pre-check", w)
	}
}

// Linking to something that is not a community fails the whole batch before any group is read.
func TestLinkToAPlainGroupFailsEveryGroup(t *testing.T) {
	s := newScript(2)
	s.groups[community].IsCommunity = false

	got := linker().Link(context.Background(), s, batchOf(groupN(1), groupN(2)))

	wantResults(t, got,
		result(groupN(1), LinkStatusFailed, ReasonNotFound),
		result(groupN(2), LinkStatusFailed, ReasonNotFound))
	if len(s.writes()) != 0 || slices.Contains(s.calls, "info "+groupN(1).User) {
		t.Errorf("calls after the community check failed: %v", s.calls)
	}
}

// WhatsApp's rate-limit answer to a write stops the batch: the groups after it are not written
// and say why, while the groups before it keep their result.
func TestRateLimitOnAWriteStopsTheBatch(t *testing.T) {
	s := newScript(3)
	s.onWrite = func(g JID) error {
		if g == groupN(2) {
			return Errorf(CodeRateLimited, "rate-overlimit")
		}
		return nil
	}

	got := linker().Link(context.Background(), s, batchOf(groupN(1), groupN(2), groupN(3)))

	wantResults(t, got,
		result(groupN(1), LinkStatusLinked, ""),
		result(groupN(2), LinkStatusFailed, ReasonRateLimited),
		result(groupN(3), LinkStatusFailed, ReasonRateLimited))
	if w := s.writes(); len(w) != 2 {
		t.Errorf("writes %v, want none after the 429", w)
	}
}

// A group keeps the first result it gets, and counts once towards the progress: a later result
// for it (a batch-wide failure, a second write path) changes nothing.
func TestFirstResultStands(t *testing.T) {
	st := newBatchState(batchOf(groupN(1), groupN(2)))
	st.set(groupN(1), LinkStatusLinked, "", "")
	st.set(groupN(1), LinkStatusFailed, ReasonWhatsAppError, "late")
	st.failAll(ReasonRateLimited, "stopped")
	wantResults(t, st.results,
		result(groupN(1), LinkStatusLinked, ""),
		result(groupN(2), LinkStatusFailed, ReasonRateLimited))
	if st.done != 2 {
		t.Errorf("done = %d, want 2 (each group counted once)", st.done)
	}
}
