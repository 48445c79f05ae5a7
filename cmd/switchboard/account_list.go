package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

// accountJSON is an account as the CLI prints it with --json. Tokens are never part of it: only
// their hashes are stored.
type accountJSON struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name"`
	MaxInstances   int            `json:"maxInstances"`
	CreatedAt      time.Time      `json:"createdAt"`
	InstanceCount  int            `json:"instanceCount"`
	AllowedOrigins []string       `json:"allowedOrigins,omitempty"`
	Instances      []instanceJSON `json:"instances,omitempty"`
}

// runAccountList prints every account with its instance count.
func runAccountList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account list").printing()
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		accounts, err := st.ListAccounts(ctx)
		if err != nil {
			return err
		}
		out := make([]accountJSON, len(accounts))
		rows := make([][]string, len(accounts))
		for i, a := range accounts {
			out[i] = accountJSON{ID: a.ID, Name: a.Name, MaxInstances: a.MaxInstances, CreatedAt: a.CreatedAt.UTC(), InstanceCount: a.Instances}
			rows[i] = []string{strconv.FormatInt(a.ID, 10), a.Name, strconv.Itoa(a.Instances), limitText(a.MaxInstances), timestamp(a.CreatedAt)}
		}
		return cmd.print(stdout, out, []string{"ID", "NAME", "INSTANCES", "MAX", "CREATED"}, rows)
	})
}

// runAccountShow prints one account: its settings, allowed origins and instances.
func runAccountShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account show").printing()
	name := cmd.fs.String("name", "", "account name (required)")
	cmd.check = requireName("account show", name)
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		acc, err := accountNamed(ctx, st, "account show", *name)
		if err != nil {
			return err
		}
		origins, err := st.AllowedOrigins(ctx, acc.ID)
		if err != nil {
			return err
		}
		instances, err := st.ListInstances(ctx, acc.ID)
		if err != nil {
			return err
		}
		out := accountJSON{ID: acc.ID, Name: acc.Name, MaxInstances: acc.MaxInstances, CreatedAt: acc.CreatedAt.UTC(),
			InstanceCount: len(instances), AllowedOrigins: origins, Instances: instancesJSON(acc.Name, instances)}
		if err := cmd.print(stdout, out, []string{"ID", "NAME", "INSTANCES", "MAX", "CREATED", "ALLOWED ORIGINS"}, [][]string{{
			strconv.FormatInt(acc.ID, 10), acc.Name, strconv.Itoa(len(instances)), limitText(acc.MaxInstances),
			timestamp(acc.CreatedAt), orDash(strings.Join(origins, ",")),
		}}); err != nil || cmd.wantsJSON() || len(instances) == 0 {
			return err
		}
		fmt.Fprintln(stdout)
		return printInstanceTable(stdout, out.Instances)
	})
}

// accountNamed finds the one account called name, with messages that say what to do.
func accountNamed(ctx context.Context, st *store.Store, command, name string) (*switchboard.Account, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("%s: --name is required", command)
	}
	accounts, err := st.AccountsByName(ctx, name)
	if err != nil {
		return nil, err
	}
	switch len(accounts) {
	case 0:
		return nil, fmt.Errorf("%s: no account named %q", command, name)
	case 1:
		return accounts[0], nil
	default:
		return nil, errors.New(command + ": several accounts share that name; rename all but one first")
	}
}
