package mediatest

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// TestZlibZerosDecodes checks both ways of building the stream: it must decode, checksum
// included, to exactly n zeros.
func TestZlibZerosDecodes(t *testing.T) {
	for _, n := range []int64{0, 49, zeroChunk - 1, 3 * zeroChunk, 5*zeroChunk + 12345} {
		zr, err := zlib.NewReader(bytes.NewReader(zlibZeros(n)))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		var count int64
		buf := make([]byte, 64<<10)
		for {
			k, err := zr.Read(buf)
			for _, b := range buf[:k] {
				if b != 0 {
					t.Fatalf("n=%d: a non-zero byte", n)
				}
			}
			count += int64(k)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("n=%d: after %d bytes: %v", n, count, err)
			}
		}
		if count != n {
			t.Fatalf("decoded %d zeros, want %d", count, n)
		}
	}
}
