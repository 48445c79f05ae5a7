// Command switchboard runs the Switchboard WhatsApp HTTP API gateway.
//
//	switchboard serve [--addr HOST:PORT] [--db DSN] [--sandbox] [--sandbox-url URL --sandbox-token SECRET] [--allow-mode-change]
//	switchboard account create --name NAME [--max-instances N] [--db DSN]
//	switchboard account rotate-token --name NAME [--db DSN]
//	switchboard account update --name NAME [--allowed-origin ORIGIN]... [--db DSN]
//	switchboard wasim --addr HOST:PORT --control-token SECRET [--db DSN]
//
// main only wires: flags and environment into a config, then store, sessions and HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  switchboard serve [--addr HOST:PORT] [--db DSN] [--sandbox] [--sandbox-url URL --sandbox-token SECRET] [--allow-mode-change]
  switchboard account create --name NAME [--max-instances N] [--db DSN]
  switchboard account rotate-token --name NAME [--db DSN]
  switchboard account update --name NAME [--allowed-origin ORIGIN]... [--clear-allowed-origins] [--db DSN]
  switchboard wasim --addr HOST:PORT --control-token SECRET [--db DSN]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "switchboard:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "account":
		return runAccount(ctx, args[1:], stdout, stderr)
	case "wasim":
		return runWasim(ctx, args[1:], stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
