package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/httpapi/openapitest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestAsyncLinkToCompletion links three groups with ?async=true: 202 at once, then the job ends
// done with the body the synchronous call returns, and the simulator shows the three links.
func TestAsyncLinkToCompletion(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		acc := e.Account("jobs")
		community, groups := communityScene(t, e, acc, 3)

		accepted := e.Do("POST", "/api/community/link/admin?async=true", acc,
			map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)}).Want(http.StatusAccepted)
		id := accepted.Str("job.id")
		if id == "" || accepted.Str("job.status") != "running" || accepted.Str("message") != "Accepted" {
			t.Fatalf("202 answer: %s", accepted.Raw)
		}

		job := waitJobEnd(t, e, acc, "admin", id)
		if job.Str("job.status") != "done" || job.Str("job.kind") != "community.link" ||
			job.Get("job.done") != 3.0 || job.Get("job.total") != 3.0 || job.Str("job.finishedAt") == "" {
			t.Fatalf("finished job: %s", job.Raw)
		}
		if job.Str("job.result.message") != "Linked 3 of 3 groups to community" || job.Get("job.result.success") != true {
			t.Fatalf("job result: %s", job.Raw)
		}
		linked := job.Strings("job.result.linked")
		for _, g := range groups {
			if !slices.Contains(linked, g.String()) {
				t.Errorf("result does not list %s as linked: %v", g, linked)
			}
			if view, ok := e.App.Sim().Group(g); !ok || view.Parent != community {
				t.Errorf("simulator: group %s has parent %v, want %s", g, view.Parent, community)
			}
		}
	})
}

// TestIdempotentLinkReplayedAfterRestart: a link with an Idempotency-Key, a restart, and the
// same request again: the stored answer comes back, word for word, and WhatsApp sees no second
// write. (A real second run would answer already_linked, so the body alone tells them apart.)
func TestIdempotentLinkReplayedAfterRestart(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		acc := e.Account("jobs")
		community, groups := communityScene(t, e, acc, 2)
		body := map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)}

		first := doWithHeaders(t, e, "POST", "/api/community/link/admin", acc, body, "Idempotency-Key", "link-42")
		first.Want(http.StatusOK)
		if first.Str("message") != "Linked 2 of 2 groups to community" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first link: %s", first.Raw)
		}
		if n := linkWrites(e.App.Sim()); n != 2 {
			t.Fatalf("the first link sent %d link IQs, want 2 (the trace check below relies on seeing them)", n)
		}

		e.Restart()
		// Connected again, so a second run could write to WhatsApp if the replay failed.
		e.WaitState(acc, "admin", "connected")
		again := doWithHeaders(t, e, "POST", "/api/community/link/admin", acc, body, "Idempotency-Key", "link-42")
		again.Want(http.StatusOK)
		if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("after restart: %s (replayed %q), want the replay of %s", again.Raw, again.Header.Get("Idempotent-Replayed"), first.Raw)
		}
		if n := linkWrites(e.App.Sim()); n != 0 {
			t.Fatalf("the replay sent %d link IQs to WhatsApp", n)
		}
		for _, g := range groups {
			if view, _ := e.App.Sim().Group(g); view.Parent != community {
				t.Errorf("group %s lost its parent", g)
			}
		}

		// The same key with another body is refused, still without a write.
		doWithHeaders(t, e, "POST", "/api/community/link/admin", acc,
			map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups[:1])}, "Idempotency-Key", "link-42").
			WantError(http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different request body")
		if n := linkWrites(e.App.Sim()); n != 0 {
			t.Fatalf("a refused key sent %d link IQs", n)
		}
	})
}

// communityScene pairs instance "admin" and has the simulator create, with the admin's phone as
// owner, a community and n groups to link into it.
func communityScene(t *testing.T, e *apptest.Env, acc string, n int) (types.JID, []types.JID) {
	t.Helper()
	e.Instance(acc, "admin")
	owner := types.NewJID(e.Pair(acc, "admin", ""), types.DefaultUserServer)
	sim := e.App.Sim()
	community, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: "Neighbours", IsCommunity: true})
	if err != nil {
		t.Fatal(err)
	}
	var groups []types.JID
	for i := range n {
		g, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: "Street " + string(rune('A'+i))})
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.JID)
	}
	return community.JID, groups
}

func jidStrings(jids []types.JID) []string {
	out := make([]string, len(jids))
	for i, j := range jids {
		out[i] = j.String()
	}
	return out
}

// linkWrites counts the link IQs the simulator received (its trace starts empty at each boot).
func linkWrites(sim *wasim.Server) int {
	n := 0
	for _, st := range sim.Trace() {
		if st.Dir == "in" && st.Tag == "iq" && strings.Contains(st.XML, "<links") {
			n++
		}
	}
	return n
}

// waitJobEnd polls the job until it leaves running; the deadline only bounds a broken test.
func waitJobEnd(t *testing.T, e *apptest.Env, token, instance, id string) *apptest.Response {
	t.Helper()
	deadline := time.Now().Add(apptest.Timeout)
	for {
		res := e.Do("GET", "/api/job/get/"+instance+"?id="+id, token, nil).Want(http.StatusOK)
		if res.Str("job.status") != "running" {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running: %s", id, res.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var jobsOpenAPI = sync.OnceValues(func() (*openapitest.Validator, error) {
	return openapitest.Load(httpapi.OpenAPIDocument())
})

// doWithHeaders is apptest's Do with extra request headers (apptest.Do sends none), checked
// against the OpenAPI document the same way.
func doWithHeaders(t *testing.T, e *apptest.Env, method, path, token string, body any, headers ...string) *apptest.Response {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := &apptest.Response{T: t, Status: resp.StatusCode, Header: resp.Header}
	if r.Raw, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if v, err := jobsOpenAPI(); err != nil {
		t.Errorf("OpenAPI document: %v", err)
	} else if err := v.Validate(method, path, r.Status, r.Header, r.Raw); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v", method, path, r.Status, err)
	}
	if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, r.Raw)
	}
	return r
}
