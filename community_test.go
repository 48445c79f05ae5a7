package switchboard

import (
	"testing"
)

// The batch's bookkeeping (normalisation, de-duplication, order, invalid entries) is pure; the
// WhatsApp side of Link and Unlink is tested end to end over the simulator (e2e, whatsapp).

func TestBatchNormalisesAndDeduplicatesInRequestOrder(t *testing.T) {
	var reports [][2]int
	b := LinkBatch{
		Groups: []string{
			"120363000000000002@g.us",
			" 120363000000000001 ",    // bare id: same group as the next entry
			"120363000000000001@g.us", // duplicate
			"5511999990001@s.whatsapp.net",
			"garbage",
			"garbage", // the same invalid entry twice is one result
			"120363000000000002",
		},
		Progress: func(done, total int) { reports = append(reports, [2]int{done, total}) },
	}
	if n := DistinctGroups(b.Groups); n != 4 {
		t.Fatalf("DistinctGroups = %d, want 4", n)
	}
	results := Refuse(b, ReasonWhatsAppError, "no community")
	want := []LinkResult{
		{JID: "120363000000000002@g.us", Status: LinkStatusFailed, Reason: ReasonWhatsAppError, Message: "no community"},
		{JID: "120363000000000001@g.us", Status: LinkStatusFailed, Reason: ReasonWhatsAppError, Message: "no community"},
		{JID: "5511999990001@s.whatsapp.net", Status: LinkStatusFailed, Reason: ReasonInvalidJID, Message: "invalid group jid: not a group jid"},
		{JID: "garbage", Status: LinkStatusFailed, Reason: ReasonInvalidJID, Message: "invalid group jid: invalid user part"},
	}
	if len(results) != len(want) {
		t.Fatalf("results %+v", results)
	}
	for i := range want {
		if results[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, results[i], want[i])
		}
	}
	// The invalid entries are done from the start; each other group reports as it ends.
	if len(reports) != 3 || reports[0] != [2]int{2, 4} || reports[2] != [2]int{4, 4} {
		t.Fatalf("progress reports %v", reports)
	}
}

func TestLinkReasons(t *testing.T) {
	for _, tc := range []struct {
		err          error
		link, unlink LinkReason
	}{
		{Errorf(CodeNotFound, "x"), ReasonNotFound, ReasonNotFound},
		{Errorf(CodeForbidden, "x"), ReasonNotAdmin, ReasonNotAdmin},
		{Errorf(CodeRateLimited, "x"), ReasonRateLimited, ReasonRateLimited},
		// WhatsApp's 419 resource-limit: on a link, the community is full.
		{Errorf(CodeConflict, "x"), ReasonCommunityFull, ReasonWhatsAppError},
		{Errorf(CodeWhatsAppFailure, "x"), ReasonWhatsAppError, ReasonWhatsAppError},
	} {
		if got := linkReason(tc.err); got != tc.link {
			t.Errorf("link %v: %s, want %s", tc.err, got, tc.link)
		}
		if got := reasonFor(tc.err); got != tc.unlink {
			t.Errorf("unlink %v: %s, want %s", tc.err, got, tc.unlink)
		}
	}
}
