package media

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard"
)

func invalid(message string) error {
	return &switchboard.Error{Code: switchboard.CodeInvalid, Message: message}
}

var errImageTooLarge = invalid(fmt.Sprintf("image is larger than %d MiB", maxImageBytes>>20))

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// decodeDataURI accepts data:[<media type>];base64,<data>. The media type is not trusted (the
// decoder sniffs the format); only base64 payloads make sense for binary images.
func decodeDataURI(value string) ([]byte, error) {
	meta, data, found := strings.Cut(value[len("data:"):], ",")
	if !found || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil, invalid("image data URI must be base64-encoded (data:image/png;base64,...)")
	}
	return decodeBase64(data)
}

// decodeBase64 accepts standard or URL-safe base64, padded or not, with line breaks (clients
// often paste the output of `base64`, which wraps at 76 columns).
func decodeBase64(data string) ([]byte, error) {
	data = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, data)
	if len(data) > base64.StdEncoding.EncodedLen(maxImageBytes) {
		return nil, errImageTooLarge
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(data); err == nil {
			if len(raw) > maxImageBytes {
				return nil, errImageTooLarge
			}
			return raw, nil
		}
	}
	return nil, invalid("image must be an http(s) URL or base64-encoded image data")
}
