package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// Limits of message attachments.
const (
	// DefaultAttachmentMax is the default cap of images, videos, audio and stickers
	// (SWITCHBOARD_MEDIA_MAX); documents may always be at least DocumentMax.
	DefaultAttachmentMax = 64 << 20
	DocumentMax          = 100 << 20
	attachmentTimeout    = 2 * time.Minute
	attachmentRedirects  = 5
)

// Attachments loads the media of message sends: from a URL through the guarded egress client
// (private addresses refused at dial time, redirects re-checked, a timeout and a size cap), or
// from base64.
type Attachments struct {
	client *egress.Client
	max    int64
}

// NewAttachments returns a loader capping media at max bytes (documents at least DocumentMax).
func NewAttachments(allowPrivateURLs bool, max int64) *Attachments {
	if max <= 0 {
		max = DefaultAttachmentMax
	}
	return &Attachments{max: max, client: egress.New(egress.Options{
		AllowPrivate: allowPrivateURLs, Timeout: attachmentTimeout,
		MaxRedirects: attachmentRedirects, MaxBytes: max64(max, DocumentMax),
	})}
}

// Limit is the size cap of one kind of media.
func (a *Attachments) Limit(document bool) int64 {
	if document {
		return max64(a.max, DocumentMax)
	}
	return a.max
}

func tooLarge(limit int64) error {
	return &switchboard.Error{Code: switchboard.CodeTooLarge, Message: fmt.Sprintf("media is larger than %d MiB", limit>>20)}
}

// FromBase64 decodes an attachment given inline: plain base64 (standard or URL-safe, padded or
// not, line breaks allowed) or a data: URI.
func (a *Attachments) FromBase64(value string, limit int64) ([]byte, error) {
	if hasPrefixFold(value, "data:") {
		meta, data, found := strings.Cut(value[len("data:"):], ",")
		if !found || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
			return nil, invalid("mediaBase64 data URI must be base64-encoded (data:<type>;base64,...)")
		}
		value = data
	}
	value = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, value)
	if int64(len(value)) > int64(base64.StdEncoding.EncodedLen(int(limit))) {
		return nil, tooLarge(limit)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(value); err == nil {
			if len(raw) == 0 {
				return nil, invalid("mediaBase64 is empty")
			}
			return raw, nil
		}
	}
	return nil, invalid("mediaBase64 is not valid base64")
}

// attachmentFetchFailure explains a failed download without the network error's text (it would
// tell a caller which hosts and ports exist behind the gateway).
func attachmentFetchFailure(err error) error {
	var refused *egress.RefusedError
	var redirect *egress.RedirectError
	var status *egress.StatusError
	switch {
	case errors.Is(err, egress.ErrInvalidURL):
		return invalid("mediaUrl is not a valid http(s) URL")
	case errors.As(err, &refused):
		return invalid("mediaUrl refused: it points to a private or local network address")
	case errors.As(err, &redirect):
		return invalid("media could not be downloaded: " + redirect.Reason)
	case errors.As(err, &status):
		return invalid(fmt.Sprintf("media could not be downloaded: the server answered HTTP %d", status.Code))
	case errors.Is(err, context.DeadlineExceeded):
		return invalid(fmt.Sprintf("media download timed out (limit %s)", attachmentTimeout))
	}
	return &switchboard.Error{Code: switchboard.CodeInvalid, Message: "media could not be downloaded", Err: err}
}

// Mimetype is declared when given, else sniffed from the bytes (Go's content sniffing, plus
// the audio and video containers it does not know).
func Mimetype(data []byte, declared string) string {
	if declared = strings.TrimSpace(declared); declared != "" {
		return declared
	}
	switch {
	case IsWebP(data):
		return "image/webp"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		if string(data[8:11]) == "M4A" {
			return "audio/mp4"
		}
		return "video/mp4"
	case bytes.HasPrefix(data, []byte("OggS")):
		if bytes.Contains(data[:min(len(data), 64)], []byte("OpusHead")) {
			return "audio/ogg; codecs=opus"
		}
		return "audio/ogg"
	}
	return strings.ReplaceAll(http.DetectContentType(data), " ", "")
}

// IsWebP reports a RIFF/WEBP file.
func IsWebP(data []byte) bool {
	return len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP"
}

// IsOpus reports an OGG file carrying Opus, the only audio WhatsApp plays as a voice note.
func IsOpus(data []byte) bool {
	return bytes.HasPrefix(data, []byte("OggS")) && bytes.Contains(data[:min(len(data), 64)], []byte("OpusHead"))
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
