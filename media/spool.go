package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/switchboard/switchboard/egress"
)

// headSize is how much of an attachment is kept in memory for sniffing its type.
const headSize = 4096

// Attachment is a message attachment: small ones (base64 in the request body, already bounded
// by the body cap) in memory, downloads in a temporary file, so that a large file from a URL is
// never held whole in memory. Close removes the file.
type Attachment struct {
	data []byte
	file *os.File
	size int64
	head []byte
}

// Inline wraps bytes already in memory.
func Inline(data []byte) *Attachment {
	return &Attachment{data: data, size: int64(len(data)), head: data[:min(len(data), headSize)]}
}

// Size is the attachment's length in bytes.
func (a *Attachment) Size() int64 { return a.size }

// Head is the attachment's first bytes (at most 4 KiB), enough to sniff its type.
func (a *Attachment) Head() []byte { return a.head }

// Reader reads the attachment from its start; each call starts over.
func (a *Attachment) Reader() (io.ReadSeeker, error) {
	if a.file == nil {
		return bytes.NewReader(a.data), nil
	}
	if _, err := a.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return a.file, nil
}

// Bytes is the whole attachment in memory: only for those that are (Inline); nil for a file.
func (a *Attachment) Bytes() []byte { return a.data }

// Close removes the temporary file, if any.
func (a *Attachment) Close() error {
	if a == nil || a.file == nil {
		return nil
	}
	err := a.file.Close()
	if rmErr := os.Remove(a.file.Name()); err == nil {
		err = rmErr
	}
	a.file = nil
	return err
}

// spool writes what fill writes into a new temporary file and returns it as an Attachment.
func spool(fill func(w io.Writer) error) (*Attachment, error) {
	f, err := os.CreateTemp("", "switchboard-media-*")
	if err != nil {
		return nil, err
	}
	a := &Attachment{file: f}
	if err := fill(f); err != nil {
		_ = a.Close()
		return nil, err
	}
	if a.size, err = f.Seek(0, io.SeekEnd); err != nil {
		_ = a.Close()
		return nil, err
	}
	head := make([]byte, min(a.size, headSize))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		_ = a.Close()
		return nil, err
	}
	a.head = head
	return a, nil
}

// Download streams an attachment of at most limit bytes from a URL into a temporary file,
// through the guarded egress client.
func (a *Attachments) Download(ctx context.Context, rawURL string, limit int64) (*Attachment, error) {
	att, err := spool(func(w io.Writer) error {
		_, err := a.client.Copy(ctx, rawURL, http.Header{"User-Agent": {"Switchboard"}}, w, limit)
		return err
	})
	if err != nil {
		if errors.Is(err, egress.ErrTooLarge) {
			return nil, tooLarge(limit)
		}
		return nil, attachmentFetchFailure(err)
	}
	if att.Size() == 0 {
		_ = att.Close()
		return nil, invalid("media URL returned an empty body")
	}
	return att, nil
}
