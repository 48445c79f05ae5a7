package e2e

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/httpapi/openapitest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// missingTokenMessages are the 401 messages of section 3.1 for a request without a token.
var missingTokenMessages = []string{"Missing token in header", "Missing token in header, Authorization header, or query parameter",
	"Missing token", "Unauthenticated"}

// TestTenancyMatrix is generated from the OpenAPI document, so a new route is covered as soon
// as it is documented: every operation that needs a token is called with credentials that must
// not reach Alice's connected instance (Bob's account token, Bob's instance token, the token of
// an instance Alice deleted, no token, garbage) and must answer 404 Instance not found or 401 as
// section 3.1 says, never 2xx. Afterwards Alice's instance, community and group are unchanged.
func TestTenancyMatrix(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		// Every operation is probed without a valid token several times over: more than the
		// default unauthenticated and failed-authentication budgets per address, which are not
		// what this test is about.
		e := apptest.Start(t, dsn, func(c *app.Config) { c.PublicRateLimit, c.AuthFailureLimit = 1_000_000, 1_000_000 })
		alice := e.Account("alice")
		aliceInst := e.Instance(alice, "alice-shop")
		own := types.NewJID(e.Pair(alice, "alice-shop", ""), types.DefaultUserServer)
		community, err := e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: own, Name: "Alice's community", IsCommunity: true})
		if err != nil {
			t.Fatal(err)
		}
		group, err := e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: own, Name: "Alice's group"})
		if err != nil {
			t.Fatal(err)
		}
		bob := e.Account("bob")
		bobInst := e.Instance(bob, "bob-shop")
		goneInst := e.Instance(alice, "gone")
		e.Do("DELETE", "/api/instance/delete/gone", alice, nil).Want(http.StatusOK)

		v, err := openapitest.Load(httpapi.OpenAPIDocument())
		if err != nil {
			t.Fatal(err)
		}
		tgt := badInputTarget{account: alice, instance: "alice-shop", instanceToken: aliceInst,
			communityJID: community.JID.String(), groupJID: group.JID.String(), phone: own.User}
		// want is a credential's expected status and messages for op; onInstance says whether op
		// names Alice's instance. Status 0: a valid token for its own account on a route without an
		// instance, checked instead by what it must not see.
		type want func(op openapitest.Operation, onInstance bool) (int, []string)
		unauthorized := func(messages ...string) want {
			return func(openapitest.Operation, bool) (int, []string) { return http.StatusUnauthorized, messages }
		}
		foreign := func(instanceToken bool) want {
			return func(op openapitest.Operation, onInstance bool) (int, []string) {
				switch {
				case instanceToken && op.Scope == "account":
					return http.StatusUnauthorized, []string{"Invalid token"}
				case onInstance:
					return http.StatusNotFound, []string{"Instance not found"}
				}
				return 0, nil
			}
		}
		credentials := []struct {
			name, token string
			want        want
		}{
			{"Bob's account token", bob, foreign(false)},
			{"Bob's instance token", bobInst, foreign(true)},
			{"a deleted instance's token", goneInst, unauthorized("Invalid token")},
			{"no token", "", unauthorized(missingTokenMessages...)},
			{"garbage", "garbage token ¡", unauthorized("Invalid token")},
			{"a well-formed unknown instance token", strings.Replace(aliceInst, aliceInst[len(aliceInst)-6:], "AAAAAA", 1),
				unauthorized("Invalid token")},
		}

		covered := 0
		for _, op := range v.Operations() {
			if op.Scope == "public" {
				continue
			}
			covered++
			g := caseGen{op: op, tgt: tgt, rng: rand.New(rand.NewPCG(1, 1))}
			var body []byte
			if g.hasBody() {
				body = g.exampleJSON()
			}
			path := g.path(url.PathEscape("alice-shop"))
			for _, c := range credentials {
				// Routes without an instance: a foreign token is valid for its own account. The
				// sandbox routes act on the one simulated WhatsApp that every account of a --sandbox
				// server shares (documented in openapi.json and the README), so Bob may inspect a
				// simulated group there; the leak check is skipped for them.
				wantStatus, messages := c.want(op, strings.Contains(op.Path, "{instance}"))
				status, header, raw, err := send(http.DefaultClient, e.URL, badRequest{method: op.Method, path: path, body: body,
					contentType: "application/json", token: c.token})
				if err != nil {
					t.Fatalf("%s with %s: %v", op.Pattern(), c.name, err)
				}
				if err := v.Validate(op.Method, path, status, header, raw); err != nil {
					t.Errorf("%s with %s answered %d, which the OpenAPI document does not allow: %v", op.Pattern(), c.name, status, err)
				}
				if status >= 200 && status < 300 {
					// Only a foreign token on a route without an instance may succeed, and then
					// it must not see Alice's instance.
					if wantStatus != 0 || (!op.SandboxOnly && leaksAlice(raw, tgt)) {
						t.Errorf("%s with %s answered %d: %s", op.Pattern(), c.name, status, raw)
					}
					continue
				}
				if wantStatus == 0 {
					if status >= 500 {
						t.Errorf("%s with %s answered %d: %s", op.Pattern(), c.name, status, raw)
					}
					continue
				}
				var env struct {
					Error struct{ Message string } `json:"error"`
				}
				_ = json.Unmarshal(raw, &env)
				if status != wantStatus || !slices.Contains(messages, env.Error.Message) {
					t.Errorf("%s with %s answered %d %q, want %d %q", op.Pattern(), c.name, status, env.Error.Message, wantStatus, messages)
				}
			}
		}
		if covered < 30 {
			t.Fatalf("only %d operations need a token: the document lost routes?", covered)
		}

		// Nothing Bob or the others sent changed Alice's side.
		e.WaitState(alice, "alice-shop", "connected")
		if g, ok := e.App.Sim().Group(group.JID); !ok || g.Name != "Alice's group" || !g.Parent.IsEmpty() {
			t.Errorf("Alice's group changed: %+v", g)
		}
		if c, ok := e.App.Sim().Group(community.JID); !ok || len(c.SubGroups) != 1 {
			t.Errorf("Alice's community changed: %+v", c)
		}
		names := e.Do("GET", "/api/instance/list", alice, nil).Want(http.StatusOK).List("instances")
		if len(names) != 1 {
			t.Errorf("Alice has %d instances, want 1 (alice-shop)", len(names))
		}
	})
}

// leaksAlice reports whether an answer to another tenant mentions Alice's instance or groups.
func leaksAlice(raw []byte, tgt badInputTarget) bool {
	s := string(raw)
	return strings.Contains(s, tgt.instance) || strings.Contains(s, tgt.instanceToken) ||
		strings.Contains(s, strings.TrimSuffix(tgt.groupJID, "@g.us")) ||
		strings.Contains(s, strings.TrimSuffix(tgt.communityJID, "@g.us"))
}
