package media

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"io"

	"github.com/gen2brain/webp"
)

// Stickers. WhatsApp renders only WebP stickers of 512×512; static ones should stay under
// 100 KiB. PNG, JPEG and GIF (first frame) are converted with github.com/gen2brain/webp, which
// runs libwebp compiled to WebAssembly inside the process (wazero: no cgo, nothing to install).
const (
	stickerSide     = 512
	stickerQuality  = 80
	stickerMaxBytes = 100 << 10
)

// Sticker returns the attachment as a 512×512 WebP: a WebP as it is, else the image scaled to
// fit (aspect kept, transparent margins) and encoded. The pixel and decode budgets of pictures
// apply. Failures are CodeInvalid errors whose message can be shown as is.
func (l *Loader) Sticker(ctx context.Context, att *Attachment) (*Attachment, error) {
	if IsWebP(att.Head()) {
		return att, nil
	}
	r, err := att.Reader()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxImageBytes {
		return nil, invalid("sticker images to convert must be at most 5 MiB (or send a WebP)")
	}
	img, err := l.decode(ctx, raw)
	if err != nil {
		return nil, err
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, stickerSide, stickerSide))
	fitted := fit(img, stickerSide)
	offset := image.Pt((stickerSide-fitted.Bounds().Dx())/2, (stickerSide-fitted.Bounds().Dy())/2)
	draw.Draw(canvas, fitted.Bounds().Add(offset), fitted, image.Point{}, draw.Src)
	var out bytes.Buffer
	for q := stickerQuality; ; q -= 20 {
		out.Reset()
		if err := webp.Encode(&out, canvas, webp.Options{Quality: q}); err != nil {
			return nil, invalid("the image could not be converted to a WebP sticker")
		}
		if out.Len() <= stickerMaxBytes || q <= 20 {
			break
		}
	}
	return Inline(out.Bytes()), nil
}

// fit scales src to fit within side×side keeping its aspect ratio and its transparency
// (nearest-neighbour upscaling for small images, box averaging down).
func fit(src image.Image, side int) *image.NRGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := float64(side) / float64(max(w, h))
	ow, oh := max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for oy := range oh {
		y0, y1 := oy*h/oh, max(oy*h/oh+1, (oy+1)*h/oh)
		for ox := range ow {
			x0, x1 := ox*w/ow, max(ox*w/ow+1, (ox+1)*w/ow)
			var r, g, bl, a uint64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					cr, cg, cb, ca := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
					r, g, bl, a = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca)
				}
			}
			n := uint64((x1 - x0) * (y1 - y0))
			i := dst.PixOffset(ox, oy)
			if a == 0 {
				continue // fully transparent
			}
			// Premultiplied sums → straight alpha.
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(r*0xff/a), uint8(g*0xff/a), uint8(bl*0xff/a), uint8(a/n>>8)
		}
	}
	return dst
}
