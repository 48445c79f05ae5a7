package e2e

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim"
)

// groupScene is a scene whose instance "admin" administers the groups. Every call uses the
// account token, which reaches all the account's instances.
type groupScene struct{ *scene }

func newGroupScene(t *testing.T, dsn string, configure ...func(*app.Config)) *groupScene {
	t.Helper()
	return &groupScene{startScene(t, dsn, "groups", "admin", configure...)}
}

// do calls a route of instance inst: do("POST", "create", "admin", body).
func (s *groupScene) do(method, route, inst string, body any) *apptest.Response {
	s.t.Helper()
	return s.e.Do(method, "/api/group/"+route+"/"+inst, s.acc, body)
}

// query calls a GET or DELETE route with query parameters.
func (s *groupScene) query(method, route, inst string, params url.Values) *apptest.Response {
	s.t.Helper()
	return s.e.Do(method, "/api/group/"+route+"/"+inst+"?"+params.Encode(), s.acc, nil)
}

// create makes a group through the API and returns its JID.
func (s *groupScene) create(name string, participants ...string) string {
	s.t.Helper()
	if participants == nil {
		participants = []string{}
	}
	res := s.do("POST", "create", "admin", map[string]any{"name": name, "participants": participants}).Want(http.StatusCreated)
	return res.Str("group.jid")
}

// sim is the simulator's ground truth for a group.
func (s *groupScene) sim(jid string) wasim.GroupView {
	s.t.Helper()
	j, err := types.ParseJID(jid)
	if err != nil {
		s.t.Fatalf("parse %q: %v", jid, err)
	}
	g, ok := s.e.App.Sim().Group(j)
	if !ok {
		s.t.Fatalf("the simulator has no group %s", jid)
	}
	return g
}

// roles maps each member's phone number to its role in the simulator ("member", "admin",
// "superadmin").
func roles(g wasim.GroupView) map[string]string {
	out := map[string]string{}
	for _, p := range g.Participants {
		role := p.Role
		if role == "" {
			role = "member"
		}
		out[p.JID.User] = role
	}
	return out
}

// results maps each per-participant result's jid to its reason ("ok" when it succeeded).
func results(t *testing.T, res *apptest.Response, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := range res.List(path) {
		prefix := path + "." + strconv.Itoa(i) + "."
		jid := res.Str(prefix + "jid")
		if res.Get(prefix+"success") == true {
			out[jid] = "ok"
			continue
		}
		if res.Str(prefix+"error") == "" {
			t.Fatalf("failed participant %s has no error text: %s", jid, res.Raw)
		}
		out[jid] = res.Str(prefix + "reason")
	}
	return out
}

func userJID(phone string) string { return phone + "@s.whatsapp.net" }

// pngBase64 is a small two-colour PNG, base64-encoded, as a client would send a picture.
func pngBase64(t *testing.T) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			img.Set(x, y, color.NRGBA{uint8(x * 8), 0, uint8(y * 8), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
