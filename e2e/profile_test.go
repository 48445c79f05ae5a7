package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// profilePNG is a w×h PNG, red on the left half and blue on the right, as a data URI.
func profilePNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// fetchPicture downloads a picture URL the API answered.
func fetchPicture(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return body
}

// TestProfileUpdateReachesWhatsApp: the push name, about text and picture set through the API
// are what WhatsApp holds (the picture by SHA-256 of the bytes it serves), the push name is in
// the phone's app state, the same values again change nothing, and "" removes the picture.
func TestProfileUpdateReachesWhatsApp(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	sim := s.e.App.Sim()
	update := map[string]any{"profileName": "Acme Support", "profileStatus": "We answer 9-18h", "profilePicture": profilePNG(t, 1000, 800)}
	res := s.e.Do("POST", "/api/profile/account/sender", s.acc, update).Want(http.StatusOK)
	if got := res.Strings("updatedFields"); !slices.Equal(got, []string{"profileName", "profileStatus", "profilePicture"}) {
		t.Fatalf("updatedFields %v", got)
	}

	truth, err := sim.Profile(s.phone)
	if err != nil {
		t.Fatal(err)
	}
	if truth.PushName != "Acme Support" || truth.About != "We answer 9-18h" || truth.PictureID == "" {
		t.Fatalf("WhatsApp holds %+v", truth)
	}
	s.waitFor("the phone's app state has the push name", func() bool {
		entries, err := sim.PhoneAppState(s.phone)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(entries, func(e wasim.AppStateEntry) bool {
			return slices.Equal(e.Index, []string{"setting_pushName"}) && e.Action.GetPushNameSetting().GetName() == "Acme Support"
		})
	})
	_, stored, err := sim.UserPicture(s.phone)
	if err != nil {
		t.Fatal(err)
	}
	pic, err := jpeg.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatalf("WhatsApp's picture is not a JPEG: %v", err)
	}
	if b := pic.Bounds(); b.Dx() != 640 || b.Dy() != 640 {
		t.Fatalf("picture is %v, want 640×640", b)
	}
	if r, _, bl, _ := pic.At(100, 320).RGBA(); r>>8 < 180 || bl>>8 > 60 {
		t.Fatalf("the centred square's left side is not red: %d %d", r>>8, bl>>8)
	}

	own := s.e.Do("GET", "/api/profile/getAccount/sender", s.acc, nil).Want(http.StatusOK)
	if own.Str("profile.profileName") != "Acme Support" || own.Str("profile.profileStatus") != "We answer 9-18h" ||
		own.Str("profile.phoneNumber") != s.phone || own.Str("profile.jid") != s.phone+"@s.whatsapp.net" ||
		own.Str("profile.lid") == "" {
		t.Fatalf("own profile %s", own.Raw)
	}
	if got := fetchPicture(t, own.Str("profile.profilePicture")); sha256.Sum256(got) != sha256.Sum256(stored) {
		t.Fatal("the profilePicture URL does not serve the picture WhatsApp holds")
	}

	again := s.e.Do("POST", "/api/profile/account/sender", s.acc, map[string]any{"profileName": "Acme Support", "profileStatus": "We answer 9-18h"}).Want(http.StatusOK)
	if len(again.List("updatedFields")) != 0 || again.Str("message") != "No changes: the profile already has these values" {
		t.Fatalf("repeat %s", again.Raw)
	}

	removed := s.e.Do("POST", "/api/profile/account/sender", s.acc, map[string]any{"profilePicture": ""}).Want(http.StatusOK)
	if got := removed.Strings("updatedFields"); !slices.Equal(got, []string{"profilePicture"}) {
		t.Fatalf("removal updatedFields %v", got)
	}
	if id, _, _ := sim.UserPicture(s.phone); id != "" {
		t.Fatalf("picture %q still set on WhatsApp", id)
	}
	if own := s.e.Do("GET", "/api/profile/getAccount/sender", s.acc, nil).Want(http.StatusOK); own.Has("profile.profilePicture") {
		t.Fatalf("removed picture still answered: %s", own.Raw)
	}

	s.e.Do("POST", "/api/profile/account/sender", s.acc, map[string]any{}).WantError(http.StatusBadRequest, "At least one field is required: profilePicture, profileName or profileStatus")
	s.e.Do("POST", "/api/profile/account/sender", s.acc, map[string]any{"profileName": "  "}).WantError(http.StatusBadRequest, "profileName must be 1 to 25 characters")
}

