package e2e

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// testPNG is a small opaque PNG, the kind of logo a client uploads.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 5), G: 120, B: uint8(y * 7), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// simGroup is the simulator's ground truth for a JID the API returned.
func simGroup(t *testing.T, c *communityEnv, jid string) wasim.GroupView {
	t.Helper()
	j, err := types.ParseJID(jid)
	if err != nil {
		t.Fatalf("answer JID %q: %v", jid, err)
	}
	v, ok := c.App.Sim().Group(j)
	if !ok {
		t.Fatalf("the simulator does not know %s", jid)
	}
	return v
}

// TestCommunityCreateWithImageAndGroups creates a community with a picture served over HTTP,
// a description, approval mode and two groups to link, and checks it all in the simulator.
func TestCommunityCreateWithImageAndGroups(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		// The picture is served from loopback, which only an operator's opt-in allows.
		c := startCommunityEnv(t, dsn, func(cfg *app.Config) { cfg.AllowPrivateImageURLs = true })
		logo := testPNG(t)
		images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(logo)
		}))
		defer images.Close()
		g := c.groups(2)

		res := c.Do("POST", "/api/community/create/shop", c.acc, map[string]any{
			"name":                   "Neighbours",
			"description":            "Our street",
			"image":                  images.URL + "/logo.png",
			"groupJid":               []string{g[0].String(), g[1].User, g[0].String()},
			"membershipApprovalMode": "request_required",
		}).Want(http.StatusCreated)
		if res.Body["isCommunity"] != true || res.Str("message") != "Community created successfully; linked 2 of 2 groups" {
			t.Fatalf("answer: %s", res.Raw)
		}
		if res.Get("imageError") != nil {
			t.Fatalf("imageError: %s", res.Raw)
		}
		wantStrings(t, "linkedGroups", res.Strings("linkedGroups"), jids(g...))
		wantStrings(t, "failedGroups", res.Strings("failedGroups"), nil)

		jid := res.Str("group.jid")
		v := simGroup(t, c, jid)
		if !v.IsCommunity || v.Name != "Neighbours" || v.Description != "Our street" || !v.JoinApproval || v.PictureID == "" {
			t.Fatalf("simulator: %+v", v)
		}
		if len(v.SubGroups) != 3 || res.Str("announcementJid") != v.SubGroups[0].String() {
			t.Fatalf("announcementJid %q, simulator's subgroups %v", res.Str("announcementJid"), v.SubGroups)
		}
		for _, j := range g {
			if p := c.parentOf(j); p != jid {
				t.Errorf("simulator: %s linked to %q, want %s", j, p, jid)
			}
		}
		if res.Str("group.name") != "Neighbours" || res.Str("group.description") != "Our street" ||
			res.Str("group.createdBy") != c.own.String() || res.Get("group.groupSettings.requireAdminApproval") != true {
			t.Fatalf("group: %s", res.Raw)
		}
		if code := res.Str("group.inviteCode"); code == "" || res.Str("group.inviteLink") != "https://chat.whatsapp.com/"+code {
			t.Fatalf("invite: %s", res.Raw)
		}
	})
}

