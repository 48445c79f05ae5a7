package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/wasim"
)

// wasimTokenEnv holds the standalone simulator's control secret, on both sides: `switchboard
// wasim` requires it of callers and `serve --sandbox-url` sends it.
const wasimTokenEnv = "SWITCHBOARD_WASIM_TOKEN"

// runWasim runs the simulated WhatsApp on its own, so several gateway processes
// (`switchboard serve --sandbox-url http://HOST:PORT`) share one WhatsApp. With --db its
// accounts, devices and groups survive a restart.
func runWasim(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wasim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	dsn := fs.String("db", "", "persist the simulator in this database (sqlite:PATH or postgres://...); empty keeps it in memory")
	token := fs.String("control-token", "", "secret of the control API, sent by gateways as Authorization: Bearer <secret> (env "+wasimTokenEnv+"; required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secretFromEnv(fs, "control-token", wasimTokenEnv, token)
	if *token == "" {
		return fmt.Errorf("wasim: the control API needs a secret: --control-token or %s (give gateways the same with serve --sandbox-token)", wasimTokenEnv)
	}
	log := newLogger(stderr)
	cfg := wasim.Config{Logger: log, ControlToken: *token}
	if *dsn != "" {
		st, err := store.Open(ctx, *dsn, log)
		if err != nil {
			return err
		}
		defer st.Close()
		cfg.DB, cfg.Dialect = st.DB(), st.Dialect()
	}
	sim, err := wasim.New(cfg)
	if err != nil {
		return err
	}
	if err := sim.Listen(*addr); err != nil {
		sim.Close()
		return err
	}
	log.Info("wasim listening", "url", sim.URL())
	<-ctx.Done()
	return sim.Close()
}
