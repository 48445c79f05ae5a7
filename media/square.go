package media

import (
	"image"
	"image/draw"
)

// squarePicture crops src to its centred square and scales it down to at most maxSide pixels
// by averaging each output pixel's source box, compositing over white. The source is converted
// one band of rows at a time, so memory stays proportional to the image width, not its area.
func squarePicture(src image.Image, maxSide int) *image.RGBA {
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	origin := image.Pt(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2)
	out := min(side, maxSide)
	dst := image.NewRGBA(image.Rect(0, 0, out, out))
	band := image.NewRGBA(image.Rect(0, 0, side, (side+out-1)/out))
	for oy := range out {
		y0, y1 := oy*side/out, (oy+1)*side/out
		rows := image.Rect(0, 0, side, y1-y0)
		draw.Draw(band, rows, image.White, image.Point{}, draw.Src)
		draw.Draw(band, rows, src, origin.Add(image.Pt(0, y0)), draw.Over)
		for ox := range out {
			x0, x1 := ox*side/out, (ox+1)*side/out
			var r, g, bl uint64
			for y := range y1 - y0 {
				row := band.Pix[y*band.Stride:]
				for x := x0; x < x1; x++ {
					r += uint64(row[4*x])
					g += uint64(row[4*x+1])
					bl += uint64(row[4*x+2])
				}
			}
			n := uint64((x1 - x0) * (y1 - y0))
			i := dst.PixOffset(ox, oy)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), 0xff
		}
	}
	return dst
}
