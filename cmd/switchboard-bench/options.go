package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// options are the command line. The child* fields drive the hidden baseline modes.
type options struct {
	scenario    string
	n           int           // instances (memory, boot) or groups (link); 0 = the scenario's default
	parallel    int           // pairings in flight at once
	settle      time.Duration // quiet time before memory is sampled
	concurrency int           // http: requests in flight in the closed loop
	duration    time.Duration // http: length of each measured run
	binary      string        // a prebuilt switchboard binary instead of building one
	keep        bool          // keep the working directory (databases, logs)
	rounds      int           // cluster: kill -9 rounds
	postgres    string        // cluster: the PostgreSQL server (a fresh schema is used and dropped)
	redis       string        // cluster: the Redis the nodes share
	lease       time.Duration // cluster: SWITCHBOARD_CLUSTER_LEASE of the nodes

	child     string // hidden: run as a baseline child in this mode
	childSim  string // hidden: the simulator's URL
	childDB   string // hidden: the SQLite file of the bare clients
	childCap  int    // hidden: reconnects in flight at once
	childBody string // hidden: the JSON file the bare HTTP handler serves
}

// scenarioDefaults are the N of each scenario when -n is not given: the numbers, except
// boot, whose goal is 1,000 but whose default stays quick to run.
var scenarioDefaults = map[string]int{"memory": 100, "boot": 100, "http": 1, "link": 10, "send": 1, "cluster": 12, "events": 4, "media": 5}

func parseArgs(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("switchboard-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.scenario, "scenario", "", "memory, boot, http, link, send, cluster, events or media")
	fs.IntVar(&o.n, "n", 0, "instances (memory: 100, boot: 100, cluster: 12, events: 4), groups (link: 10) or concurrent sends (media: 5)")
	fs.IntVar(&o.parallel, "parallel", 8, "pairings in flight at once while preparing instances")
	fs.DurationVar(&o.settle, "settle", 10*time.Second, "quiet time before memory is sampled")
	fs.IntVar(&o.concurrency, "c", 16, "http, send: requests in flight in the closed loop")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "http, send: length of each measured run")
	fs.StringVar(&o.binary, "binary", "", "use this switchboard binary instead of building ./cmd/switchboard")
	fs.BoolVar(&o.keep, "keep", false, "keep the working directory (databases and the gateway's log)")
	fs.IntVar(&o.rounds, "rounds", 5, "cluster: kill -9 rounds")
	fs.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "cluster: PostgreSQL server (a fresh schema is created and dropped)")
	fs.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "cluster: Redis shared by the nodes")
	fs.DurationVar(&o.lease, "lease", 15*time.Second, "cluster: the nodes' SWITCHBOARD_CLUSTER_LEASE (the default's value)")
	fs.StringVar(&o.child, "baseline-child", "", "internal: run a baseline child (memory, reconnect, http)")
	fs.StringVar(&o.childSim, "child-sim", "", "internal: simulator URL")
	fs.StringVar(&o.childDB, "child-db", "", "internal: SQLite file")
	fs.IntVar(&o.childCap, "child-cap", 0, "internal: reconnect concurrency")
	fs.StringVar(&o.childBody, "child-body", "", "internal: response body file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fmt.Fprintln(os.Stderr, "usage: switchboard-bench -scenario memory|boot|http|link|send|cluster|events|media [-n N] [flags]")
			fs.PrintDefaults()
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.child != "" {
		return o, nil
	}
	def, ok := scenarioDefaults[o.scenario]
	if !ok {
		return o, fmt.Errorf("-scenario %q: want memory, boot, http, link, send, cluster, events or media", o.scenario)
	}
	switch {
	case o.n < 0:
		return o, fmt.Errorf("-n %d: want a positive number", o.n)
	case o.n == 0:
		o.n = def
	}
	if o.scenario == "link" && o.n > 50 {
		return o, fmt.Errorf("-n %d: a community holds at most 50 linked groups", o.n)
	}
	if o.scenario == "cluster" && (o.rounds < 1 || o.lease <= 0) {
		return o, errors.New("-rounds must be at least 1 and -lease positive")
	}
	if o.parallel < 1 || o.concurrency < 1 {
		return o, errors.New("-parallel and -c must be at least 1")
	}
	if o.settle < 0 || o.duration <= 0 {
		return o, errors.New("-settle must not be negative and -duration must be positive")
	}
	return o, nil
}
