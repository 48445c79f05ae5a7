package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
)

// sineWAV is one second of a 440 Hz tone as 16-bit mono PCM WAV at 16 kHz: audio that is not
// OGG/Opus, so a voice note of it must be converted.
func sineWAV() []byte {
	const rate = 16000
	var pcm bytes.Buffer
	for i := range rate {
		_ = binary.Write(&pcm, binary.LittleEndian, int16(8000*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+pcm.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	return b.Bytes()
}

// gradientPNG is a w×h PNG.
func gradientPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// spooledFiles lists the gateway's temporary media files left in dir.
func spooledFiles(t *testing.T, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "switchboard-media-*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// TestMediaFromURLIsStreamedWithThumbnailAndCap: an image by URL arrives intact with its size
// and a pure-Go JPEG thumbnail in the proto; the temporary file it was streamed to is gone
// after the send; a body over SWITCHBOARD_MEDIA_MAX (sent chunked, so no Content-Length warns)
// is 413 and leaves no file behind either, while a document may be larger.
func TestMediaFromURLIsStreamedWithThumbnailAndCap(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	picture := gradientPNG(t, 400, 300)
	big := bytes.Repeat([]byte("%PDF-1.4 padding line\n"), (3<<20)/22)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/photo.png":
			_, _ = w.Write(picture)
		case "/big.bin", "/big.pdf":
			w.Header().Set("Content-Type", "application/octet-stream")
			for off := 0; off < len(big); off += 64 << 10 { // chunked: no Content-Length
				_, _ = w.Write(big[off:min(off+64<<10, len(big))])
				w.(http.Flusher).Flush()
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	s := newMessageScene(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.AllowPrivateImageURLs = true
		c.MediaMax = 2 << 20
	})
	bob := s.user("Bob")

	res := s.sent("media", map[string]any{"number": bob, "mediaType": "image", "mediaUrl": srv.URL + "/photo.png"})
	got := s.inbox(bob, res.Str("messageId"))
	im := got.Message.GetImageMessage()
	if got.Media == nil || got.Media.SHA256 != sha256.Sum256(picture) || im.GetWidth() != 400 || im.GetHeight() != 300 {
		t.Fatalf("phone got %+v", got)
	}
	thumb, err := jpeg.Decode(bytes.NewReader(im.GetJPEGThumbnail()))
	if err != nil {
		t.Fatalf("JPEGThumbnail is not a JPEG: %v", err)
	}
	if b := thumb.Bounds(); b.Dx() != 100 || b.Dy() != 75 {
		t.Fatalf("thumbnail is %v, want 100×75", b)
	}
	if left := spooledFiles(t, tmp); len(left) != 0 {
		t.Fatalf("temporary files left after the send: %v", left)
	}

	s.send("media", map[string]any{"number": bob, "mediaType": "audio", "isVoice": false, "mediaUrl": srv.URL + "/big.bin"}).
		WantError(http.StatusRequestEntityTooLarge, "media is larger than 2 MiB")
	if left := spooledFiles(t, tmp); len(left) != 0 {
		t.Fatalf("temporary files left after a refusal: %v", left)
	}
	doc := s.sent("media", map[string]any{"number": bob, "mediaType": "document", "mediaUrl": srv.URL + "/big.pdf"})
	if got := s.inbox(bob, doc.Str("messageId")); got.Media == nil || got.Media.SHA256 != sha256.Sum256(big) {
		t.Fatalf("document: phone got %+v", got)
	}
}

// TestVoiceNoteConvertedWithFFmpeg: audio that is not OGG/Opus sent as a voice note is
// converted by ffmpeg, and the phone gets a PTT audio/ogg message whose bytes are an Ogg Opus
// stream. CI installs ffmpeg (.ci/run) and sets SWITCHBOARD_REQUIRE_TOOLS, so there it never
// skips; without ffmpeg the 400 is checked by TestSendMediaArrivesIntactAtThePhone.
func TestVoiceNoteConvertedWithFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_TOOLS") != "" {
			t.Fatal("ffmpeg is not on the PATH")
		}
		t.Skip("ffmpeg is not on the PATH")
	}
	wav := sineWAV()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(wav) }))
	defer srv.Close()
	s := newMessageScene(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.AllowPrivateImageURLs = true })
	bob := s.user("Bob")
	res := s.sent("media", map[string]any{"number": bob, "mediaType": "audio", "mediaUrl": srv.URL + "/tone.wav"})
	got := s.inbox(bob, res.Str("messageId"))
	if got.Type != "audio" || !got.Message.GetAudioMessage().GetPTT() || got.Media == nil ||
		got.Media.Mimetype != "audio/ogg; codecs=opus" || !bytes.HasPrefix(got.Media.Data, []byte("OggS")) ||
		!bytes.Contains(got.Media.Data[:min(len(got.Media.Data), 64)], []byte("OpusHead")) {
		t.Fatalf("voice note: phone got %+v", got)
	}
}
