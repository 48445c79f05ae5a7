package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestGroupUpdate changes name, description, permissions and picture, checking each change in
// the simulator, and covers the refusals: an empty update, a bad image, a member who is not an
// admin and a group the instance is not in. The operator allows private image URLs here, so a
// picture can come from a local test server.
func TestGroupUpdate(t *testing.T) {
	s := newGroupScene(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.AllowPrivateImageURLs = true })
	memberPhone := s.pairInstance("member")
	jid := s.create("Before", memberPhone)
	update := func(body map[string]any) map[string]any {
		body["identifier"] = jid
		return body
	}

	res := s.do("PUT", "update", "admin", update(map[string]any{"name": "After", "description": "New topic"})).Want(http.StatusOK)
	if res.Str("message") != "Group updated successfully: name, description" {
		t.Fatalf("message should list the updated fields: %s", res.Raw)
	}
	g := s.sim(jid)
	if g.Name != "After" || g.Description != "New topic" {
		t.Fatalf("simulator has %q / %q", g.Name, g.Description)
	}
	checkGroupInfo(t, res, "group", g, s.phone)

	// The same values again: nothing is written.
	res = s.do("PUT", "update", "admin", update(map[string]any{"name": "After", "description": "New topic"})).Want(http.StatusOK)
	if res.Str("message") != "No changes: the group already has these values" || len(res.List("updated")) != 0 {
		t.Fatalf("a repeat must change nothing: %s", res.Raw)
	}

	res = s.do("PUT", "update", "admin", update(map[string]any{"groupSettings": map[string]any{
		"membersCanEditInfo": false, "membersCanSendMessages": false, "membersCanAddOthers": true, "requireAdminApproval": true,
	}})).Want(http.StatusOK)
	g = s.sim(jid)
	if !g.Locked || !g.Announce || g.MemberAddMode != "all_member_add" || !g.JoinApproval {
		t.Fatalf("simulator settings: locked %v, announce %v, add mode %q, approval %v", g.Locked, g.Announce, g.MemberAddMode, g.JoinApproval)
	}
	if !reflect.DeepEqual(res.Strings("updated"), []string{"groupSettings"}) {
		t.Fatalf("updated: %s", res.Raw)
	}
	checkGroupInfo(t, res, "group", g, s.phone)

	// An empty description clears it; omitting it keeps it.
	s.do("PUT", "update", "admin", update(map[string]any{"name": "Cleared"})).Want(http.StatusOK)
	if g := s.sim(jid); g.Description != "New topic" {
		t.Fatalf("omitting description must keep it, simulator has %q", g.Description)
	}
	s.do("PUT", "update", "admin", update(map[string]any{"description": ""})).Want(http.StatusOK)
	if g := s.sim(jid); g.Description != "" {
		t.Fatalf("description should be cleared, simulator has %q", g.Description)
	}

	s.do("PUT", "update", "admin", update(map[string]any{"image": pngBase64(t)})).Want(http.StatusOK)
	first := s.sim(jid).PictureID
	if first == "" {
		t.Fatal("the picture was not set in the simulator")
	}
	// GroupDetail.image is a URL that serves the picture (in the sandbox, the simulator's).
	info := s.query("GET", "info", "admin", url.Values{"identifier": {jid}}).Want(http.StatusOK)
	firstURL := info.Str("group.image")
	if !strings.HasSuffix(firstURL, "/"+first) {
		t.Fatalf("group.image %q does not name picture %s: %s", firstURL, first, info.Raw)
	}
	if status, body := fetch(t, firstURL); status != http.StatusOK || !bytes.HasPrefix(body, []byte{0xFF, 0xD8, 0xFF}) {
		t.Fatalf("GET %s: %d, %d bytes, want a JPEG", firstURL, status, len(body))
	}
	picture, err := base64.StdEncoding.DecodeString(pngBase64(t))
	if err != nil {
		t.Fatal(err)
	}
	pictures := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/team.png" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(picture)
	}))
	defer pictures.Close()
	s.do("PUT", "update", "admin", update(map[string]any{"image": pictures.URL + "/team.png"})).Want(http.StatusOK)
	if id := s.sim(jid).PictureID; id == "" || id == first {
		t.Fatalf("the picture from the URL was not set: simulator picture %q (before %q)", id, first)
	}
	s.do("PUT", "update", "admin", update(map[string]any{"image": pictures.URL + "/missing.png"})).
		WantError(http.StatusBadRequest, "image could not be downloaded: the server answered HTTP 404")
	// removeImage wins over image.
	res = s.do("PUT", "update", "admin", update(map[string]any{"image": pngBase64(t), "removeImage": true})).Want(http.StatusOK)
	if s.sim(jid).PictureID != "" || res.Str("message") != "Group updated successfully: image" {
		t.Fatalf("removeImage: simulator picture %q: %s", s.sim(jid).PictureID, res.Raw)
	}
	if image := s.query("GET", "info", "admin", url.Values{"identifier": {jid}}).Want(http.StatusOK).Get("group.image"); image != nil {
		t.Fatalf("group.image after removeImage: %v, want null", image)
	}
	if status, _ := fetch(t, firstURL); status != http.StatusNotFound {
		t.Fatalf("the replaced picture's URL answers %d, want 404", status)
	}

	s.do("PUT", "update", "admin", map[string]any{"name": "x"}).WantError(http.StatusBadRequest, "Identifier is required")
	s.do("PUT", "update", "admin", update(map[string]any{})).
		WantError(http.StatusBadRequest, "At least one field to update is required: name, description, image, removeImage or groupSettings")
	s.do("PUT", "update", "admin", update(map[string]any{"name": " "})).WantError(http.StatusBadRequest, "Group name is required")
	s.do("PUT", "update", "admin", update(map[string]any{"name": "Never", "image": "bm90IGFuIGltYWdl"})).
		WantError(http.StatusBadRequest, "image format not supported: use PNG, JPEG or GIF")
	if g := s.sim(jid); g.Name != "Cleared" {
		t.Fatalf("a refused update must change nothing, simulator name %q", g.Name)
	}

	// The member instance is in the group but not an admin.
	s.do("PUT", "update", "member", update(map[string]any{"name": "Hijack"})).
		WantError(http.StatusForbidden, "Not authorized to update group (must be admin)")
	if g := s.sim(jid); g.Name != "Cleared" {
		t.Fatalf("a non-admin changed the name to %q", g.Name)
	}

	// A group of someone else's that the instance is not in, and one that does not exist.
	alice := types.NewJID(s.user("Alice"), types.DefaultUserServer)
	foreign, err := s.e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: alice, Name: "Alice's"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{foreign.JID.String(), "120363999999999999@g.us"} {
		s.do("PUT", "update", "admin", map[string]any{"identifier": id, "name": "x"}).
			WantError(http.StatusNotFound, "Group not found or you are not a member of this group")
	}
	s.do("PUT", "update", "admin", map[string]any{"identifier": "5511999999999@s.whatsapp.net", "name": "x"}).
		WantError(http.StatusBadRequest, "Invalid group JID: not a group jid")
	s.do("PUT", "update", "admin", map[string]any{"identifier": "https://example.com/abc", "name": "x"}).
		WantError(http.StatusBadRequest, "Invalid invite link: expected https://chat.whatsapp.com/CODE")
}

// fetch GETs a URL the API handed out (a picture) and returns the status and body.
func fetch(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
