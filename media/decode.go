package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers the GIF decoder for image.Decode
	_ "image/png" // registers the PNG decoder for image.Decode
)

// decode reads the header first and refuses an image whose decoded form would exceed the pixel
// or byte budget, so a small, highly compressed file claiming a huge canvas (a decompression
// bomb) costs nothing; then it decodes in one of the Loader's slots.
func (l *Loader) decode(ctx context.Context, raw []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid("image format not supported: use PNG, JPEG or GIF")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, invalid(fmt.Sprintf("image dimensions are too large (at most %d megapixels, such as 4096×4096)", maxImagePixels/1_000_000))
	}
	if need := decodedBytes(cfg, format, raw); need > maxDecodedBytes {
		return nil, invalid(fmt.Sprintf("image would take %d MiB to decode (at most %d MiB): use fewer pixels or 8-bit colour",
			need>>20, maxDecodedBytes>>20))
	}
	select {
	case l.slots <- struct{}{}:
		defer func() { <-l.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid("image data is corrupt or truncated")
	}
	return img, nil
}

// decodedBytes estimates, from the header alone, the memory the standard decoders allocate for
// an image: pixels × bytes per pixel of its colour model, plus what the format keeps besides.
// It errs high: the estimate decides a refusal, never an allocation.
func decodedBytes(cfg image.Config, format string, raw []byte) int64 {
	pixels := int64(cfg.Width) * int64(cfg.Height)
	need := pixels * bytesPerPixel(cfg.ColorModel)
	if format == "gif" {
		// Always decoded as *image.Paletted; the header has no colour model when the GIF has no
		// global colour table.
		need = pixels
	}
	switch {
	case format == "jpeg" && progressiveJPEG(raw):
		// A progressive JPEG keeps every DCT coefficient (an int32 each) of every component
		// until the last scan: 4 bytes per pixel per component.
		need += pixels * 4 * components(cfg.ColorModel)
	case format == "png" && interlacedPNG(raw):
		// Each of the seven Adam7 passes is decoded into an image of its own, then copied.
		need *= 2
	}
	return need
}

// bytesPerPixel is the size of one pixel in the image type the decoders return for model.
func bytesPerPixel(model color.Model) int64 {
	switch model {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4, the largest subsampling the JPEG decoder returns
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := model.(color.Palette); ok {
		return 1
	}
	return 8 // unknown: assume the widest
}

// components is how many colour channels a JPEG of this model has.
func components(model color.Model) int64 {
	switch model {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// progressiveJPEG reports whether the first frame header of a JPEG is a progressive one (SOF2,
// SOF6, SOF10, SOF14), walking the marker segments that precede it.
func progressiveJPEG(raw []byte) bool {
	for i := 2; i+4 <= len(raw); {
		if raw[i] != 0xFF {
			return false
		}
		marker := raw[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE:
			return true
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return false // another frame type: baseline or lossless
		}
		i += 2 + (int(raw[i+2])<<8 | int(raw[i+3]))
	}
	return false
}

// interlacedPNG reads the interlace method of the IHDR chunk (the last of its 13 bytes).
func interlacedPNG(raw []byte) bool {
	return len(raw) > 28 && raw[28] == 1
}
