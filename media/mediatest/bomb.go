// Package mediatest makes hostile images for tests of package media and of the routes that take
// pictures.
package mediatest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb returns a valid, fully decodable 16-bit RGBA PNG of width×height transparent pixels.
// Its rows are all zeros, so it compresses about a thousand to one: 5000×5000 is about 194 KB
// on the wire and 200 MB once decoded (8 bytes a pixel). It is written row by row, so making
// one costs the test a row of memory, not the canvas.
func PNGBomb(width, height int) []byte {
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+width*8) // filter byte "none", then 8 zero bytes per pixel
	for range height {
		_, _ = zw.Write(row)
	}
	_ = zw.Close()

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 16, 6 // bit depth 16, colour type RGBA; compression, filter, interlace 0
	writeChunk(&out, "IHDR", ihdr)
	writeChunk(&out, "IDAT", idat.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

func writeChunk(out *bytes.Buffer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	out.WriteString(kind)
	out.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}
