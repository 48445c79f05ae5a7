package groupsim

import (
	"fmt"
	"testing"
)

// Every other limit test sets MaxSubGroups; this one keeps the zero Config so that the default
// itself, WhatsApp's 50 subgroups with the announcement group not counted, is what is checked.
func TestDefaultSubGroupLimitIsFifty(t *testing.T) {
	h := newHarness(t, Config{})
	club, _ := h.mkCommunity(alice, "Club")
	for i := range 50 {
		h.ok(first(h.g2(alice, "set", club, linkReq(h.mkGroup(alice, fmt.Sprintf("G%d", i))))))
	}
	h.wantErr(first(h.g2(alice, "set", club, linkReq(h.mkGroup(alice, "G50")))), ErrIQ(419))
}
