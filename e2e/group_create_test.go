package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// notOnWhatsApp is a number no simulated phone ever registers.
const notOnWhatsApp = "4470000000999"

// TestGroupCreateInfoAndList creates a group with everything the create route takes, then reads
// it back through info (by JID, code, link and bare id) and list, each answer checked against
// the simulator's state of the group.
func TestGroupCreateInfoAndList(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newGroupScene(t, dsn)
		alice, bob := s.user("Alice"), s.user("Bob")
		res := s.do("POST", "create", "admin", map[string]any{
			"name": "  Dev Team ",
			// bob twice (number with +, then JID), a number not on WhatsApp and garbage.
			"participants":  []string{alice, "+" + bob, userJID(bob), notOnWhatsApp, "not-a-number"},
			"description":   "Technical discussions",
			"image":         pngBase64(t),
			"groupSettings": map[string]any{"membersCanSendMessages": false, "requireAdminApproval": true, "membersCanAddOthers": true},
		}).Want(http.StatusCreated)
		jid := res.Str("group.jid")
		g := s.sim(jid)

		if g.Name != "Dev Team" || g.Description != "Technical discussions" {
			t.Fatalf("simulator has name %q, description %q", g.Name, g.Description)
		}
		if !g.Announce || !g.JoinApproval || g.MemberAddMode != "all_member_add" || g.Locked || g.PictureID == "" {
			t.Fatalf("simulator settings: announce %v, approval %v, add mode %q, locked %v, picture %q",
				g.Announce, g.JoinApproval, g.MemberAddMode, g.Locked, g.PictureID)
		}
		wantRoles := map[string]string{s.phone: "superadmin", alice: "member", bob: "member"}
		if got := roles(g); !reflect.DeepEqual(got, wantRoles) {
			t.Fatalf("simulator members %v, want %v", got, wantRoles)
		}

		wantResults := map[string]string{userJID(alice): "ok", userJID(bob): "ok", userJID(notOnWhatsApp): "not_on_whatsapp", "not-a-number": "invalid_number"}
		if got := results(t, res, "participants"); !reflect.DeepEqual(got, wantResults) {
			t.Fatalf("participant results %v, want %v: %s", got, wantResults, res.Raw)
		}
		if len(res.List("participants")) != 4 {
			t.Fatalf("want one result per distinct participant: %s", res.Raw)
		}
		if res.Get("imageError") != nil || res.Get("warnings") != nil {
			t.Fatalf("nothing should have failed after creation: %s", res.Raw)
		}
		checkGroupInfo(t, res, "group", g, s.phone)

		identifiers := map[string]string{
			"jid":     jid,
			"code":    g.InviteCode,
			"link":    "https://chat.whatsapp.com/" + g.InviteCode,
			"bare id": strings.TrimSuffix(jid, "@g.us"),
		}
		for form, id := range identifiers {
			info := s.query("GET", "info", "admin", url.Values{"identifier": {id}}).Want(http.StatusOK)
			if info.Str("group.jid") != jid {
				t.Fatalf("info by %s: %s", form, info.Raw)
			}
			checkGroupInfo(t, info, "group", g, s.phone)
		}
		info := s.query("GET", "info", "admin", url.Values{"identifier": {jid}})
		for _, field := range []string{"group.createdAt", "group.metadata.nameSetBy", "group.metadata.descriptionSetBy", "group.participants.0.lid"} {
			if info.Str(field) == "" {
				t.Fatalf("GroupDetail lacks %s: %s", field, info.Raw)
			}
		}
		if info.Get("group.isDefaultSubGroup") != false || info.Get("group.isEphemeral") != false {
			t.Fatalf("GroupDetail flags: %s", info.Raw)
		}
		brief := s.query("GET", "info", "admin", url.Values{"identifier": {jid}, "participants": {"false"}}).Want(http.StatusOK)
		if _, present := brief.Body["group"].(map[string]any)["participants"]; present || brief.Get("group.participantCount") != 3.0 {
			t.Fatalf("participants=false must leave the members out but keep the count: %s", brief.Raw)
		}

		list := s.query("GET", "list", "admin", nil).Want(http.StatusOK)
		if list.Str("message") != "1 group(s) found" || list.Str("groups.0.jid") != jid || len(list.List("groups.0.participants")) != 3 {
			t.Fatalf("list: %s", list.Raw)
		}
		slim := s.query("GET", "list", "admin", url.Values{"participants": {"false"}}).Want(http.StatusOK)
		if slim.Get("groups.0.participants") != nil || slim.Get("groups.0.participantCount") != 3.0 {
			t.Fatalf("list with participants=false: %s", slim.Raw)
		}
	})
}

