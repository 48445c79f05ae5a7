package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// runAccountUpdate changes an existing account's settings. Today that is its allowed browser
// origins (CORS): each --allowed-origin adds one, and together they replace the stored list;
// --clear-allowed-origins empties it. It prints the account's resulting origins: a table, or
// JSON with --json.
func runAccountUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account update", flag.ContinueOnError)
	name := fs.String("name", "", "account name (required)")
	var origins []string
	fs.Func("allowed-origin", "a browser origin allowed to call the API, like https://app.example.com (repeatable; replaces the stored list)",
		func(v string) error {
			origins = append(origins, v)
			return nil
		})
	clearOrigins := fs.Bool("clear-allowed-origins", false, "allow no browser origin")
	asJSON := jsonFlag(fs)
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return helpIsSuccess(err)
	}
	switch {
	case strings.TrimSpace(*name) == "":
		return errors.New("account update: --name is required")
	case fs.NArg() > 0:
		return fmt.Errorf("account update: unexpected argument %q", fs.Arg(0))
	case *clearOrigins && len(origins) > 0:
		return errors.New("account update: --clear-allowed-origins and --allowed-origin exclude each other")
	case !*clearOrigins && len(origins) == 0:
		return errors.New("account update: nothing to change (give --allowed-origin or --clear-allowed-origins)")
	}
	st, err := openForCommand(ctx, *dsn, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	acc, err := accountNamed(ctx, st, "account update", *name)
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
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			Name           string   `json:"name"`
			AllowedOrigins []string `json:"allowedOrigins"`
		}{acc.Name, stored})
	}
	return printTable(stdout, []string{"NAME", "ALLOWED ORIGINS"}, [][]string{{acc.Name, orDash(strings.Join(stored, ","))}})
}
