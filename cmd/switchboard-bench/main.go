// Command switchboard-bench measures Switchboard's capacity against a baseline taken in the same
// run, and prints a table and, as its last line, one JSON object with the figures.
//
//	go run ./cmd/switchboard-bench -scenario memory [-n 100]   RSS per connected, idle instance
//	go run ./cmd/switchboard-bench -scenario boot   [-n 1000]  restart with N paired instances
//	go run ./cmd/switchboard-bench -scenario http              authenticated reads per second
//	go run ./cmd/switchboard-bench -scenario link   [-n 10]    link N groups to a community
//	go run ./cmd/switchboard-bench -scenario send   [-c 16]    texts per second against bare whatsmeow
//	go run ./cmd/switchboard-bench -scenario cluster [-n 12]   takeover after kill -9; reads on 3 nodes vs 1
//	go run ./cmd/switchboard-bench -scenario events [-n 4]     phone → webhook events against bare whatsmeow
//	go run ./cmd/switchboard-bench -scenario media  [-n 5 -c 4] a 5 MiB image by URL: time and RSS
//
// Every scenario runs the real gateway: `switchboard` is built once into a temporary directory
// and started as a child process (`serve --sandbox-url`), and its instances are real whatsmeow
// clients. The simulated WhatsApp (wasim) is hosted in this process, so the gateway's memory
// figures hold the gateway alone. Baselines are bare programs doing the same work without the
// gateway: this binary re-invoked with the hidden -baseline-child flag, or bare whatsmeow
// clients in this process where memory is not measured. Rate limits are lifted by configuration
// (SWITCHBOARD_RATE_LIMIT, SWITCHBOARD_RATE_LIMIT_CREATE) and the output says so. Linux only:
// memory is read from /proc.
//
// Progress goes to stderr; the table and the JSON line go to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "switchboard-bench:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if opts.child != "" {
		err = runBaselineChild(ctx, opts)
	} else {
		err = runScenario(ctx, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard-bench:", err)
		os.Exit(1)
	}
}

// runScenario prepares what every scenario shares (the gateway binary, a working directory, the
// simulator) and runs the chosen one.
func runScenario(ctx context.Context, opts options) error {
	env, err := newBenchEnv(ctx, opts)
	if err != nil {
		return err
	}
	defer env.Close()
	var res result
	switch opts.scenario {
	case "memory":
		res, err = runMemory(ctx, env)
	case "boot":
		res, err = runBoot(ctx, env)
	case "http":
		res, err = runHTTP(ctx, env)
	case "link":
		res, err = runLink(ctx, env)
	case "send":
		res, err = runSend(ctx, env)
	case "cluster":
		res, err = runCluster(ctx, env)
	case "events":
		res, err = runEvents(ctx, env)
	case "media":
		res, err = runMedia(ctx, env)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", opts.scenario, err)
	}
	return res.print(os.Stdout, env.header())
}
