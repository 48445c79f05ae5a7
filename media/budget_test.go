package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/mediatest"
)

func TestPNGBombIsAValidImage(t *testing.T) {
	bomb := mediatest.PNGBomb(5000, 5000)
	if n := len(bomb); n > 300<<10 {
		t.Fatalf("bomb is %d bytes, want a small file", n)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(bomb))
	if err != nil || cfg.Width != 5000 || cfg.Height != 5000 || cfg.ColorModel != color.NRGBA64Model {
		t.Fatalf("bomb header: %+v %v", cfg, err)
	}
	for _, size := range [][2]int{{3, 2}, {400, 1000}} { // the slow and the fast way of making one
		img, err := png.Decode(bytes.NewReader(mediatest.PNGBomb(size[0], size[1])))
		if err != nil || img.Bounds().Dx() != size[0] || img.Bounds().Dy() != size[1] {
			t.Fatalf("a %v bomb does not decode: %v", size, err)
		}
	}
}

func TestDecompressionBombsAreRefusedFromTheHeader(t *testing.T) {
	l := NewLoader(false)
	ctx := context.Background()
	// 25 MP: over the pixel cap.
	_, err := l.GroupPicture(ctx, base64.StdEncoding.EncodeToString(mediatest.PNGBomb(5000, 5000)))
	wantImageError(t, err, "dimensions are too large")
	// 9 MP passes the pixel cap, but at 8 bytes a pixel it would take 68 MiB.
	_, err = l.GroupPicture(ctx, base64.StdEncoding.EncodeToString(mediatest.PNGBomb(3000, 3000)))
	wantImageError(t, err, "would take 68 MiB to decode")
	// The same canvas in 8-bit colour (4 bytes a pixel, 34 MiB) is within the budget.
	if need := decodedBytes(image.Config{ColorModel: color.NRGBAModel, Width: 3000, Height: 3000}, "png", nil); need > maxDecodedBytes {
		t.Fatalf("a 9 MP 8-bit PNG needs %d bytes, over the budget", need)
	}
	// A small bomb within both caps is decoded (and shrunk) like any picture.
	if _, err := l.GroupPicture(ctx, base64.StdEncoding.EncodeToString(mediatest.PNGBomb(300, 200))); err != nil {
		t.Fatalf("a small 16-bit PNG was refused: %v", err)
	}
}

func TestDecodedBytesByColourModel(t *testing.T) {
	cases := []struct {
		model color.Model
		want  int64
	}{
		{color.GrayModel, 100}, {color.Gray16Model, 200}, {color.YCbCrModel, 300},
		{color.NRGBAModel, 400}, {color.CMYKModel, 400}, {color.RGBA64Model, 800},
		{color.NRGBA64Model, 800}, {color.Palette{color.Black}, 100},
	}
	for _, c := range cases {
		if got := decodedBytes(image.Config{ColorModel: c.model, Width: 10, Height: 10}, "png", nil); got != c.want {
			t.Errorf("%T: %d bytes, want %d", c.model, got, c.want)
		}
	}
	if got := decodedBytes(image.Config{Width: 10, Height: 10}, "gif", nil); got != 100 {
		t.Errorf("GIF without a global colour table: %d bytes, want 100", got)
	}
}

func TestProgressiveJPEGCountsItsCoefficients(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	baseline := buf.Bytes()
	cfg := image.Config{ColorModel: color.YCbCrModel, Width: 1000, Height: 1000}
	if progressiveJPEG(baseline) || decodedBytes(cfg, "jpeg", baseline) != 3_000_000 {
		t.Fatalf("baseline JPEG counted as progressive")
	}
	// The same header with its frame marker turned into SOF2 (progressive).
	progressive := bytes.Replace(baseline, []byte{0xFF, 0xC0}, []byte{0xFF, 0xC2}, 1)
	if !progressiveJPEG(progressive) || decodedBytes(cfg, "jpeg", progressive) != 15_000_000 {
		t.Fatalf("progressive JPEG: %d bytes", decodedBytes(cfg, "jpeg", progressive))
	}
}

func TestDecodesWaitForAFreeSlot(t *testing.T) {
	l := NewLoader(false)
	for range cap(l.slots) {
		l.slots <- struct{}{}
	}
	picture := base64.StdEncoding.EncodeToString(encodePNG(t, image.NewGray(image.Rect(0, 0, 4, 4))))
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.GroupPicture(short, picture); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every slot taken: %v, want the request's deadline", err)
	}
	<-l.slots
	if _, err := l.GroupPicture(context.Background(), picture); err != nil {
		t.Fatalf("with a slot free: %v", err)
	}
}