// TestCommunityCreate runs the create cases that need no image server on one gateway.
func TestCommunityCreate(t *testing.T) {
	c := startCommunityEnv(t, storetest.SQLiteDSN(t))
	c.Instance(c.acc, "idle") // never paired
	// Base64 (bare and data URI) works; a broken image, or a private URL without the operator's
	// opt-in, is reported in imageError and the community still exists.
	t.Run("images", func(t *testing.T) {
		raw := testPNG(t)
		logo := base64.StdEncoding.EncodeToString(raw)
		private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Error("the gateway fetched a private URL without the operator's opt-in")
		}))
		defer private.Close()

		for _, tc := range []struct {
			name, image, imageError string
		}{
			{"None", "", ""},
			{"Bare", logo, ""},
			{"DataURI", "data:image/png;base64," + logo, ""},
			{"Garbage", base64.StdEncoding.EncodeToString([]byte("this is not an image")), "image format not supported: use PNG, JPEG or GIF"},
			{"Truncated", base64.StdEncoding.EncodeToString(raw[:60]), "image data is corrupt or truncated"},
			{"Private", private.URL + "/logo.png", "image URL refused: it points to a private or local network address"},
		} {
			body := map[string]any{"name": tc.name}
			if tc.image != "" {
				body["image"] = tc.image
			}
			res := c.Do("POST", "/api/community/create/shop", c.acc, body).Want(http.StatusCreated)
			if res.Str("imageError") != tc.imageError {
				t.Errorf("%s: imageError %q, want %q", tc.name, res.Str("imageError"), tc.imageError)
			}
			v := simGroup(t, c, res.Str("group.jid"))
			if !v.IsCommunity || v.Name != tc.name {
				t.Errorf("%s: simulator %+v", tc.name, v)
			}
			if hasPicture := v.PictureID != ""; hasPicture != (tc.image != "" && tc.imageError == "") {
				t.Errorf("%s: picture set = %v", tc.name, hasPicture)
			}
			if res.Str("message") != "Community created successfully" || len(res.List("results")) != 0 {
				t.Errorf("%s: %s", tc.name, res.Raw)
			}
		}
	})

	// When WhatsApp refuses to create a parent group, a regular group is created instead, and
	// groupJid is not linked.
	t.Run("fallback", func(t *testing.T) {
		g := c.groups(1)[0]
		c.App.Sim().AddFault(wasim.FaultRule{Match: "create", Code: 400})

		res := c.Do("POST", "/api/community/create/shop", c.acc, map[string]any{"name": "Refused", "groupJid": []string{g.String()}}).Want(http.StatusCreated)
		if res.Body["isCommunity"] != false || res.Body["success"] != true ||
			res.Str("message") != "WhatsApp refused to create a community; a regular group was created instead; linked 0 of 1 groups" {
			t.Fatalf("answer: %s", res.Raw)
		}
		if res.Get("announcementJid") != nil {
			t.Fatalf("a regular group has no announcement group: %s", res.Raw)
		}
		v := simGroup(t, c, res.Str("group.jid"))
		if v.IsCommunity || v.Name != "Refused" {
			t.Fatalf("simulator: %+v", v)
		}
		wantStrings(t, "failedGroups", res.Strings("failedGroups"), jids(g))
		wantResults(t, res, map[string]string{g.String(): "failed/whatsapp_error"})
		if p := c.parentOf(g); p != "" {
			t.Fatalf("group linked to %q", p)
		}
	})

	// ?async=true: 202 at once, and the job ends with the body the synchronous call returns. A
	// request refused by validation gets its error directly, not a job.
	t.Run("async", func(t *testing.T) {
		g := c.groups(2)
		accepted := c.Do("POST", "/api/community/create/shop?async=true", c.acc,
			map[string]any{"name": "Later", "groupJid": jids(g...)}).Want(http.StatusAccepted)
		id := accepted.Str("job.id")
		var job *apptest.Response
		for deadline := time.Now().Add(apptest.Timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			job = c.Do("GET", "/api/job/get/shop?id="+id, c.acc, nil).Want(http.StatusOK)
			if job.Str("job.status") != "running" {
				break
			}
		}
		if job.Str("job.status") != "done" || job.Str("job.kind") != "community.create" || job.Get("job.done") != 2.0 || job.Get("job.total") != 2.0 {
			t.Fatalf("job: %s", job.Raw)
		}
		if job.Str("job.result.message") != "Community created successfully; linked 2 of 2 groups" || job.Get("job.result.isCommunity") != true {
			t.Fatalf("job result: %s", job.Raw)
		}
		for _, j := range g {
			if p := c.parentOf(j); p != job.Str("job.result.group.jid") {
				t.Errorf("simulator: %s linked to %q", j, p)
			}
		}
		c.Do("POST", "/api/community/create/shop?async=true", c.acc, map[string]any{}).WantError(400, "name is required")
	})

	// The body is checked before the instance, then the session.
	t.Run("validation", func(t *testing.T) {
		path := "/api/community/create/"
		for _, tc := range []struct {
			instance string
			body     any
			status   int
			message  string
		}{
			{"shop", nil, 400, "Invalid request body"},
			{"shop", map[string]any{"name": 7}, 400, "Invalid request body"},
			{"shop", map[string]any{}, 400, "name is required"},
			{"shop", map[string]any{"name": "   "}, 400, "name is required"},
			{"shop", map[string]any{"name": strings.Repeat("n", 26)}, 400, "name must be at most 25 characters"},
			{"shop", map[string]any{"name": "ok", "description": strings.Repeat("d", 2049)}, 400, "description must be valid text of at most 2048 characters"},
			{"shop", map[string]any{"name": "ok", "membershipApprovalMode": "open"}, 400, `membershipApprovalMode must be "request_required" or ""`},
			{"nobody", map[string]any{}, 400, "name is required"},
			{"nobody", map[string]any{"name": "ok"}, 404, "Instance not found"},
			{"idle", map[string]any{"name": "ok"}, 400, "Instance is not connected to WhatsApp"},
		} {
			c.Do("POST", path+tc.instance, c.acc, tc.body).WantError(tc.status, tc.message)
		}
		// 25 characters, counted as characters rather than bytes.
		name := strings.Repeat("é", 25)
		res := c.Do("POST", path+"shop", c.acc, map[string]any{"name": name, "membershipApprovalMode": ""}).Want(http.StatusCreated)
		if v := simGroup(t, c, res.Str("group.jid")); v.Name != name || v.JoinApproval {
			t.Fatalf("simulator: %+v", v)
		}
	})
}
