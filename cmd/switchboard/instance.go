package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

const instanceUsage = `usage:
  switchboard instance list [--account NAME] [--json] [--db DSN]
      List instances (of one account, or all) with their stored session: paired, loggedout or none.
  switchboard instance COMMAND --help
      Describe COMMAND's flags.
`

// runInstance dispatches `switchboard instance COMMAND`.
func runInstance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "instance", instanceUsage, map[string]commandFunc{
		"list": runInstanceList,
	}, args, stdout, stderr)
}

// instanceJSON is an instance as the CLI prints it. The session is what the database records
// (the live connection state belongs to the running server: GET /api/instance/list); tokens are
// never printed, only their hashes are stored.
type instanceJSON struct {
	ID          int64     `json:"id"`
	Account     string    `json:"account"`
	Name        string    `json:"name"`
	Session     string    `json:"session"` // paired, loggedout or none
	DeviceJID   string    `json:"deviceJid,omitempty"`
	AutoConnect bool      `json:"autoConnect"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Stored session states of `instance list`.
const (
	sessionPaired    = "paired"
	sessionLoggedOut = "loggedout"
	sessionNone      = "none"
)

func instancesJSON(account string, instances []*switchboard.Instance) []instanceJSON {
	out := make([]instanceJSON, len(instances))
	for i, inst := range instances {
		session := sessionNone
		switch {
		case inst.LoggedOut:
			session = sessionLoggedOut
		case inst.DeviceJID != "":
			session = sessionPaired
		}
		out[i] = instanceJSON{ID: inst.ID, Account: account, Name: inst.Name, Session: session,
			DeviceJID: inst.DeviceJID, AutoConnect: inst.AutoConnect, CreatedAt: inst.CreatedAt.UTC()}
	}
	return out
}

func printInstanceTable(w io.Writer, instances []instanceJSON) error {
	rows := make([][]string, len(instances))
	for i, inst := range instances {
		rows[i] = []string{strconv.FormatInt(inst.ID, 10), inst.Account, inst.Name, inst.Session,
			orDash(inst.DeviceJID), strconv.FormatBool(inst.AutoConnect), timestamp(inst.CreatedAt)}
	}
	return printTable(w, []string{"ID", "ACCOUNT", "NAME", "SESSION", "DEVICE", "AUTOCONNECT", "CREATED"}, rows)
}

// runInstanceList lists the instances of one account (--account) or of all, by account then id.
func runInstanceList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("instance list").printing()
	account := cmd.fs.String("account", "", "only this account's instances (its name)")
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		accounts, err := accountsToList(ctx, st, *account)
		if err != nil {
			return err
		}
		out := []instanceJSON{}
		for _, acc := range accounts {
			instances, err := st.ListInstances(ctx, acc.ID)
			if err != nil {
				return err
			}
			out = append(out, instancesJSON(acc.Name, instances)...)
		}
		if cmd.wantsJSON() {
			return printJSON(stdout, out)
		}
		return printInstanceTable(stdout, out)
	})
}

// accountsToList is the account named (when a name is given) or every account.
func accountsToList(ctx context.Context, st *store.Store, name string) ([]*switchboard.Account, error) {
	if strings.TrimSpace(name) != "" {
		acc, err := accountNamed(ctx, st, "instance list", name)
		if err != nil {
			return nil, err
		}
		return []*switchboard.Account{acc}, nil
	}
	all, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	accounts := make([]*switchboard.Account, len(all))
	for i, a := range all {
		accounts[i] = &a.Account
	}
	return accounts, nil
}
