package cluster

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard/switchboard"
)

// The live state of a session is known only where it runs. So that an instance list answered
// by any node shows every instance's state, the owner publishes the state of its sessions in
// their lease rows each round (only what changed), and every node reads the others' at the same
// beat: a state seen through another node is at most about two rounds old.

// wireStatus is switchboard.ConnectionStatus as kept in instance_leases.status.
type wireStatus struct {
	State     switchboard.InstanceState `json:"state"`
	NumberJID string                    `json:"number,omitempty"`
	PushName  string                    `json:"pushName,omitempty"`
	Reason    string                    `json:"reason,omitempty"`
	Since     time.Time                 `json:"since"`
}

// publishStatuses writes the states of this node's sessions that changed since the last round.
func (n *Node) publishStatuses(ctx context.Context) {
	n.mu.Lock()
	ids := make([]int64, 0, len(n.held))
	for id := range n.held {
		ids = append(ids, id)
	}
	n.mu.Unlock()
	var changedIDs []int64
	var changed []string
	for _, id := range ids {
		st := n.opts.Sessions.Status(&switchboard.Instance{ID: id})
		raw, _ := json.Marshal(wireStatus(st))
		if n.published[id] == string(raw) {
			continue
		}
		changedIDs, changed = append(changedIDs, id), append(changed, string(raw))
	}
	if len(changed) == 0 {
		return
	}
	_, err := n.db.ExecContext(ctx, `UPDATE instance_leases l SET status = v.status
		FROM unnest($2::bigint[], $3::text[]) AS v(id, status)
		WHERE l.instance_id = v.id AND l.node_id = $1`, n.id, changedIDs, changed)
	if err != nil {
		n.log.Warn("publishing session states failed", "err", err)
		return
	}
	for i, id := range changedIDs {
		n.published[id] = changed[i]
	}
}

// readStatuses refreshes the states of the sessions other nodes run.
func (n *Node) readStatuses(ctx context.Context) {
	rows, err := n.db.QueryContext(ctx, `SELECT instance_id, node_id, epoch, status FROM instance_leases
		WHERE node_id <> $1 AND expires_at > now()`, n.id)
	if err != nil {
		n.log.Warn("reading other nodes' session states failed", "err", err)
		return
	}
	defer rows.Close()
	remote := make(map[int64]switchboard.ConnectionStatus)
	holders := make(map[int64]leaseHolder)
	for rows.Next() {
		var id int64
		var h leaseHolder
		var raw string
		if err := rows.Scan(&id, &h.node, &h.epoch, &raw); err != nil {
			return
		}
		holders[id] = h
		var w wireStatus
		if raw != "" && json.Unmarshal([]byte(raw), &w) == nil {
			remote[id] = switchboard.ConnectionStatus(w)
		}
	}
	if rows.Err() != nil {
		return
	}
	n.checkOwners(holders)
	n.mu.Lock()
	n.remote = remote
	n.mu.Unlock()
}

// Sessions returns local with Status answered for the whole cluster: here for the sessions
// this node runs, from the owner's last published state for the others. Every other method is
// local's: the API forwards requests that need a session to its owner before calling them.
func (n *Node) Sessions(local switchboard.Sessions) switchboard.Sessions {
	return clusterSessions{Sessions: local, n: n}
}

type clusterSessions struct {
	switchboard.Sessions
	n *Node
}

func (c clusterSessions) Status(inst *switchboard.Instance) switchboard.ConnectionStatus {
	if _, here := c.n.Epoch(inst.ID); !here {
		c.n.mu.Lock()
		st, ok := c.n.remote[inst.ID]
		c.n.mu.Unlock()
		if ok {
			return st
		}
	}
	return c.Sessions.Status(inst)
}
