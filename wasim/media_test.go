package wasim_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInstanceImageReachesPhone: the client's Upload goes to the media host
// through the simulator's HTTP client; the phone downloads and decrypts it.
func TestInstanceImageReachesPhone(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550401001")
	hank, _ := sim.RegisterPhone("15550401002", "Hank")
	img := randomBytes(t, 70_000)
	up, err := cli.Upload(testCtx(t), img, whatsmeow.MediaImage)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	resp, err := cli.SendMessage(testCtx(t), hank, &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		Caption: proto.String("a picture"), Mimetype: proto.String("image/jpeg"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := waitInbox(t, sim, "15550401002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if got.Type != "image" || got.Text != "a picture" || got.Media == nil {
		t.Fatalf("inbox entry = %+v", got)
	}
	if got.Media.SHA256 != sha256.Sum256(img) || got.Media.Size != len(img) || got.Media.Mimetype != "image/jpeg" {
		t.Fatalf("media = %+v, want the uploaded image", got.Media)
	}
	// The client can download its own upload back (download path and hashes).
	back, err := cli.Download(testCtx(t), got.Message.GetImageMessage())
	if err != nil || !bytes.Equal(back, img) {
		t.Fatalf("Download: %v (equal=%v)", err, bytes.Equal(back, img))
	}
}

func TestPhoneMediaReachesInstance(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550402001")
	sim.RegisterPhone("15550402002", "Ivy")
	alice := types.NewJID("15550402001", types.DefaultUserServer)
	cases := []wasim.PhoneMedia{
		{Kind: "image", Mimetype: "image/png", Caption: "look"},
		{Kind: "video", Mimetype: "video/mp4"},
		{Kind: "voice", Mimetype: "audio/ogg; codecs=opus"},
		{Kind: "document", Mimetype: "application/pdf", FileName: "report.pdf"},
		{Kind: "sticker", Mimetype: "image/webp"},
	}
	for _, media := range cases {
		media.Data = randomBytes(t, 5000)
		id, err := sim.PhoneSendMedia(testCtx(t), "15550402002", alice, media)
		if err != nil {
			t.Fatal(err)
		}
		evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
		var d whatsmeow.DownloadableMessage
		switch media.Kind {
		case "image":
			d = evt.Message.GetImageMessage()
		case "video":
			d = evt.Message.GetVideoMessage()
		case "voice":
			d = evt.Message.GetAudioMessage()
			if !evt.Message.GetAudioMessage().GetPTT() {
				t.Fatal("voice note arrived without PTT")
			}
		case "document":
			d = evt.Message.GetDocumentMessage()
			if evt.Message.GetDocumentMessage().GetFileName() != "report.pdf" {
				t.Fatal("document lost its file name")
			}
		case "sticker":
			d = evt.Message.GetStickerMessage()
		}
		data, err := cli.Download(testCtx(t), d)
		if err != nil || sha256.Sum256(data) != sha256.Sum256(media.Data) {
			t.Fatalf("%s: Download: %v", media.Kind, err)
		}
	}
}

func TestMediaHostFaults(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550403001")
	sim.AddFault(wasim.FaultRule{Match: "media:upload", Code: 500})
	if _, err := cli.Upload(testCtx(t), []byte("x"), whatsmeow.MediaImage); err == nil {
		t.Fatal("upload succeeded under a 500 fault")
	}
	up, err := cli.Upload(testCtx(t), []byte("payload"), whatsmeow.MediaDocument)
	if err != nil {
		t.Fatalf("upload after the fault: %v", err)
	}
	doc := &waE2E.DocumentMessage{DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
		FileSHA256: up.FileSHA256, FileLength: &up.FileLength}
	sim.AddFault(wasim.FaultRule{Match: "media:download", Code: 404})
	if _, err := cli.Download(testCtx(t), doc); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) {
		t.Fatalf("download under a 404 fault: %v", err)
	}
	sim.AddFault(wasim.FaultRule{Match: "media:download", Code: 410})
	if _, err := cli.Download(testCtx(t), doc); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) {
		t.Fatalf("download under a 410 fault: %v", err)
	}
	if data, err := cli.Download(testCtx(t), doc); err != nil || string(data) != "payload" {
		t.Fatalf("download after the faults: %q, %v", data, err)
	}
	bogus := proto.Clone(doc).(*waE2E.DocumentMessage)
	bogus.DirectPath = proto.String("/v/t62.7118-24/unknown.enc?ccb=11-4")
	if _, err := cli.Download(testCtx(t), bogus); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) {
		t.Fatalf("download of an unknown path: %v", err)
	}
}

// TestMediaSurvivesRestart: a blob uploaded before a restart of a simulator
// with a database is still served after it.
func TestMediaSurvivesRestart(t *testing.T) {
	t.Parallel()
	db := openSimDB(t, "sqlite")
	sim1 := wasimtest.NewServer(t, wasim.Config{DB: db})
	cli, container, _ := wasimtest.NewPairedClientRecorded(t, sim1, "15550404001")
	up, err := cli.Upload(testCtx(t), []byte("kept across restarts"), whatsmeow.MediaDocument)
	if err != nil {
		t.Fatal(err)
	}
	cli.Disconnect()
	if err := sim1.Close(); err != nil {
		t.Fatal(err)
	}
	sim2 := wasimtest.NewServer(t, wasim.Config{DB: db})
	cli2, rec2 := clientFromStore(t, sim2, container)
	wasimtest.WaitFor[*events.Connected](t, rec2)
	data, err := cli2.Download(testCtx(t), &waE2E.DocumentMessage{DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength})
	if err != nil || string(data) != "kept across restarts" {
		t.Fatalf("after restart: %q, %v", data, err)
	}
	// The cached media_conn auth is still valid for uploads.
	if _, err := cli2.Upload(testCtx(t), []byte("new"), whatsmeow.MediaDocument); err != nil {
		t.Fatalf("upload after restart: %v", err)
	}
}
