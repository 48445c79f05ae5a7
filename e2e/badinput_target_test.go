package e2e

import (
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/httpapi/openapitest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// startBadInputTarget runs a sandbox gateway (link pacing off) with one account whose instance
// "target" is connected and owns a community and a group in the simulator: the world the
// bad-input flood and the route fuzzer aim at. It also returns the OpenAPI document's validator.
func startBadInputTarget(tb testing.TB) (*apptest.Env, badInputTarget, *openapitest.Validator) {
	tb.Helper()
	e := apptest.Start(tb, storetest.SQLiteDSN(tb), func(c *app.Config) { c.LinkInterval = 0 })
	acc := e.Account("fuzzer")
	instToken := e.Instance(acc, "target")
	own := types.NewJID(e.Pair(acc, "target", ""), types.DefaultUserServer)
	community, err := e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: own, Name: "Target community", IsCommunity: true})
	if err != nil {
		tb.Fatal(err)
	}
	group, err := e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: own, Name: "Target group"})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := openapitest.Load(httpapi.OpenAPIDocument())
	if err != nil {
		tb.Fatal(err)
	}
	return e, badInputTarget{account: acc, instance: "target", instanceToken: instToken,
		communityJID: community.JID.String(), groupJID: group.JID.String(), phone: own.User}, v
}
