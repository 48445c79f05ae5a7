// Package mediatest makes hostile images for tests of package media and of the routes that take
// pictures.
package mediatest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb returns a valid, fully decodable 16-bit RGBA PNG of width×height transparent pixels.
// Its pixel data is all zeros, so it compresses about a thousand to one: 5000×5000 is about
// 194 KB on the wire and 200 MB once decoded (8 bytes a pixel).
func PNGBomb(width, height int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 16, 6 // bit depth 16, colour type RGBA; compression, filter, interlace 0
	writeChunk(&out, "IHDR", ihdr)
	// Each row is a filter byte ("none") and 8 bytes per pixel, all zero.
	writeChunk(&out, "IDAT", zlibZeros(int64(height)*int64(1+width*8)))
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

// zeroChunk is the unit zlibZeros compresses once and repeats.
const zeroChunk = 1 << 20

// zlibZeros returns a zlib stream (best compression) of n zero bytes without compressing all of
// them, which under the race detector would take minutes for a 200 MB bomb. Once the window
// holds only zeros, the compressor turns every further chunk of zeros into the same bytes, and
// those bytes decode to zeros after any all-zero history; so the stream is the first chunk, its
// successor repeated, the remainder, and an empty final block. If the compressor ever answered
// two chunks differently, everything is compressed the slow way instead.
func zlibZeros(n int64) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, zeroChunk)
	flushed := func(size int) []byte {
		start := buf.Len()
		_, _ = zw.Write(zeros[:size])
		_ = zw.Flush() // byte-aligned end, so chunks can be laid end to end
		return bytes.Clone(buf.Bytes()[start:])
	}
	var stream []byte
	if n >= 3*zeroChunk {
		first, a, b := flushed(zeroChunk), flushed(zeroChunk), flushed(zeroChunk)
		if bytes.Equal(a, b) {
			stream = append(stream, first...)
			for range n/zeroChunk - 1 {
				stream = append(stream, a...)
			}
			stream = append(stream, flushed(int(n%zeroChunk))...)
			stream = append(stream, 0x01, 0x00, 0x00, 0xFF, 0xFF) // final, empty, stored block
		}
	}
	if stream == nil {
		buf.Reset()
		zw.Reset(&buf)
		for left := n; left > 0; left -= zeroChunk {
			_, _ = zw.Write(zeros[:min(left, zeroChunk)])
		}
		_ = zw.Close()
		stream = buf.Bytes()
	}
	out := []byte{0x78, 0xDA} // zlib header: deflate, 32 KiB window, best compression
	out = append(out, stream...)
	// Adler-32 of n zeros: the byte sum stays 1, the running sum adds 1 per byte.
	return binary.BigEndian.AppendUint32(out, uint32(n%65521)<<16|1)
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
