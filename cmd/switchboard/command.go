package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/switchboard/switchboard/store"
)

// storeCommand is what every database subcommand shares: a flag set with --db (and --json for
// those that print), parsed with no positional argument left over, the command's own flag rules,
// then the database opened for the command's body and closed after it.
type storeCommand struct {
	fs     *flag.FlagSet
	dsn    *string
	asJSON *bool
	// check enforces rules between flags (a required --name, flags that exclude each other). It
	// runs before the database is opened, so a wrong command line never touches it.
	check func() error
}

func newStoreCommand(name string) *storeCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &storeCommand{fs: fs, dsn: dbFlag(fs)}
}

// printing adds --json for a command that prints a table by default.
func (c *storeCommand) printing() *storeCommand {
	c.asJSON = jsonFlag(c.fs)
	return c
}

// run parses args, applies the flag rules, opens the database and runs body with it. Help asked
// for is printed to stdout and is a success.
func (c *storeCommand) run(ctx context.Context, args []string, stdout, stderr io.Writer, body func(*store.Store) error) error {
	if err := parseFlags(c.fs, args, stdout, stderr); err != nil {
		return helpIsSuccess(err)
	}
	if err := noArgs(c.fs); err != nil {
		return err
	}
	if c.check != nil {
		if err := c.check(); err != nil {
			return err
		}
	}
	st, err := openForCommand(ctx, *c.dsn, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	return body(st)
}

// print writes v as JSON with --json, otherwise the table that shows the same thing to people.
func (c *storeCommand) print(w io.Writer, v any, header []string, rows [][]string) error {
	if c.asJSON != nil && *c.asJSON {
		return printJSON(w, v)
	}
	return printTable(w, header, rows)
}

// wantsJSON reports whether --json was given, for commands whose human output is not a table.
func (c *storeCommand) wantsJSON() bool { return c.asJSON != nil && *c.asJSON }

// commandFunc runs one subcommand with the arguments after its name.
type commandFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// dispatch runs `switchboard GROUP COMMAND`: the command named first in args, or the group's
// usage (to stdout and a success when help is asked for; to stderr and a failure otherwise).
func dispatch(ctx context.Context, group, usage string, commands map[string]commandFunc, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New(group + ": a command is required")
	}
	if run, ok := commands[args[0]]; ok {
		return run(ctx, args[1:], stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown %s command %q", group, args[0])
}
