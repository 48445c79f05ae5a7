package main

import (
	"context"
	"fmt"
	"io"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/whatsapp"
)

// runAccountDelete deletes an account. While it has instances it refuses, unless --force: then
// its instances go with it and their WhatsApp sessions are logged out locally, meaning each
// paired device's keys are deleted from the database so that no gateway can reconnect it.
//
// The command does not reach WhatsApp (a server may not be running, and the CLI has no
// connection of its own), so the phone keeps listing the linked device until it is removed there
// or WhatsApp expires it. To tell WhatsApp as well, log each instance out through the API first
// (DELETE /api/instance/logout/{instance}). A server running on the same database refuses the
// deleted tokens at once on PostgreSQL and within its token-cache TTL on SQLite; connections it
// already holds for the deleted instances last until it restarts.
func runAccountDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("account delete").printing()
	name := cmd.fs.String("name", "", "account name (required)")
	cmd.check = requireName("account delete", name)
	force := cmd.fs.Bool("force", false, "also delete its instances and log their sessions out locally (device keys removed)")
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error {
		return deleteAccount(ctx, st, *name, *force, cmd, stdout)
	})
}

// deleteAccount is account delete's body: the account, then its devices, then the report.
func deleteAccount(ctx context.Context, st *store.Store, name string, force bool, cmd *storeCommand, stdout io.Writer) error {
	acc, err := accountNamed(ctx, st, "account delete", name)
	if err != nil {
		return err
	}
	instances, err := st.ListInstances(ctx, acc.ID)
	if err != nil {
		return err
	}
	if len(instances) > 0 && !force {
		return fmt.Errorf("account delete: %q has %d instance(s); delete them through the API, or pass --force to delete them "+
			"with the account and log their sessions out", acc.Name, len(instances))
	}
	devices := make([]string, 0, len(instances))
	for _, inst := range instances {
		devices = append(devices, inst.DeviceJID)
	}
	// The account first: its tokens and its instances' stop working before anything else changes.
	if err := st.DeleteAccount(ctx, acc.ID); err != nil {
		return fmt.Errorf("account delete: %w", err)
	}
	forgotten, err := forgetDevices(ctx, st, devices)
	if err != nil {
		return fmt.Errorf("account delete: the account and its instances are deleted, but removing their WhatsApp devices failed "+
			"after %d: %w", forgotten, err)
	}
	result := struct {
		Name             string `json:"name"`
		InstancesDeleted int    `json:"instancesDeleted"`
		DevicesLoggedOut int    `json:"devicesLoggedOut"`
	}{acc.Name, len(instances), forgotten}
	if cmd.wantsJSON() {
		return printJSON(stdout, result)
	}
	_, err = fmt.Fprintf(stdout, "deleted account %q with %d instance(s); %d WhatsApp device(s) logged out locally\n",
		result.Name, result.InstancesDeleted, result.DevicesLoggedOut)
	return err
}

// forgetDevices removes the paired devices of deleted instances from whatsmeow's store, which
// shares the database.
func forgetDevices(ctx context.Context, st *store.Store, devices []string) (int, error) {
	container, err := st.Whatsmeow(ctx, nil)
	if err != nil {
		return 0, err
	}
	return whatsapp.ForgetDevices(ctx, container, devices)
}