// checkGroupInfo compares the GroupInfo at path with the simulator's group.
func checkGroupInfo(t *testing.T, res *apptest.Response, path string, g wasim.GroupView, creator string) {
	t.Helper()
	if res.Str(path+".name") != g.Name || res.Str(path+".description") != g.Description {
		t.Fatalf("%s: name/description differ from the simulator's %q/%q", path, g.Name, g.Description)
	}
	if res.Str(path+".inviteCode") != g.InviteCode || res.Str(path+".inviteLink") != "https://chat.whatsapp.com/"+g.InviteCode {
		t.Fatalf("%s: invite %q/%q, simulator has %q", path, res.Str(path+".inviteCode"), res.Str(path+".inviteLink"), g.InviteCode)
	}
	if res.Str(path+".createdBy") != userJID(creator) {
		t.Fatalf("%s: createdBy %q, want %s", path, res.Str(path+".createdBy"), userJID(creator))
	}
	if res.Get(path+".participantCount") != float64(len(g.Participants)) {
		t.Fatalf("%s: participantCount %v, simulator has %d members", path, res.Get(path+".participantCount"), len(g.Participants))
	}
	settings := map[string]bool{
		"membersCanEditInfo":     !g.Locked,
		"membersCanSendMessages": !g.Announce,
		"membersCanAddOthers":    g.MemberAddMode == "all_member_add",
		"requireAdminApproval":   g.JoinApproval,
	}
	for name, want := range settings {
		if res.Get(path+".groupSettings."+name) != want {
			t.Fatalf("%s: groupSettings.%s is %v, want %v", path, name, res.Get(path+".groupSettings."+name), want)
		}
	}
	admins := map[string]bool{}
	for _, p := range g.Participants {
		admins[userJID(p.JID.User)] = p.Role != ""
	}
	for i := range res.List(path + ".participants") {
		p := path + ".participants." + strconv.Itoa(i)
		isAdmin, known := admins[res.Str(p+".jid")]
		if !known || res.Get(p+".isAdmin") != isAdmin {
			t.Fatalf("%s: participant %s (admin %v) is not as in the simulator", path, res.Str(p+".jid"), res.Get(p+".isAdmin"))
		}
	}
}

// TestGroupCreateRefusals covers create's validation, the community checks and a picture that
// cannot be fetched, which must not stop the creation.
func TestGroupCreateRefusals(t *testing.T) {
	s := newGroupScene(t, storetest.SQLiteDSN(t))
	alice := s.user("Alice")

	s.do("POST", "create", "admin", map[string]any{"participants": []string{alice}}).WantError(http.StatusBadRequest, "Group name is required")
	s.do("POST", "create", "admin", map[string]any{"name": strings.Repeat("x", 101)}).
		WantError(http.StatusBadRequest, "Group name must be valid text of at most 100 characters")
	s.do("POST", "create", "admin", `{"name":"x","participants":"5511999999999"}`).WantError(http.StatusBadRequest, "Invalid request body")
	s.do("POST", "create", "admin", map[string]any{"name": "x", "communityJid": userJID(alice)}).
		WantError(http.StatusBadRequest, "invalid community JID: not a group jid")
	s.do("POST", "create", "admin", map[string]any{"name": "x", "communityJid": "120363999999999999@g.us"}).
		WantError(http.StatusNotFound, "Community not found or you are not a member of this community")
	plain := s.create("Plain")
	s.do("POST", "create", "admin", map[string]any{"name": "x", "communityJid": plain}).
		WantError(http.StatusBadRequest, "communityJid is not a community")

	// A community of Alice's where the instance is only a member.
	adminJID := types.NewJID(s.phone, types.DefaultUserServer)
	aliceJID := types.NewJID(alice, types.DefaultUserServer)
	foreign, err := s.e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: aliceJID, Name: "Alice's", IsCommunity: true, Participants: []types.JID{adminJID}})
	if err != nil {
		t.Fatal(err)
	}
	s.do("POST", "create", "admin", map[string]any{"name": "x", "communityJid": foreign.JID.String()}).
		WantError(http.StatusForbidden, "Not authorized to create a group in this community (must be admin)")

	// The instance's own community: the group is born linked to it (a bare id is accepted).
	own, err := s.e.App.Sim().CreateGroup(wasim.CreateGroupRequest{Owner: adminJID, Name: "Ours", IsCommunity: true})
	if err != nil {
		t.Fatal(err)
	}
	res := s.do("POST", "create", "admin", map[string]any{"name": "Inside", "communityJid": own.JID.User}).Want(http.StatusCreated)
	if g := s.sim(res.Str("group.jid")); g.Parent != own.JID {
		t.Fatalf("group created in community %s has parent %s", own.JID, g.Parent)
	}

	// A picture on a private address is refused; the group exists anyway, without a picture.
	pictures := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the gateway must not fetch from a private address")
	}))
	defer pictures.Close()
	res = s.do("POST", "create", "admin", map[string]any{"name": "No picture", "image": pictures.URL + "/a.png"}).Want(http.StatusCreated)
	if !strings.Contains(res.Str("imageError"), "private or local network address") {
		t.Fatalf("imageError should say why: %s", res.Raw)
	}
	if g := s.sim(res.Str("group.jid")); g.PictureID != "" || g.Name != "No picture" {
		t.Fatalf("simulator: picture %q, name %q", g.PictureID, g.Name)
	}
	res = s.do("POST", "create", "admin", map[string]any{"name": "Bad picture", "image": "bm90IGFuIGltYWdl"}).Want(http.StatusCreated)
	if res.Str("imageError") != "image format not supported: use PNG, JPEG or GIF" {
		t.Fatalf("imageError: %s", res.Raw)
	}

	s.e.Instance(s.acc, "idle")
	s.do("POST", "create", "idle", map[string]any{"name": "x"}).WantError(http.StatusBadRequest, "Instance is not connected to WhatsApp")
	s.do("POST", "create", "nobody", map[string]any{"name": "x"}).WantError(http.StatusNotFound, "Instance not found")
}
