package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

const accountUsage = `usage:
  switchboard account create --name NAME [--max-instances N] [--db DSN]
      Create an account and print {"name","token"}; the token is shown only this once.
  switchboard account rotate-token --name NAME [--db DSN]
      Give the account a new token and print {"name","token"}; the old token stops working.
  switchboard account update --name NAME [--allowed-origin ORIGIN]... [--clear-allowed-origins] [--json] [--db DSN]
      Replace the browser origins allowed to call the API for the account (CORS).
  switchboard account list [--json] [--db DSN]
      List every account with its instance count.
  switchboard account show --name NAME [--json] [--db DSN]
      Show one account: its limit, allowed origins and instances.
  switchboard account delete --name NAME [--force] [--json] [--db DSN]
      Delete an account. Refused while it has instances, unless --force: they are deleted too and
      their WhatsApp devices removed from the database (logged out here; the phone is not told).
  switchboard account COMMAND --help
      Describe COMMAND's flags.
`

// runAccount dispatches `switchboard account COMMAND`. --help (or none) prints the commands and
// succeeds when asked for, fails when a command is missing.
func runAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "account", accountUsage, map[string]commandFunc{
		"create":       runAccountCreate,
		"rotate-token": runAccountRotateToken,
		"update":       runAccountUpdate,
		"list":         runAccountList,
		"show":         runAccountShow,
		"delete":       runAccountDelete,
	}, args, stdout, stderr)
}

// parseFlags parses args with fs. Asked for --help, it prints the flags to stdout and returns
// errHelpShown, which the caller turns into success; other errors print to stderr.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = stdout.Write(out.Bytes())
		return errHelpShown
	}
	_, _ = stderr.Write(out.Bytes())
	return err
}

// errHelpShown means help was asked for and printed: not a failure.
var errHelpShown = errors.New("help shown")

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envString("SWITCHBOARD_DB", "sqlite:switchboard.db"), "database: sqlite:PATH or postgres://... (env SWITCHBOARD_DB)")
}

// runAccountCreate creates an account and prints its token, the only time it is ever shown.
// It writes straight to the database, so it works beside a running server on the same SQLite
// file (WAL and a busy timeout), and the server accepts the token at once: its token cache keeps
// only tokens it has found, so a token unknown a moment ago is looked up in the database again.
// Account names are unique; a taken name is refused before anything is written.
func runAccountCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account create")
	name := cmd.fs.String("name", "", "account name (required, unique)")
	maxInstances := cmd.fs.Int("max-instances", 0, "how many instances the account may create (0 = unlimited)")
	cmd.check = requireName("account create", name)
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		return createAccount(ctx, st, strings.TrimSpace(*name), *maxInstances, stdout)
	})
}

// createAccount stores the account with a new token's hash and prints the token, once.
func createAccount(ctx context.Context, st *store.Store, name string, maxInstances int, stdout io.Writer) error {
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	acc, err := st.CreateAccount(ctx, name, maxInstances, switchboard.HashToken(token))
	if errors.Is(err, switchboard.ErrDuplicateAccountName) {
		return fmt.Errorf("account create: an account named %q already exists; choose another name, "+
			"or run `switchboard account rotate-token --name %s` for a new token of that account", name, name)
	}
	if err != nil {
		return err
	}
	return printAccountToken(stdout, acc.Name, token)
}

// runAccountRotateToken gives an account a new token and prints it, once. The old token is
// refused at once by this database's gateways: on PostgreSQL their token caches hear of it within
// milliseconds; on SQLite a running gateway may accept it for up to its token-cache TTL (2 s).
func runAccountRotateToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account rotate-token")
	name := cmd.fs.String("name", "", "name of the account whose token is replaced (required)")
	cmd.check = requireName("account rotate-token", name)
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		return rotateAccountToken(ctx, st, strings.TrimSpace(*name), stdout)
	})
}

// rotateAccountToken replaces the account's token hash and prints the new token, once.
func rotateAccountToken(ctx context.Context, st *store.Store, name string, stdout io.Writer) error {
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	acc, err := st.RotateAccountToken(ctx, name, switchboard.HashToken(token))
	if errors.Is(err, switchboard.ErrNotFound) {
		return fmt.Errorf("account rotate-token: no account named %q", name)
	}
	if err != nil {
		return err
	}
	return printAccountToken(stdout, acc.Name, token)
}

// openForCommand opens the database for one command. The token cache is off: a command makes one
// lookup at most, and on PostgreSQL that spares it the cache's listening connection.
func openForCommand(ctx context.Context, dsn string, stderr io.Writer) (*store.Store, error) {
	return store.Open(ctx, dsn, newLogger(stderr), store.WithTokenCacheTTL(0))
}

func helpIsSuccess(err error) error {
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

func printAccountToken(stdout io.Writer, name, token string) error {
	return json.NewEncoder(stdout).Encode(struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	}{name, token})
}

// requireName is the flag rule of commands whose --name may not be empty.
func requireName(command string, name *string) func() error {
	return func() error {
		if strings.TrimSpace(*name) == "" {
			return errors.New(command + ": --name is required")
		}
		return nil
	}
}
