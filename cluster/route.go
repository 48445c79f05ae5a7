package cluster

import (
	"context"
	"time"

	"github.com/switchboard/switchboard"
)

// Route says where requests for inst are served (switchboard.Ownership).
func (n *Node) Route(ctx context.Context, inst *switchboard.Instance) (switchboard.Route, error) {
	if _, ok := n.Epoch(inst.ID); ok {
		return switchboard.Route{Local: true}, nil
	}
	for range 2 {
		v, err := n.leaseOf(ctx, inst.ID)
		if err != nil {
			return switchboard.Route{}, err
		}
		switch {
		case v.found && v.live && v.nodeID != n.id && v.address != "":
			return switchboard.Route{Address: v.address}, nil
		case v.found && v.live && v.nodeID == n.id:
			// Held here by the database but not (yet, or no longer) running here: a round
			// settles it within one beat.
			return switchboard.Route{RetryAfter: n.renewEvery()}, nil
		case needsRunning(inst):
			// A paired instance between owners: its lease must expire (plus grace) and a
			// node claim it in a round before anyone can run it.
			wait := n.renewEvery()
			if v.found {
				wait += v.claimableIn
			}
			return switchboard.Route{RetryAfter: max(wait, time.Second)}, nil
		}
		// Nobody must run it (never paired, logged out, disconnected on purpose): it goes to
		// the node asking, so a pairing started here completes here.
		epoch, ok, err := n.claim(ctx, inst.ID)
		if err != nil {
			return switchboard.Route{}, err
		}
		if ok {
			n.mu.Lock()
			n.held[inst.ID] = held{epoch: epoch, since: time.Now()}
			n.mu.Unlock()
			return switchboard.Route{Local: true}, nil
		}
		// Another node claimed it between the read and the claim: read again.
	}
	return switchboard.Route{RetryAfter: n.renewEvery()}, nil
}

// needsRunning says whether some node must keep inst's session connected.
func needsRunning(inst *switchboard.Instance) bool {
	return inst.DeviceJID != "" && inst.AutoConnect && !inst.LoggedOut
}

var _ switchboard.Ownership = (*Node)(nil)
