package cluster

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The statements of the lease protocol. Every time is the database's now(); durations travel as
// milliseconds.

func ms(d time.Duration) int64 { return d.Milliseconds() }

// heartbeat registers the node or refreshes its heartbeat.
func (n *Node) heartbeat(ctx context.Context) error {
	_, err := n.db.ExecContext(ctx, `INSERT INTO cluster_nodes (id, address) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET address = excluded.address, heartbeat_at = now()`, n.id, n.address)
	return err
}

// renew extends every unexpired lease of this node and returns them. An expired one is not
// renewed: another node may be about to take it over.
func (n *Node) renew(ctx context.Context) (map[int64]int64, error) {
	rows, err := n.db.QueryContext(ctx, `UPDATE instance_leases
		SET expires_at = now() + $2 * interval '1 millisecond'
		WHERE node_id = $1 AND expires_at > now()
		RETURNING instance_id, epoch`, n.id, ms(n.opts.Lease))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	held := make(map[int64]int64)
	for rows.Next() {
		var id, epoch int64
		if err := rows.Scan(&id, &epoch); err != nil {
			return nil, err
		}
		held[id] = epoch
	}
	return held, rows.Err()
}

// liveNodes lists the nodes whose heartbeat is younger than a lease, this one included.
func (n *Node) liveNodes(ctx context.Context) ([]string, error) {
	rows, err := n.db.QueryContext(ctx, `SELECT id FROM cluster_nodes
		WHERE heartbeat_at > now() - $1 * interval '1 millisecond' ORDER BY id`, ms(n.opts.Lease))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// runnable lists the instances a node must run (paired, to be reconnected) that no node holds:
// no lease, or one expired for longer than the grace period.
func (n *Node) runnable(ctx context.Context) ([]int64, error) {
	rows, err := n.db.QueryContext(ctx, `SELECT i.id FROM instances i
		LEFT JOIN instance_leases l ON l.instance_id = i.id
		WHERE i.auto_connect AND NOT i.logged_out AND i.device_jid <> ''
		  AND (l.instance_id IS NULL OR l.expires_at + $1 * interval '1 millisecond' < now())
		ORDER BY i.id`, ms(n.opts.Grace))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claim takes the lease of instance id when nobody holds it (no row, or expired for longer than
// the grace period), raising its epoch. ok is false when another node holds it.
func (n *Node) claim(ctx context.Context, id int64) (epoch int64, ok bool, err error) {
	err = n.db.QueryRowContext(ctx, `INSERT INTO instance_leases (instance_id, node_id, epoch, expires_at)
		VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
		ON CONFLICT (instance_id) DO UPDATE
		  SET node_id = excluded.node_id, epoch = instance_leases.epoch + 1, expires_at = excluded.expires_at
		  WHERE instance_leases.expires_at + $4 * interval '1 millisecond' < now()
		RETURNING epoch`, id, n.id, ms(n.opts.Lease), ms(n.opts.Grace)).Scan(&epoch)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return epoch, true, nil
}

// handOver makes a lease this node holds at epoch claimable at once. Call it only once the
// session is stopped.
func (n *Node) handOver(ctx context.Context, id, epoch int64) error {
	_, err := n.db.ExecContext(ctx, `UPDATE instance_leases
		SET expires_at = now() - $4 * interval '1 millisecond' - interval '1 second'
		WHERE instance_id = $1 AND node_id = $2 AND epoch = $3`, id, n.id, epoch, ms(n.opts.Grace))
	return err
}

// movable lists this node's leases of paired instances (those a rebalance may move; a pairing
// in progress stays where it started).
func (n *Node) movable(ctx context.Context) (map[int64]int64, error) {
	rows, err := n.db.QueryContext(ctx, `SELECT l.instance_id, l.epoch FROM instance_leases l
		JOIN instances i ON i.id = l.instance_id
		WHERE l.node_id = $1 AND i.auto_connect AND NOT i.logged_out AND i.device_jid <> ''`, n.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]int64)
	for rows.Next() {
		var id, epoch int64
		if err := rows.Scan(&id, &epoch); err != nil {
			return nil, err
		}
		out[id] = epoch
	}
	return out, rows.Err()
}

// leaseOf reads who holds instance id: the node, its address, whether the lease is unexpired,
// and how long until another node could claim it.
type leaseView struct {
	found       bool
	nodeID      string
	address     string
	live        bool
	epoch       int64
	expiresIn   time.Duration // until the lease expires (0 once expired)
	claimableIn time.Duration
}

func (n *Node) leaseOf(ctx context.Context, id int64) (leaseView, error) {
	var v leaseView
	var inMS, expiresMS float64
	err := n.db.QueryRowContext(ctx, `SELECT l.node_id, COALESCE(c.address, ''), l.expires_at > now(), l.epoch,
		  EXTRACT(EPOCH FROM (l.expires_at + $2 * interval '1 millisecond' - now())) * 1000,
		  EXTRACT(EPOCH FROM (l.expires_at - now())) * 1000
		FROM instance_leases l LEFT JOIN cluster_nodes c ON c.id = l.node_id
		WHERE l.instance_id = $1`, id, ms(n.opts.Grace)).Scan(&v.nodeID, &v.address, &v.live, &v.epoch, &inMS, &expiresMS)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.found = true
	v.claimableIn = max(time.Duration(inMS)*time.Millisecond, 0)
	v.expiresIn = max(time.Duration(expiresMS)*time.Millisecond, 0)
	return v, nil
}

// leave hands every lease of this node over and removes it from the registry (clean shutdown).
func (n *Node) leave(ctx context.Context) error {
	if _, err := n.db.ExecContext(ctx, `UPDATE instance_leases
		SET expires_at = now() - $2 * interval '1 millisecond' - interval '1 second'
		WHERE node_id = $1`, n.id, ms(n.opts.Grace)); err != nil {
		return err
	}
	_, err := n.db.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE id = $1`, n.id)
	return err
}
