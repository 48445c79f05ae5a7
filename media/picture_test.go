package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

// imageServer is a Loader as a server makes it.
func imageServer(allowPrivate bool) *Loader {
	return NewLoader(allowPrivate)
}

// halves draws a w×h image whose left half is left and right half is right.
func halves(w, h int, left, right color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := left
			if x >= w/2 {
				c = right
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeJPEG checks that out is a JPEG and returns it decoded.
func decodeJPEG(t *testing.T, out []byte) image.Image {
	t.Helper()
	if !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) {
		t.Fatalf("output does not start with the JPEG magic: % x", out[:min(4, len(out))])
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not a valid JPEG: %v", err)
	}
	return img
}

// near reports whether c is within 24 of (r, g, b) on each channel (JPEG is lossy).
func near(c color.Color, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(a uint32, want uint8) bool { return int(a>>8)-int(want) <= 24 && int(want)-int(a>>8) <= 24 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}

func wantImageError(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", contains)
	}
	if switchboard.ErrorCodeOf(err) != switchboard.CodeInvalid {
		t.Fatalf("error %v has code %s, want invalid", err, switchboard.ErrorCodeOf(err))
	}
	if msg := switchboard.ErrorMessageOf(err); !strings.Contains(msg, contains) {
		t.Fatalf("error message %q does not contain %q", msg, contains)
	}
}

func TestLoadImageBase64FormsBecomeSquareJPEG(t *testing.T) {
	red, blue := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}
	raw := encodePNG(t, halves(200, 100, red, blue))
	std := base64.StdEncoding.EncodeToString(raw)
	wrapped := ""
	for i := 0; i < len(std); i += 76 {
		wrapped += std[i:min(i+76, len(std))] + "\n"
	}
	forms := map[string]string{
		"std":          std,
		"raw url-safe": base64.RawURLEncoding.EncodeToString(raw),
		"data URI":     "data:image/png;base64," + std,
		"wrapped":      wrapped,
	}
	for name, value := range forms {
		t.Run(name, func(t *testing.T) {
			out, err := imageServer(false).GroupPicture(context.Background(), value)
			if err != nil {
				t.Fatal(err)
			}
			img := decodeJPEG(t, out)
			// 200×100 is cropped to its centred 100×100 square, half red, half blue.
			if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 100 {
				t.Fatalf("picture is %v, want 100×100", b)
			}
			if !near(img.At(10, 50), 255, 0, 0) || !near(img.At(90, 50), 0, 0, 255) {
				t.Fatalf("colours moved: left %v, right %v", img.At(10, 50), img.At(90, 50))
			}
		})
	}
}

