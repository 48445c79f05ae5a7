package cluster

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// Sessions is what a node needs of the session manager (implemented by whatsapp.Manager).
type Sessions interface {
	// Adopt reconnects the saved session of inst, which this node just claimed, and returns
	// once WhatsApp answered or a bounded wait passed (whatsmeow keeps retrying).
	Adopt(ctx context.Context, inst *switchboard.Instance)
	// Release stops the session of inst here without logging it out, so another node can run
	// it; it returns once the connection is closed.
	Release(inst *switchboard.Instance)
	// Status is the live state of a session run here, published for the other nodes.
	Status(inst *switchboard.Instance) switchboard.ConnectionStatus
}

// Options configure a Node.
type Options struct {
	DB *sql.DB
	// NodeID names this process in the cluster (default: random, new at every start).
	NodeID string
	// Address is the internal base URL (http://host:port) other nodes forward requests to.
	Address   string
	Instances switchboard.InstanceStore
	Sessions  Sessions
	Logger    *slog.Logger
	// Lease is how long a lease lasts without renewal (default 15 s). The node renews every
	// Lease/5, stops its sessions after StopBound without a renewal (2/3 of Lease), and another
	// node takes over after Lease plus Grace (1/3 of Lease).
	Lease time.Duration
	// Grace is the wait after expiry before another node may claim (default Lease/3).
	Grace time.Duration
	// MaxMoves bounds how many instances one round hands to the nodes they now hash to
	// (default 4), so a node joining does not disconnect everything at once.
	MaxMoves int
	// AdoptConcurrency bounds the claimed sessions reconnected at once (default 8).
	AdoptConcurrency int
}

// Node is this process's membership of the cluster.
type Node struct {
	db      *sql.DB
	id      string
	address string
	opts    Options
	log     *slog.Logger

	mu        sync.Mutex
	held      map[int64]held                         // leases this node holds and whose session it runs
	lastRenew time.Time                              // when the last successful renewal was sent
	stopped   bool                                   // sessions were stopped for want of a renewal
	remote    map[int64]switchboard.ConnectionStatus // other nodes' sessions (status.go)
	owners    map[int64]cachedOwnerEntry             // owners looked up for forwarding (route.go)

	published map[int64]string // the state last written per held instance; rounds only

	adoptSlots chan struct{}
	wg         sync.WaitGroup
	cancel     context.CancelFunc
	done       chan struct{}
}

type held struct {
	epoch int64
	since time.Time
}

// New prepares a node; Run starts it.
func New(o Options) (*Node, error) {
	if o.DB == nil || o.Instances == nil || o.Sessions == nil || o.Address == "" {
		return nil, errors.New("cluster: Options needs DB, Instances, Sessions and Address")
	}
	if o.NodeID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.NodeID = "node-" + hex.EncodeToString(b[:])
	}
	if o.Lease <= 0 {
		o.Lease = 15 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = o.Lease / 3
	}
	if o.MaxMoves <= 0 {
		o.MaxMoves = 4
	}
	if o.AdoptConcurrency <= 0 {
		o.AdoptConcurrency = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Node{
		db: o.DB, id: o.NodeID, address: o.Address, opts: o,
		log:        o.Logger.With("node", o.NodeID),
		held:       make(map[int64]held),
		owners:     make(map[int64]cachedOwnerEntry),
		published:  make(map[int64]string),
		adoptSlots: make(chan struct{}, o.AdoptConcurrency),
		done:       make(chan struct{}),
	}, nil
}

// ID is the node's name in cluster_nodes.
func (n *Node) ID() string { return n.id }

func (n *Node) renewEvery() time.Duration { return n.opts.Lease / 5 }

// StopBound is how long after its last renewal the node stops its sessions: shorter than the
// lease, so they are down before anyone may take them over.
func (n *Node) StopBound() time.Duration { return n.opts.Lease * 2 / 3 }

