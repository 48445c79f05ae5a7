package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx": the fresh schema and the leases
)

// takeoverGoal is the bound on a takeover after kill -9.
const takeoverGoal = 30 * time.Second

// clusterNode is one `switchboard serve` of the benchmark's cluster; it keeps its id and address
// across restarts.
type clusterNode struct {
	id, listen string
	proc       *gatewayProc
}

// benchCluster is three nodes on one PostgreSQL schema and one Redis.
type benchCluster struct {
	e      *benchEnv
	dsn    string
	db     *sql.DB
	secret string
	nodes  []*clusterNode
}

// runCluster measures cluster mode: N instances paired, then for each round the node holding the
// most is killed with SIGKILL, and the time until every one of its instances is logged in again
// on a survivor (the simulator's count of logins and live sockets per device) is taken; the
// node restarts before the next round. Then the same authenticated read as the http scenario
// (GET /api/instance/list with an instance token) runs against one node, and spread over the
// three, in the same run.
func runCluster(ctx context.Context, e *benchEnv) (result, error) {
	c, err := newBenchCluster(ctx, e)
	if err != nil {
		return result{}, err
	}
	defer c.close()
	token, err := e.createAccount(ctx, c.dsn)
	if err != nil {
		return result{}, err
	}
	for _, n := range c.nodes {
		if err := c.start(ctx, n); err != nil {
			return result{}, err
		}
	}
	progress("pairing %d instances through node1, %d at a time", e.opts.n, e.opts.parallel)
	paired, err := pairInstances(ctx, e, c.nodes[0].proc.api, token, e.opts.n)
	if err != nil {
		return result{}, err
	}
	var takeovers []time.Duration
	moved := 0
	for round := range e.opts.rounds {
		took, n, err := c.killRound(ctx, paired)
		if err != nil {
			return result{}, fmt.Errorf("round %d: %w", round, err)
		}
		progress("round %d: %d instances logged in again on survivors %s after kill -9", round, n, took.Round(time.Millisecond))
		takeovers = append(takeovers, took)
		moved += n
	}

	read := func(nodes []*clusterNode) *loadTarget {
		t := newLoadTarget("", paired[0].token)
		for _, n := range nodes {
			t.spread = append(t.spread, n.proc.api.base+"/api/instance/list")
		}
		return t
	}
	conc, d := e.opts.concurrency, e.opts.duration
	progress("closed loop, %d in flight for %s: one node", conc, d)
	one := closedLoop(ctx, read(c.nodes[:1]), conc, d)
	progress("closed loop, %d in flight for %s: spread over three nodes", conc, d)
	three := closedLoop(ctx, read(c.nodes), conc, d)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	return clusterResult(e, takeovers, moved, one, three), nil
}

func newBenchCluster(ctx context.Context, e *benchEnv) (*benchCluster, error) {
	u, err := url.Parse(e.opts.postgres)
	if err != nil {
		return nil, fmt.Errorf("-postgres: %w", err)
	}
	admin, err := sql.Open("pgx", e.opts.postgres)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	schema := "bench_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("creating the benchmark's schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	c := &benchCluster{e: e, dsn: u.String(), secret: randomHex(16)}
	if c.db, err = sql.Open("pgx", c.dsn); err != nil {
		return nil, err
	}
	for i := range 3 {
		listen, err := freeAddr()
		if err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, &clusterNode{id: fmt.Sprintf("node%d", i+1), listen: listen})
	}
	progress("cluster: 3 nodes on PostgreSQL schema %s, Redis %s, lease %s", schema, e.opts.redis, e.opts.lease)
	return c, nil
}

