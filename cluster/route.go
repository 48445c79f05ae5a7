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
	if address, ok := n.cachedOwner(inst.ID); ok {
		return switchboard.Route{Address: address}, nil
	}
	for range 2 {
		v, err := n.leaseOf(ctx, inst.ID)
		if err != nil {
			return switchboard.Route{}, err
		}
		switch {
		case v.found && v.live && v.nodeID != n.id && v.address != "":
			n.cacheOwner(inst.ID, v)
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

// ownerCacheTTL bounds how long a looked-up owner is reused for forwarding without asking the
// database again: one ownerCheck interval of the API (a forwarded request in flight re-checks
// its owner as often), never past the lease's own expiry (no other node can own the instance
// before it), and dropped earlier when a round sees the lease's epoch or node change.
const ownerCacheTTL = time.Second

// cachedOwnerEntry is a looked-up owner of another node's instance.
type cachedOwnerEntry struct {
	address string
	node    string
	epoch   int64
	until   time.Time
}

func (n *Node) cachedOwner(id int64) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.owners[id]
	if !ok || !time.Now().Before(e.until) {
		delete(n.owners, id)
		return "", false
	}
	return e.address, true
}

func (n *Node) cacheOwner(id int64, v leaseView) {
	ttl := min(ownerCacheTTL, v.expiresIn)
	if ttl <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.owners[id] = cachedOwnerEntry{address: v.address, node: v.nodeID, epoch: v.epoch, until: time.Now().Add(ttl)}
}

// checkOwners drops the cached owners whose lease a round found held elsewhere or at another
// epoch (a handover or a takeover), or no longer live.
func (n *Node) checkOwners(leases map[int64]leaseHolder) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for id, e := range n.owners {
		if l, ok := leases[id]; !ok || l.node != e.node || l.epoch != e.epoch {
			delete(n.owners, id)
		}
	}
}

// leaseHolder is a live lease of another node, as a round reads it.
type leaseHolder struct {
	node  string
	epoch int64
}
