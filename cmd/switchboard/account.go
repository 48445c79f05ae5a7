package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

// runAccountCreate creates an account and prints its token, the only time it is ever shown.
// It writes straight to the database, so it works beside a running server on the same SQLite
// file (WAL and a busy timeout), and the server accepts the token at once: its token cache keeps
// only tokens it has found, so a token unknown a moment ago is looked up in the database again.
func runAccountCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "account name (required)")
	maxInstances := fs.Int("max-instances", 0, "how many instances the account may create (0 = unlimited)")
	dsn := fs.String("db", envString("SWITCHBOARD_DB", "sqlite:switchboard.db"), "database: sqlite:PATH or postgres://... (env SWITCHBOARD_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return errors.New("account create: --name is required")
	}
	st, err := store.Open(ctx, *dsn, newLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	acc, err := st.CreateAccount(ctx, strings.TrimSpace(*name), *maxInstances, switchboard.HashToken(token))
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	}{acc.Name, token})
}
