package wasim_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestControlPhoneTalks drives a phone only through the control API, as a
// gateway started against a standalone simulator does.
func TestControlPhoneTalks(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	ctl := wasim.NewControlClient(sim.URL(), wasimtest.ControlToken)
	ctx := testCtx(t)
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15551001001")
	if _, err := ctl.RegisterPhone(ctx, "15551001002", "Sam"); err != nil {
		t.Fatal(err)
	}
	sam := types.NewJID("15551001002", types.DefaultUserServer)

	// Phone → instance: text, then an image through the media host.
	id, err := ctl.PhoneSendMessage(ctx, "15551001002", wasim.PhoneMessage{To: "15551001001", Text: "from the control API"})
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if textOf(evt) != "from the control API" {
		t.Fatalf("client read %q", textOf(evt))
	}
	img := []byte("\x89PNG fake image bytes")
	id, err = ctl.PhoneSendMessage(ctx, "15551001002", wasim.PhoneMessage{To: "15551001001", Type: "image", Text: "pic",
		Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(img), Mimetype: "image/png"}})
	if err != nil {
		t.Fatal(err)
	}
	evt = wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if data, err := cli.Download(ctx, evt.Message.GetImageMessage()); err != nil || string(data) != string(img) {
		t.Fatalf("Download: %v", err)
	}

	// Instance → phone: the inbox shows the text and the image's hash.
	up, err := cli.Upload(ctx, img, whatsmeow.MediaImage)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.SendMessage(ctx, sam, &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: proto.String("image/png"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(img)
	waitUntil(t, "the inbox lists the image", func() bool {
		inbox, err := ctl.Inbox(ctx, "15551001002", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inbox.Messages {
			if m.ID == resp.ID && m.Type == "image" && m.Media != nil && m.Media.SHA256 == hex.EncodeToString(sum[:]) {
				return true
			}
		}
		return false
	})
	// The phone reads it: the client gets the read receipt.
	if err := ctl.PhoneMarkRead(ctx, "15551001002", types.NewJID("15551001001", types.DefaultUserServer), []string{resp.ID}); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(r *events.Receipt) bool {
		return r.Type == types.ReceiptTypeRead && r.MessageIDs[0] == resp.ID
	})
	// Typing and a call.
	if err := ctl.PhonePresence(ctx, "15551001002", "15551001001", "composing"); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.ChatPresence](t, rec)
	callID, err := ctl.PhoneCall(ctx, "15551001002", types.NewJID("15551001001", types.DefaultUserServer), "offer", "")
	if err != nil || callID == "" {
		t.Fatalf("PhoneCall: %q, %v", callID, err)
	}
	wasimtest.WaitForMatch(t, rec, func(o *events.CallOffer) bool { return o.CallID == callID })
	// A future since filters everything out.
	later, err := ctl.Inbox(ctx, "15551001002", time.Now().Add(time.Hour))
	if err != nil || len(later.Messages) != 0 {
		t.Fatalf("since filter: %d messages, %v", len(later.Messages), err)
	}
}

func TestControlPhoneRefusesBadInput(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	ctl := wasim.NewControlClient(sim.URL(), wasimtest.ControlToken)
	ctx := testCtx(t)
	if _, err := ctl.RegisterPhone(ctx, "15551002001", ""); err != nil {
		t.Fatal(err)
	}
	bad := []wasim.PhoneMessage{
		{To: "15551002001"},                // no text
		{To: "not a number", Text: "x"},    // bad recipient
		{To: "15551002001", Type: "image"}, // no media
		{To: "15551002001", Type: "image", Media: &wasim.PhoneMessageFile{Base64: "%%%"}},
		{To: "15551002001", Type: "teleport", Text: "x"}, // unknown type
		{To: "15551002001", Type: "poll", Poll: &wasim.PhonePoll{Name: "one option", Options: []string{"a"}}},
		{To: "15551002001", Type: "edit"},
	}
	for _, m := range bad {
		if _, err := ctl.PhoneSendMessage(ctx, "15551002001", m); err == nil || errors.Is(err, wasim.ErrControlUnavailable) {
			t.Errorf("%+v: want a refusal, got %v", m, err)
		}
	}
	if _, err := ctl.PhoneSendMessage(ctx, "15551002999", wasim.PhoneMessage{To: "15551002001", Text: "x"}); !errors.Is(err, wasim.ErrUnknownPhone) {
		t.Errorf("unknown sender: %v", err)
	}
	for path, body := range map[string]string{
		"/messages":  `{"to":"15551002001","text":"x","surprise":1}`,
		"/receipts":  `{"chat":"15551002001"}`,
		"/presence":  `{"state":"dancing"}`,
		"/calls":     `{"to":"15551002001","action":"hold"}`,
		"/privacy":   `{"name":"nonsense","value":"all"}`,
		"/auto-read": `{"on":"yes"}`,
	} {
		if status := postControl(t, sim.URL()+"/wasim/control/phones/15551002001"+path, wasimtest.ControlToken, body); status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400", path, body, status)
		}
	}
	req, err := http.NewRequest(http.MethodGet, sim.URL()+"/wasim/control/phones/15551002001/inbox?since=yesterday", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+wasimtest.ControlToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad since: status %d", resp.StatusCode)
	}
}
