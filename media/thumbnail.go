package media

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
)

// Thumbnails of image messages, made in pure Go: WhatsApp shows the JPEGThumbnail inline while
// the full image downloads, and its own apps send one of about 100 pixels on the long side.
const (
	thumbnailSide  = 100
	thumbnailJPEGQ = 60
)

// thumbnailSlots bounds the image decodes for thumbnails running at once: each may take up to
// maxDecodedBytes; the others skip their thumbnail rather than wait (it is optional).
var thumbnailSlots = make(chan struct{}, maxConcurrentDecodes)

// Thumbnail returns a small JPEG of an image attachment (PNG, JPEG or GIF), nil when none can be
// made: another format, a canvas beyond the decode budget, a corrupt file, or every decode slot
// busy. A missing thumbnail only means the phone shows a blur until the image loads.
func Thumbnail(att *Attachment) []byte {
	r, err := att.Reader()
	if err != nil {
		return nil
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels ||
		decodedBytes(cfg, format, att.Head()) > maxDecodedBytes {
		return nil
	}
	select {
	case thumbnailSlots <- struct{}{}:
		defer func() { <-thumbnailSlots }()
	default:
		return nil
	}
	if r, err = att.Reader(); err != nil {
		return nil
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil
	}
	var out bytes.Buffer
	if jpeg.Encode(&out, shrink(img, thumbnailSide), &jpeg.Options{Quality: thumbnailJPEGQ}) != nil {
		return nil
	}
	return out.Bytes()
}

// shrink scales src down to at most maxSide on its long side, keeping its aspect ratio, over
// white (transparency becomes white). Each output pixel averages a 2×2 grid of samples from its
// source box: a thumbnail is a preview shown blurred anyway, and converting only the sampled
// rows (two per output row) costs a fraction of a full-area average on a large photo.
func shrink(src image.Image, maxSide int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := min(1, float64(maxSide)/float64(max(w, h)))
	ow, oh := max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	row := image.NewRGBA(image.Rect(0, 0, w, 1))
	sums := make([]uint32, 3*ow)
	for oy := range oh {
		y0, y1 := oy*h/oh, max(oy*h/oh+1, (oy+1)*h/oh)
		clear(sums)
		for _, y := range [2]int{y0 + (y1-y0)/4, y0 + (y1-y0)*3/4} {
			draw.Draw(row, row.Bounds(), image.White, image.Point{}, draw.Src)
			draw.Draw(row, row.Bounds(), src, b.Min.Add(image.Pt(0, y)), draw.Over)
			for ox := range ow {
				x0, x1 := ox*w/ow, max(ox*w/ow+1, (ox+1)*w/ow)
				for _, x := range [2]int{x0 + (x1-x0)/4, x0 + (x1-x0)*3/4} {
					sums[3*ox] += uint32(row.Pix[4*x])
					sums[3*ox+1] += uint32(row.Pix[4*x+1])
					sums[3*ox+2] += uint32(row.Pix[4*x+2])
				}
			}
		}
		for ox := range ow {
			i := dst.PixOffset(ox, oy)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(sums[3*ox]/4), uint8(sums[3*ox+1]/4), uint8(sums[3*ox+2]/4), 0xff
		}
	}
	return dst
}

// ImageSize reads an image attachment's size from its header (PNG, JPEG, GIF); zeros when
// unknown.
func ImageSize(att *Attachment) (uint32, uint32) {
	r, err := att.Reader()
	if err != nil {
		return 0, 0
	}
	cfg, _, err := image.DecodeConfig(r)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0
	}
	return uint32(cfg.Width), uint32(cfg.Height)
}
