package cluster

import (
	"context"
	"time"

	"github.com/switchboard/switchboard"
)

// maxClaimsPerRound bounds the leases one round takes, so a node alone after a mass failure
// reconnects in waves the handshake cap can absorb.
const maxClaimsPerRound = 64

// claimRunnable claims the free instances that hash to this node and reconnects them.
func (n *Node) claimRunnable(ctx context.Context, nodes []string) {
	ids, err := n.runnable(ctx)
	if err != nil {
		n.log.Warn("listing instances to claim failed", "err", err)
		return
	}
	var claimed []int64
	for _, id := range ids {
		if len(claimed) == maxClaimsPerRound {
			break
		}
		if pick(id, nodes) != n.id {
			continue
		}
		epoch, ok, err := n.claim(ctx, id)
		if err != nil {
			n.log.Warn("claiming a lease failed", "instance_id", id, "err", err)
			continue
		}
		if !ok {
			continue
		}
		n.mu.Lock()
		n.held[id] = held{epoch: epoch, since: time.Now()}
		n.mu.Unlock()
		n.log.Info("lease claimed", "instance_id", id, "epoch", epoch)
		claimed = append(claimed, id)
	}
	if len(claimed) > 0 {
		n.adopt(ctx, claimed)
	}
}

// adopt reconnects the sessions of instances just claimed, a bounded number at a time, in the
// background: the next round must not wait for WhatsApp.
func (n *Node) adopt(ctx context.Context, ids []int64) {
	insts, err := n.opts.Instances.AutoConnectInstances(ctx)
	if err != nil {
		n.log.Warn("reading claimed instances failed; retrying next round", "err", err)
		return
	}
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for _, inst := range insts {
		if !want[inst.ID] || inst.DeviceJID == "" || inst.LoggedOut {
			continue
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			select {
			case n.adoptSlots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-n.adoptSlots }()
			if _, still := n.Epoch(inst.ID); !still {
				return // lost again before its turn
			}
			n.opts.Sessions.Adopt(ctx, inst)
			if _, still := n.Epoch(inst.ID); !still {
				// The lease went while connecting: whoever stopped it could not see this client.
				n.opts.Sessions.Release(inst)
			}
		}()
	}
}

// rebalance hands over at most MaxMoves instances that now hash to another live node, oldest
// first held, each stopped here before its lease is released.
func (n *Node) rebalance(ctx context.Context, nodes []string) {
	if len(nodes) < 2 {
		return
	}
	mine, err := n.movable(ctx)
	if err != nil {
		n.log.Warn("listing movable leases failed", "err", err)
		return
	}
	moves := 0
	for id, epoch := range mine {
		if moves == n.opts.MaxMoves {
			return
		}
		if pick(id, nodes) == n.id {
			continue
		}
		n.mu.Lock()
		h, ok := n.held[id]
		settled := ok && h.epoch == epoch && time.Since(h.since) > n.opts.Lease
		if settled {
			delete(n.held, id)
		}
		n.mu.Unlock()
		if !settled {
			continue // just claimed here, or being adopted: let it settle before moving it
		}
		n.opts.Sessions.Release(&switchboard.Instance{ID: id})
		if err := n.handOver(ctx, id, epoch); err != nil {
			n.log.Warn("handing a lease over failed; it expires on its own", "instance_id", id, "err", err)
		}
		n.log.Info("lease handed over to rebalance", "instance_id", id, "epoch", epoch, "to", pick(id, nodes))
		moves++
	}
}