// TestProfileOfThirdParty: another user's about, picture, push name, JID and LID, asked by
// phone number and by LID.
func TestProfileOfThirdParty(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	sim := s.e.App.Sim()
	bob := s.user("Bob Builder")
	sim.SetAbout(bob, "Can we fix it?")
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetUserPicture(bob, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	s.stored(s.phoneSends(bob, "hello")) // the instance learns Bob's push name from his message

	var bobLID types.JID
	for _, a := range sim.Snapshot().Accounts {
		if a.Phone == bob {
			bobLID = a.LID
		}
	}
	for _, number := range []string{bob, bobLID.String()} {
		res := s.e.Do("GET", "/api/profile/getAccount/sender?number="+number, s.acc, nil).Want(http.StatusOK)
		if res.Str("profile.profileStatus") != "Can we fix it?" || res.Str("profile.profileName") != "Bob Builder" ||
			res.Str("profile.jid") != bob+"@s.whatsapp.net" || res.Str("profile.phoneNumber") != bob ||
			res.Str("profile.lid") != bobLID.String() {
			t.Fatalf("profile of %s: %s", number, res.Raw)
		}
		if got := fetchPicture(t, res.Str("profile.profilePicture")); !bytes.Equal(got, buf.Bytes()) {
			t.Fatal("Bob's picture URL does not serve his picture")
		}
	}

	if err := sim.SetPrivacy(bob, "profile", "none"); err != nil {
		t.Fatal(err)
	}
	if res := s.e.Do("GET", "/api/profile/getAccount/sender?number="+bob, s.acc, nil).Want(http.StatusOK); res.Has("profile.profilePicture") {
		t.Fatalf("a picture hidden by privacy was answered: %s", res.Raw)
	}
	s.e.Do("GET", "/api/profile/getAccount/sender?number=15550000000", s.acc, nil).WantError(http.StatusNotFound, "The number is not on WhatsApp")
}

// TestProfilePrivacy: the settings read are WhatsApp's, an update applies each field given and
// answers the settings read back, a change made on the phone shows at once, and bad values are
// refused before anything is written.
func TestProfilePrivacy(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	sim := s.e.App.Sim()
	res := s.e.Do("GET", "/api/profile/getPrivacy/sender", s.acc, nil).Want(http.StatusOK)
	if res.Str("message") != "Privacy settings retrieved successfully" || res.Str("settings.visibility.lastSeen") != "all" ||
		res.Str("settings.permissions.groupAdd") != "all" {
		t.Fatalf("getPrivacy %s", res.Raw)
	}

	update := map[string]any{
		"visibility":  map[string]any{"lastSeen": "contacts", "online": "match_last_seen"},
		"privacy":     map[string]any{"readReceipts": "none"},
		"permissions": map[string]any{"callAdd": "known", "groupAdd": "contact_blacklist"},
	}
	res = s.e.Do("POST", "/api/profile/privacy/sender", s.acc, update).Want(http.StatusOK)
	want := map[string]string{"last": "contacts", "online": "match_last_seen", "readreceipts": "none", "calladd": "known", "groupadd": "contact_blacklist", "status": "all", "profile": "all"}
	truth, err := sim.Profile(s.phone)
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range want {
		if truth.Privacy[name] != value {
			t.Fatalf("WhatsApp holds %s=%q, want %q", name, truth.Privacy[name], value)
		}
	}
	if res.Str("settings.visibility.lastSeen") != "contacts" || res.Str("settings.visibility.online") != "match_last_seen" ||
		res.Str("settings.privacy.readReceipts") != "none" || res.Str("settings.permissions.callAdd") != "known" ||
		res.Str("settings.permissions.groupAdd") != "contact_blacklist" || res.Str("settings.visibility.status") != "all" {
		t.Fatalf("update answer %s", res.Raw)
	}

	if err := sim.SetPrivacy(s.phone, "status", "none"); err != nil { // changed on the phone
		t.Fatal(err)
	}
	if res := s.e.Do("GET", "/api/profile/privacy/sender", s.acc, nil).Want(http.StatusOK); res.Str("settings.visibility.status") != "none" {
		t.Fatalf("alias does not show the phone's change: %s", res.Raw)
	}

	s.e.Do("POST", "/api/profile/privacy/sender", s.acc, map[string]any{"visibility": map[string]any{"lastSeen": "none", "online": "nobody"}}).
		WantError(http.StatusBadRequest, "visibility.online must be one of: all, match_last_seen")
	if truth, _ := sim.Profile(s.phone); truth.Privacy["last"] != "contacts" {
		t.Fatal("a refused update wrote lastSeen")
	}
	s.e.Do("POST", "/api/profile/privacy/sender", s.acc, map[string]any{"visibility": map[string]any{}}).
		WantError(http.StatusBadRequest, "At least one privacy setting is required: visibility, privacy or permissions")
}