func TestLoadImageScalesDownAndFlattensTransparency(t *testing.T) {
	clear, green := color.NRGBA{0, 0, 0, 0}, color.NRGBA{0, 255, 0, 255}
	raw := encodePNG(t, halves(1600, 1600, clear, green))
	out, err := imageServer(false).GroupPicture(context.Background(), base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	img := decodeJPEG(t, out)
	if b := img.Bounds(); b.Dx() != pictureSide || b.Dy() != pictureSide {
		t.Fatalf("picture is %v, want %d×%d", b, pictureSide, pictureSide)
	}
	if !near(img.At(50, 300), 255, 255, 255) {
		t.Fatalf("transparent half should be white, got %v", img.At(50, 300))
	}
	if !near(img.At(600, 300), 0, 255, 0) {
		t.Fatalf("green half should stay green, got %v", img.At(600, 300))
	}
}

func TestLoadImageAcceptsJPEGAndGIF(t *testing.T) {
	src := halves(64, 64, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255})
	var j, g bytes.Buffer
	if err := jpeg.Encode(&j, src, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, src, nil); err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string][]byte{"jpeg": j.Bytes(), "gif": g.Bytes()} {
		out, err := imageServer(false).GroupPicture(context.Background(), base64.StdEncoding.EncodeToString(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img := decodeJPEG(t, out); !near(img.At(5, 30), 255, 0, 0) {
			t.Fatalf("%s: left side should be red, got %v", name, img.At(5, 30))
		}
	}
}

func TestLoadImageRefusals(t *testing.T) {
	s := imageServer(false)
	ctx := context.Background()

	_, err := s.GroupPicture(ctx, "   ")
	wantImageError(t, err, "image is empty")

	_, err = s.GroupPicture(ctx, "ftp://example.com/a.png")
	wantImageError(t, err, "http(s) URL or base64")

	_, err = s.GroupPicture(ctx, "data:image/png,notbase64")
	wantImageError(t, err, "must be base64-encoded")

	_, err = s.GroupPicture(ctx, base64.StdEncoding.EncodeToString([]byte("this is plain text, not a picture")))
	wantImageError(t, err, "format not supported")

	_, err = s.GroupPicture(ctx, base64.StdEncoding.EncodeToString(make([]byte, maxImageBytes+1)))
	wantImageError(t, err, "larger than 5 MiB")

	// A valid PNG header announcing 10000×10000 pixels is refused before anything is decoded.
	_, err = s.GroupPicture(ctx, base64.StdEncoding.EncodeToString(pngClaiming(t, 10000, 10000)))
	wantImageError(t, err, "dimensions are too large")

	// The header of a real PNG followed by nothing: the format is known, the data is not there.
	raw := encodePNG(t, halves(8, 8, color.White, color.Black))
	_, err = s.GroupPicture(ctx, base64.StdEncoding.EncodeToString(raw[:40]))
	wantImageError(t, err, "corrupt or truncated")
}

// pngClaiming returns a 1×1 PNG whose header claims w×h, with a valid header checksum.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	raw := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// Signature (8) + length (4) + "IHDR" (4), then width and height, then the chunk's CRC
	// over type and data (13 bytes) at offset 29.
	binary.BigEndian.PutUint32(raw[16:], w)
	binary.BigEndian.PutUint32(raw[20:], h)
	binary.BigEndian.PutUint32(raw[29:], crc32.ChecksumIEEE(raw[12:29]))
	return raw
}

func TestLoadImageFromURL(t *testing.T) {
	picture := encodePNG(t, halves(40, 40, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}))
	mux := http.NewServeMux()
	mux.HandleFunc("/pic.png", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(picture) })
	mux.HandleFunc("/missing.png", http.NotFound)
	mux.HandleFunc("/huge.png", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length: the cap must hold while streaming too.
		chunk := make([]byte, 64<<10)
		for range (maxImageBytes / len(chunk)) + 2 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/pic.png", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	t.Run("private addresses refused by default", func(t *testing.T) {
		_, err := imageServer(false).GroupPicture(ctx, srv.URL+"/pic.png")
		wantImageError(t, err, "private or local network address")
		// "localhost" resolves to a loopback address: the name does not get it through.
		_, err = imageServer(false).GroupPicture(ctx, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/pic.png")
		wantImageError(t, err, "private or local network address")
	})

	open := imageServer(true)
	t.Run("allowed when configured", func(t *testing.T) {
		out, err := open.GroupPicture(ctx, srv.URL+"/pic.png")
		if err != nil {
			t.Fatal(err)
		}
		if img := decodeJPEG(t, out); img.Bounds().Dx() != 40 {
			t.Fatalf("picture is %v, want 40×40", img.Bounds())
		}
		if _, err := open.GroupPicture(ctx, srv.URL+"/redirect"); err != nil {
			t.Fatalf("a redirect to an image should be followed: %v", err)
		}
	})
	t.Run("download failures", func(t *testing.T) {
		_, err := open.GroupPicture(ctx, srv.URL+"/missing.png")
		wantImageError(t, err, "HTTP 404")
		_, err = open.GroupPicture(ctx, srv.URL+"/huge.png")
		wantImageError(t, err, "larger than 5 MiB")
		_, err = open.GroupPicture(ctx, srv.URL+"/loop")
		wantImageError(t, err, "too many redirects")
		// The caller's deadline is shorter than the download limit here, so the test need not
		// wait 10 s; the message is the same either way.
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err = open.GroupPicture(short, srv.URL+"/hang")
		wantImageError(t, err, "timed out")
		_, err = open.GroupPicture(ctx, "http://")
		wantImageError(t, err, "not a valid http(s) URL")
	})
}