// Run registers the node and keeps its leases until ctx ends or Close is called.
func (n *Node) Run(ctx context.Context) error {
	ctx, n.cancel = context.WithCancel(ctx)
	call, cancel := context.WithTimeout(ctx, n.renewEvery())
	err := n.heartbeat(call)
	cancel()
	if err != nil {
		return fmt.Errorf("cluster: register node %s: %w", n.id, err)
	}
	n.log.Info("joined the cluster", "address", n.address, "lease", n.opts.Lease.String(), "stop_bound", n.StopBound().String(), "grace", n.opts.Grace.String())
	n.mu.Lock()
	n.lastRenew = time.Now()
	n.mu.Unlock()
	go n.watchdog(ctx)
	go func() {
		defer close(n.done)
		t := time.NewTicker(n.renewEvery())
		defer t.Stop()
		for {
			n.round(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// round is one beat: heartbeat, renew, claim what hashes here, hand over what hashes elsewhere.
func (n *Node) round(ctx context.Context) {
	sent := time.Now()
	call, cancel := context.WithTimeout(ctx, n.renewEvery())
	defer cancel()
	if err := n.heartbeat(call); err != nil {
		n.log.Warn("cluster heartbeat failed", "err", err)
		return
	}
	renewed, err := n.renew(call)
	if err != nil {
		n.log.Warn("renewing leases failed", "err", err)
		return
	}
	n.settle(ctx, sent, renewed)
	nodes, err := n.liveNodes(call)
	if err != nil {
		n.log.Warn("listing live nodes failed", "err", err)
		return
	}
	n.claimRunnable(ctx, nodes)
	n.rebalance(ctx, nodes)
	n.publishStatuses(call)
	n.readStatuses(call)
}

// settle aligns the running sessions with the leases the renewal returned: sessions whose lease
// is gone stop; leases held without a session (this node id restarted, or sessions stopped for
// want of a renewal and the database answered again in time) get their session back.
func (n *Node) settle(ctx context.Context, sent time.Time, renewed map[int64]int64) {
	n.mu.Lock()
	n.lastRenew, n.stopped = sent, false
	var lost []int64
	for id, h := range n.held {
		if h.since.After(sent) {
			// Claimed while this renewal was under way (Route claims an unpaired instance for
			// a request, e.g. the connect that starts its pairing): the renewal may have run
			// before the claim, so its absence proves nothing. The next round decides.
			continue
		}
		if e, ok := renewed[id]; !ok || e != h.epoch {
			lost = append(lost, id)
			delete(n.held, id)
		}
	}
	var regained []int64
	for id, epoch := range renewed {
		if _, ok := n.held[id]; !ok {
			n.held[id] = held{epoch: epoch, since: sent}
			regained = append(regained, id)
		}
	}
	n.mu.Unlock()
	for _, id := range lost {
		n.log.Warn("lease lost; stopping the session here", "instance_id", id)
		n.opts.Sessions.Release(&switchboard.Instance{ID: id})
	}
	if len(regained) > 0 {
		n.adopt(ctx, regained)
	}
}

// watchdog stops every session once the last renewal is older than StopBound, whatever the
// rounds are doing (a database that hangs holds a round for as long as it hangs).
func (n *Node) watchdog(ctx context.Context) {
	t := time.NewTicker(n.renewEvery() / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.mu.Lock()
		overdue := !n.stopped && time.Since(n.lastRenew) > n.StopBound()
		var ids []int64
		if overdue {
			n.stopped = true
			for id := range n.held {
				ids = append(ids, id)
			}
			clear(n.held)
		}
		n.mu.Unlock()
		if overdue {
			n.log.Error("leases not renewed in time; stopping every session here before they expire", "sessions", len(ids), "stop_bound", n.StopBound().String())
			for _, id := range ids {
				n.opts.Sessions.Release(&switchboard.Instance{ID: id})
			}
		}
	}
}

// Close stops the rounds, stops every session and hands the leases over for an immediate
// takeover, then leaves the registry.
func (n *Node) Close() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	<-n.done
	n.wg.Wait()
	n.mu.Lock()
	ids := make([]int64, 0, len(n.held))
	for id := range n.held {
		ids = append(ids, id)
	}
	clear(n.held)
	n.mu.Unlock()
	for _, id := range ids {
		n.opts.Sessions.Release(&switchboard.Instance{ID: id})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.leave(ctx); err != nil {
		n.log.Warn("leaving the cluster", "err", err)
	}
}

// Epoch is the epoch this node holds instance id's lease at, and whether it holds it.
func (n *Node) Epoch(id int64) (int64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, ok := n.held[id]
	return h.epoch, ok
}

// Held is how many leases this node holds.
func (n *Node) Held() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.held)
}

// MayConnect says whether this node may open a WhatsApp connection for instance id now: it
// holds the lease and renewed it within StopBound. A process that was frozen finds its last
// renewal old when it thaws and is refused until a round confirms the lease, so a reconnect
// that whatsmeow starts on its own at the thaw cannot replace the new owner's session.
func (n *Node) MayConnect(id int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.held[id]; !ok {
		return fmt.Errorf("cluster: node %s holds no lease of instance %d", n.id, id)
	}
	if since := time.Since(n.lastRenew); since > n.StopBound() {
		return fmt.Errorf("cluster: node %s last renewed its leases %v ago", n.id, since.Round(time.Millisecond))
	}
	return nil
}
