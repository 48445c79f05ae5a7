package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim"
)

// testLinkInterval paces link writes in the community tests: long enough that a missing wait
// shows in the stanza timestamps, short enough to keep the tests fast.
const testLinkInterval = 60 * time.Millisecond

// communityEnv is a sandbox gateway with one connected instance ("shop") whose phone owns the
// groups the test creates in the simulator.
type communityEnv struct {
	*apptest.Env
	t    *testing.T
	acc  string
	own  types.JID // the instance's phone, as a user JID
	seq  int
	sims map[string]types.JID // other simulated users, by name
}

func startCommunityEnv(t *testing.T, dsn string, configure ...func(*app.Config)) *communityEnv {
	t.Helper()
	configure = append([]func(*app.Config){func(c *app.Config) { c.LinkInterval = testLinkInterval }}, configure...)
	e := apptest.Start(t, dsn, configure...)
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	phone := e.Pair(acc, "shop", "")
	return &communityEnv{Env: e, t: t, acc: acc, own: types.NewJID(phone, types.DefaultUserServer), sims: map[string]types.JID{}}
}

// user registers (once) another simulated WhatsApp user with no gateway behind it.
func (c *communityEnv) user(name string) types.JID {
	c.t.Helper()
	if j, ok := c.sims[name]; ok {
		return j
	}
	j, err := c.App.Sim().RegisterPhone("", name)
	if err != nil {
		c.t.Fatalf("register %s: %v", name, err)
	}
	c.sims[name] = j
	return j
}

// create makes a group or community in the simulator as the phone of owner.
func (c *communityEnv) create(req wasim.CreateGroupRequest) wasim.GroupView {
	c.t.Helper()
	if req.Owner.IsEmpty() {
		req.Owner = c.own
	}
	if req.Name == "" {
		c.seq++
		req.Name = fmt.Sprintf("Group %d", c.seq)
	}
	v, err := c.App.Sim().CreateGroup(req)
	if err != nil {
		c.t.Fatalf("create %q: %v", req.Name, err)
	}
	return v
}

// community creates a community owned by the instance and returns it and its announcement group.
func (c *communityEnv) community(name string) (community, announcement types.JID) {
	c.t.Helper()
	v := c.create(wasim.CreateGroupRequest{Name: name, IsCommunity: true})
	if len(v.SubGroups) != 1 {
		c.t.Fatalf("new community %s has subgroups %v, want only its announcement group", v.JID, v.SubGroups)
	}
	return v.JID, v.SubGroups[0]
}

// groups creates n groups owned by the instance.
func (c *communityEnv) groups(n int) []types.JID {
	c.t.Helper()
	out := make([]types.JID, n)
	for i := range out {
		out[i] = c.create(wasim.CreateGroupRequest{}).JID
	}
	return out
}

// parentOf is the simulator's ground truth: the community a group is linked to, or "".
func (c *communityEnv) parentOf(g types.JID) string {
	c.t.Helper()
	v, ok := c.App.Sim().Group(g)
	if !ok {
		c.t.Fatalf("the simulator does not know %s", g)
	}
	if v.Parent.IsEmpty() {
		return ""
	}
	return v.Parent.String()
}

// post sends a link or unlink request for the instance.
func (c *communityEnv) post(route string, community any, groups ...any) *apptest.Response {
	c.t.Helper()
	return c.Do("POST", "/api/community/"+route+"/shop", c.acc, map[string]any{"communityJid": community, "groupJid": groups})
}

// linkWrites are the link and unlink IQs the simulator received since mark, oldest first.
func (c *communityEnv) linkWrites(mark time.Time) []wasim.TraceEntry {
	var out []wasim.TraceEntry
	for _, e := range c.App.Sim().TraceSince(mark) {
		if e.Dir == "in" && e.Tag == "iq" && (strings.Contains(e.XML, "<links") || strings.Contains(e.XML, "<unlink ")) {
			out = append(out, e)
		}
	}
	return out
}

// wantResults checks `results` entry by entry: "status" or "status/reason".
func wantResults(t *testing.T, res *apptest.Response, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for i := range res.List("results") {
		p := fmt.Sprintf("results.%d.", i)
		s := res.Str(p + "status")
		if r := res.Str(p + "reason"); r != "" {
			s += "/" + r
		}
		got[res.Str(p+"jid")] = s
	}
	for jid, w := range want {
		if got[jid] != w {
			t.Errorf("result of %s: %q, want %q\n%s", jid, got[jid], w, res.Raw)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d results, want %d: %s", len(got), len(want), res.Raw)
	}
}

func jids(js ...types.JID) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.String()
	}
	return out
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantGapsAtLeast checks that consecutive writes reached WhatsApp at least min apart. Only a
// lower bound: a slow machine may space them more.
func wantGapsAtLeast(t *testing.T, writes []wasim.TraceEntry, min time.Duration) {
	t.Helper()
	for i := 1; i < len(writes); i++ {
		if gap := writes[i].Time.Sub(writes[i-1].Time); gap < min {
			t.Errorf("writes %d and %d reached WhatsApp %v apart, want at least %v", i-1, i, gap, min)
		}
	}
}
