package media

import (
	"bytes"
	"context"
	"image/jpeg"
	"strings"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// Loader loads pictures. Made once per server: it holds the download client's connection pool
// and the decode slots every request shares.
type Loader struct {
	client *egress.Client
	slots  chan struct{} // one token per decode running
}

// NewLoader returns a Loader; allowPrivateURLs lets image URLs point to loopback, private and
// link-local addresses (SWITCHBOARD_ALLOW_PRIVATE_IMAGE_URLS).
func NewLoader(allowPrivateURLs bool) *Loader {
	return &Loader{
		client: egress.New(egress.Options{
			AllowPrivate: allowPrivateURLs,
			Timeout:      imageFetchTimeout,
			MaxRedirects: maxImageRedirects,
			MaxBytes:     maxImageBytes,
		}),
		slots: make(chan struct{}, maxConcurrentDecodes),
	}
}

// GroupPicture turns a client's `image` value into the JPEG WhatsApp takes as a group picture.
// value is an http(s) URL, a data URI (data:image/png;base64,...) or bare base64. The image may
// be PNG, JPEG or GIF (first frame); it is cropped to a centred square, scaled down to at most
// 640×640 and re-encoded as JPEG (transparency becomes white). Every failure is a CodeInvalid
// *switchboard.Error whose message can go in a 400 or an additive `imageError` field as is,
// except a request that ends while waiting for a decode slot, which returns the context's error.
func (l *Loader) GroupPicture(ctx context.Context, value string) ([]byte, error) {
	raw, err := l.imageBytes(ctx, strings.TrimSpace(value))
	if err != nil {
		return nil, err
	}
	img, err := l.decode(ctx, raw)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, squarePicture(img, pictureSide), &jpeg.Options{Quality: pictureJPEGQ}); err != nil {
		return nil, switchboard.Wrap(switchboard.CodeInternal, "image could not be converted to JPEG", err)
	}
	return out.Bytes(), nil
}

// imageBytes returns the encoded image a value points to or contains.
func (l *Loader) imageBytes(ctx context.Context, value string) ([]byte, error) {
	switch {
	case value == "":
		return nil, invalid("image is empty")
	case hasPrefixFold(value, "http://"), hasPrefixFold(value, "https://"):
		return l.fetch(ctx, value)
	case hasPrefixFold(value, "data:"):
		return decodeDataURI(value)
	default:
		return decodeBase64(value)
	}
}