func (c *benchCluster) close() {
	for _, n := range c.nodes {
		if n.proc != nil {
			n.proc.kill()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var schema string
	if c.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema) == nil && schema != "" && !c.e.opts.keep {
		_, _ = c.db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
	c.db.Close()
}

func (c *benchCluster) start(ctx context.Context, n *clusterNode) error {
	p, err := c.e.startGatewayAt(ctx, c.dsn, n.listen, c.e.path(n.id+".log"),
		"SWITCHBOARD_REDIS_URL="+c.e.opts.redis,
		"SWITCHBOARD_CLUSTER_SECRET="+c.secret,
		"SWITCHBOARD_CLUSTER_ADDR=http://"+n.listen,
		"SWITCHBOARD_NODE_ID="+n.id,
		"SWITCHBOARD_CLUSTER_LEASE="+c.e.opts.lease.String(),
		fmt.Sprintf("SWITCHBOARD_RATE_LIMIT_PUBLIC=%d", liftedRateLimit),
	)
	if err != nil {
		return fmt.Errorf("%s: %w", n.id, err)
	}
	n.proc = p
	return nil
}

// killRound waits until every instance's lease is held, unexpired, kills the node holding the
// most, waits until each of its instances logged in again with one live socket, and restarts
// it. It returns the time from the kill to the last of those logins and how many moved.
func (c *benchCluster) killRound(ctx context.Context, paired []pairedInstance) (time.Duration, int, error) {
	leases, err := c.settledLeases(ctx, len(paired))
	if err != nil {
		return 0, 0, err
	}
	count := map[string]int{}
	for _, node := range leases {
		count[node]++
	}
	victim := c.nodes[0]
	for _, n := range c.nodes {
		if count[n.id] > count[victim.id] {
			victim = n
		}
	}
	var devices []string
	for _, p := range paired {
		if leases[p.name] == victim.id {
			devices = append(devices, p.device.String())
		}
	}
	logins := map[string]int{}
	for _, d := range c.e.sim.DeviceSessions() {
		logins[d.JID] = d.Logins
	}
	killed := time.Now()
	victim.proc.kill()
	deadline := killed.Add(2 * time.Minute)
	for {
		back := 0
		for _, d := range c.e.sim.DeviceSessions() {
			if slices.Contains(devices, d.JID) && d.Live == 1 && d.Logins > logins[d.JID] {
				back++
			}
		}
		if back == len(devices) {
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("%d of %d instances of %s not logged in again 2 minutes after the kill", len(devices)-back, len(devices), victim.id)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
	took := time.Since(killed)
	return took, len(devices), c.start(ctx, victim)
}

// settledLeases waits until n instances have an unexpired lease on a running node and returns
// each instance's node.
func (c *benchCluster) settledLeases(ctx context.Context, n int) (map[string]string, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := c.leases(ctx)
		if err != nil {
			return nil, err
		}
		if len(out) == n {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d instances hold a live lease", len(out), n)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func (c *benchCluster) leases(ctx context.Context) (map[string]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT i.name, l.node_id FROM instance_leases l
		JOIN instances i ON i.id = l.instance_id WHERE l.expires_at > now()`)
	if err != nil {
		return nil, fmt.Errorf("reading the leases: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, node string
		if err := rows.Scan(&name, &node); err != nil {
			return nil, err
		}
		out[name] = node
	}
	return out, rows.Err()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("crypto/rand failed"))
	}
	return hex.EncodeToString(b)
}

func clusterResult(e *benchEnv, takeovers []time.Duration, moved int, one, three loadStats) result {
	sorted := slices.Clone(takeovers)
	slices.Sort(sorted)
	p50, worst := percentile(sorted, 50), sorted[len(sorted)-1]
	r := ratio(three.rps(), one.rps())
	res := result{
		title:   fmt.Sprintf("cluster: 3 nodes, %d instances, %d kill -9 rounds, lease %s", e.opts.n, len(takeovers), e.opts.lease),
		columns: []string{"cluster", "figure", "", ""},
	}
	res.row("takeover after kill -9, p50", msec(float64(p50.Milliseconds())), "", "")
	res.row("takeover after kill -9, max", msec(float64(worst.Milliseconds())), "", "")
	res.row("instances moved over all rounds", fmt.Sprint(moved), "", "")
	res.row("read on 1 node (closed loop)", fmt.Sprintf("%.0f req/s", one.rps()), "p99 "+msec(one.percentileMS(99)), "")
	res.row("read spread over 3 nodes", fmt.Sprintf("%.0f req/s", three.rps()), "p99 "+msec(three.percentileMS(99)), times(r))
	res.row("failed requests", fmt.Sprint(one.errors+three.errors), "", "")
	res.note("takeover: from SIGKILL of the node holding the most instances to the last of its instances logged in again on a survivor with one live socket (the simulator's count); the node restarts before the next round")
	res.note("the lease (SWITCHBOARD_CLUSTER_LEASE) bounds it: a lease expires unrenewed, another node takes over after 4/3 of it")
	res.note("read: GET /api/instance/list with an instance token, %d in flight for %s, the load generator in this process; every node, PostgreSQL and Redis share the same cores, so spreading adds no CPU", e.opts.concurrency, e.opts.duration)
	res.check("max takeover <= 30 s", worst <= takeoverGoal, fmt.Sprintf("max %s", worst.Round(time.Millisecond)))
	res.fig("scenario", "cluster")
	res.fig("instances", e.opts.n)
	res.fig("rounds", len(takeovers))
	res.fig("lease_seconds", e.opts.lease.Seconds())
	res.fig("takeover_p50_ms", p50.Milliseconds())
	res.fig("takeover_max_ms", worst.Milliseconds())
	res.fig("moved", moved)
	res.fig("one_node_rps", round(one.rps(), 1))
	res.fig("three_nodes_rps", round(three.rps(), 1))
	res.fig("three_over_one", round(r, 3))
	res.fig("errors", one.errors+three.errors)
	res.fig("rate_limits_lifted", true)
	return res
}
