package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard/switchboard/store"
)

// runAccountUpdate changes an existing account's settings. Today that is its allowed browser
// origins (CORS): each --allowed-origin adds one, and together they replace the stored list;
// --clear-allowed-origins empties it. It prints the account's resulting origins: a table, or
// JSON with --json.
func runAccountUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account update").printing()
	name := cmd.fs.String("name", "", "account name (required)")
	var origins []string
	cmd.fs.Func("allowed-origin", "a browser origin allowed to call the API, like https://app.example.com (repeatable; replaces the stored list)",
		func(v string) error {
			origins = append(origins, v)
			return nil
		})
	clearOrigins := cmd.fs.Bool("clear-allowed-origins", false, "allow no browser origin")
	cmd.check = func() error {
		switch {
		case strings.TrimSpace(*name) == "":
			return errors.New("account update: --name is required")
		case *clearOrigins && len(origins) > 0:
			return errors.New("account update: --clear-allowed-origins and --allowed-origin exclude each other")
		case !*clearOrigins && len(origins) == 0:
			return errors.New("account update: nothing to change (give --allowed-origin or --clear-allowed-origins)")
		}
		return nil
	}
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		return updateOrigins(ctx, st, *name, origins, cmd, stdout)
	})
}

// updateOrigins replaces the account's allowed origins and prints what is stored afterwards.
func updateOrigins(ctx context.Context, st *store.Store, name string, origins []string, cmd *storeCommand, stdout io.Writer) error {
	acc, err := accountNamed(ctx, st, "account update", name)
	if err != nil {
		return err
	}
	if err := st.SetAllowedOrigins(ctx, acc.ID, origins); err != nil {
		return fmt.Errorf("account update: %w", err)
	}
	stored, err := st.AllowedOrigins(ctx, acc.ID)
	if err != nil {
		return err
	}
	out := struct {
		Name           string   `json:"name"`
		AllowedOrigins []string `json:"allowedOrigins"`
	}{acc.Name, stored}
	return cmd.print(stdout, out, []string{"NAME", "ALLOWED ORIGINS"}, [][]string{{acc.Name, orDash(strings.Join(stored, ","))}})
}
