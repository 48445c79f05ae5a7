package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/gen2brain/webp"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
)

// fakeOpus is the start of an OGG stream carrying Opus: enough for the voice-note check and for
// the phone, which only decrypts and hashes what it gets.
func fakeOpus() []byte {
	return append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x01"), bytes.Repeat([]byte{0x42}, 300)...)
}

// fakeWebP is a RIFF/WEBP header and a body.
func fakeWebP() []byte {
	return append([]byte("RIFF\x24\x01\x00\x00WEBPVP8L"), bytes.Repeat([]byte{0x17}, 280)...)
}

// TestSendMediaArrivesIntactAtThePhone sends an image by base64, a document and a voice note
// by URL (served locally, private URLs allowed for the test), an audio file that is not a voice
// note and a sticker: the phone downloads and decrypts each from the media host, and the
// SHA-256 of what it got is the SHA-256 of what was sent; the voice note is flagged PTT. The
// base64 route gives the sent image back through WhatsApp.
func TestSendMediaArrivesIntactAtThePhone(t *testing.T) {
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("report line\n"), 2000)...)
	files := map[string][]byte{"/report.pdf": pdf, "/note.ogg": fakeOpus()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	s := newMessageScene(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.AllowPrivateImageURLs = true })
	bob := s.user("Bob")

	png, _ := base64.StdEncoding.DecodeString(pngBase64(t))
	img := s.sent("media", map[string]any{"number": bob, "mediaType": "image", "mediaBase64": pngBase64(t), "message": "a picture"})
	got := s.inbox(bob, img.Str("messageId"))
	if got.Type != "image" || got.Text != "a picture" || got.Media == nil || got.Media.SHA256 != sha256.Sum256(png) || got.Media.Mimetype != "image/png" {
		t.Fatalf("phone got %+v (media %+v)", got, got.Media)
	}
	if img.Str("data.mediaMimeType") != "image/png" || img.Get("data.mediaSize") != float64(len(png)) || img.Str("data.mediaUrl") == "" {
		t.Fatalf("media answer: %s", img.Raw)
	}
	back := s.e.Do("GET", "/api/chat/base64/sender?messageId="+img.Str("messageId"), s.acc, nil).Want(http.StatusOK)
	if raw, _ := base64.StdEncoding.DecodeString(back.Str("base64")); !bytes.Equal(raw, png) || back.Str("media_type") != "image" {
		t.Fatalf("base64 route gave %d bytes (%s), want the %d sent", len(raw), back.Str("media_type"), len(png))
	}

	doc := s.sent("media", map[string]any{"number": bob, "mediaType": "document", "mediaUrl": srv.URL + "/report.pdf", "fileName": "Q3 report.pdf"})
	got = s.inbox(bob, doc.Str("messageId"))
	if got.Type != "document" || got.Media == nil || got.Media.SHA256 != sha256.Sum256(pdf) || got.Media.FileName != "Q3 report.pdf" || got.Media.Mimetype != "application/pdf" {
		t.Fatalf("phone got %+v (media %+v)", got, got.Media)
	}

	voice := s.sent("media", map[string]any{"number": bob, "mediaType": "audio", "mediaUrl": srv.URL + "/note.ogg"})
	got = s.inbox(bob, voice.Str("messageId"))
	if got.Type != "audio" || !got.Message.GetAudioMessage().GetPTT() || got.Media == nil || got.Media.SHA256 != sha256.Sum256(fakeOpus()) {
		t.Fatalf("voice note: phone got %+v", got)
	}
	plain := s.sent("media", map[string]any{"number": bob, "mediaType": "audio", "mediaBase64": base64.StdEncoding.EncodeToString(pdf[:100]), "mimeType": "audio/mpeg", "isVoice": false})
	if got = s.inbox(bob, plain.Str("messageId")); got.Message.GetAudioMessage().GetPTT() || got.Media.Mimetype != "audio/mpeg" {
		t.Fatalf("plain audio: phone got %+v", got)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		s.send("media", map[string]any{"number": bob, "mediaType": "audio", "mediaBase64": base64.StdEncoding.EncodeToString(pdf[:100])}).
			WantError(http.StatusBadRequest, "voice notes must be OGG/Opus; install ffmpeg on the server to convert other audio, or send isVoice: false")
	}

	sticker := s.sent("sticker", map[string]any{"number": bob, "imageUrl": "data:image/webp;base64," + base64.StdEncoding.EncodeToString(fakeWebP())})
	if got = s.inbox(bob, sticker.Str("messageId")); got.Type != "sticker" || got.Media == nil || got.Media.SHA256 != sha256.Sum256(fakeWebP()) {
		t.Fatalf("sticker: phone got %+v", got)
	}
	if _, ok := sticker.Body["data"].(map[string]any)["content"]; ok || sticker.Str("data.mediaMimeType") != "image/webp" {
		t.Fatalf("sticker answer: %s", sticker.Raw)
	}
	converted := s.sent("sticker", map[string]any{"number": bob, "imageUrl": "data:image/png;base64," + pngBase64(t)})
	got = s.inbox(bob, converted.Str("messageId"))
	if got.Type != "sticker" || got.Media == nil || got.Media.Mimetype != "image/webp" {
		t.Fatalf("converted sticker: phone got %+v", got)
	}
	if cfg, err := webp.DecodeConfig(bytes.NewReader(got.Media.Data)); err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Fatalf("converted sticker is not a 512×512 WebP: %+v %v", cfg, err)
	}
	s.send("sticker", map[string]any{"number": bob, "imageUrl": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("not an image at all"))}).
		WantError(http.StatusBadRequest, "image format not supported: use PNG, JPEG or GIF")
	s.send("media", map[string]any{"number": bob, "mediaType": "image", "mediaUrl": srv.URL + "/x.png", "mediaBase64": pngBase64(t)}).
		WantError(http.StatusBadRequest, "send either mediaUrl or mediaBase64, not both")
	s.send("media", map[string]any{"number": bob, "mediaType": "image", "mediaUrl": srv.URL + "/missing.png"}).
		WantError(http.StatusBadRequest, "media could not be downloaded: the server answered HTTP 404")
	s.send("media", map[string]any{"number": bob, "mediaType": "gif"}).WantError(http.StatusBadRequest, "mediaType must be image, video, audio or document")
}

// TestSendMediaURLGuard: without the test-only allowance, a mediaUrl on a private address is
// refused at dial time, and nothing is sent.
func TestSendMediaURLGuard(t *testing.T) {
	var hit atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Store(true) }))
	defer srv.Close()
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob := s.user("Bob")
	s.send("media", map[string]any{"number": bob, "mediaType": "image", "mediaUrl": srv.URL + "/a.png"}).
		WantError(http.StatusBadRequest, "mediaUrl refused: it points to a private or local network address")
	if hit.Load() {
		t.Fatal("the private server was reached")
	}
}
