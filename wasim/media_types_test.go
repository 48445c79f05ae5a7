package wasim_test

import (
	"crypto/sha256"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestInstanceMediaTypesReachPhone: video, voice note, document and sticker uploaded by a
// whatsmeow client as it does (encrypted, per media type keys) are fetched and decrypted by the
// phone to the same bytes (image: TestInstanceImageReachesPhone).
func TestInstanceMediaTypesReachPhone(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550405001")
	ivy, _ := sim.RegisterPhone("15550405002", "Ivy")
	cases := []struct {
		typ   string
		media whatsmeow.MediaType
		build func(up whatsmeow.UploadResponse) *waE2E.Message
	}{
		{"video", whatsmeow.MediaVideo, func(up whatsmeow.UploadResponse) *waE2E.Message {
			return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Mimetype: proto.String("video/mp4"), URL: &up.URL, DirectPath: &up.DirectPath,
				MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}}
		}},
		{"audio", whatsmeow.MediaAudio, func(up whatsmeow.UploadResponse) *waE2E.Message {
			return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: proto.String("audio/ogg; codecs=opus"), PTT: proto.Bool(true), URL: &up.URL,
				DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}}
		}},
		{"document", whatsmeow.MediaDocument, func(up whatsmeow.UploadResponse) *waE2E.Message {
			return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{Mimetype: proto.String("application/pdf"), FileName: proto.String("terms.pdf"),
				URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}}
		}},
		{"sticker", whatsmeow.MediaImage, func(up whatsmeow.UploadResponse) *waE2E.Message {
			return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{Mimetype: proto.String("image/webp"), URL: &up.URL, DirectPath: &up.DirectPath,
				MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}}
		}},
	}
	for _, c := range cases {
		data := randomBytes(t, 20_000)
		up, err := cli.Upload(testCtx(t), data, c.media)
		if err != nil {
			t.Fatalf("%s: Upload: %v", c.typ, err)
		}
		resp, err := cli.SendMessage(testCtx(t), ivy, c.build(up))
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		got := waitInbox(t, sim, "15550405002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
		if got.Type != c.typ || got.Media == nil || got.Media.SHA256 != sha256.Sum256(data) || got.Media.Size != len(data) {
			t.Fatalf("%s: inbox entry %+v (media %+v)", c.typ, got, got.Media)
		}
		if c.typ == "document" && got.Media.FileName != "terms.pdf" {
			t.Fatalf("document: file name %q", got.Media.FileName)
		}
	}
}
