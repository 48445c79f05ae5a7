// Command switchboard runs the Switchboard WhatsApp HTTP API gateway.
//
//	switchboard serve [--addr HOST:PORT] [--db DSN] [--sandbox] [--sandbox-url URL --sandbox-token SECRET] [--allow-mode-change]
//	switchboard account create --name NAME [--max-instances N] [--db DSN]
//	switchboard account rotate-token --name NAME [--db DSN]
//	switchboard account update --name NAME [--allowed-origin ORIGIN]... [--db DSN]
//	switchboard account list|show|delete ...
//	switchboard instance list [--account NAME]
//	switchboard db migrate
//	switchboard version
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
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  switchboard serve [--addr HOST:PORT] [--db DSN] [--sandbox] [--sandbox-url URL --sandbox-token SECRET] [--allow-mode-change]
  switchboard account create --name NAME [--max-instances N] [--db DSN]
  switchboard account rotate-token --name NAME [--db DSN]
  switchboard account update --name NAME [--allowed-origin ORIGIN]... [--clear-allowed-origins] [--db DSN]
  switchboard account list|show|delete ...   (switchboard account --help)
  switchboard instance list [--account NAME] [--json] [--db DSN]
  switchboard db migrate [--json] [--db DSN]
  switchboard version [--json]
  switchboard wasim --addr HOST:PORT --control-token SECRET [--db DSN]
`

func main() {
	ctx, stop := stopOnSignals(newLogger(os.Stderr))
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "switchboard:", err)
		}
		os.Exit(2)
	}
}

// exitOnSecondSignal is the status of a process stopped by a second SIGTERM or Ctrl-C, before
// its drain ended.
const exitOnSecondSignal = 130

// stopOnSignals returns a context cancelled by the first SIGTERM or SIGINT, which starts the
// graceful shutdown. A second one exits at once, without waiting for the drain: an operator who
// signals twice wants the process gone.
func stopOnSignals(log *slog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-signals
		log.Info("signal received: shutting down gracefully; send it again to exit at once", "signal", sig.String())
		cancel()
		sig = <-signals
		log.Warn("second signal: exiting without finishing the shutdown", "signal", sig.String())
		os.Exit(exitOnSecondSignal)
	}()
	return ctx, func() {
		signal.Stop(signals)
		cancel()
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
	case "instance":
		return runInstance(ctx, args[1:], stdout, stderr)
	case "db":
		return runDB(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
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
