package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // registers the GIF decoder for image.Decode
	"image/jpeg"
	_ "image/png" // registers the PNG decoder for image.Decode
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard/switchboard"
)

// Limits of group and community pictures taken from clients.
const (
	maxImageBytes     = 5 << 20          // encoded size, downloaded or base64-decoded
	imageFetchTimeout = 10 * time.Second // the whole download, redirects and body included
	maxImageRedirects = 5
	// maxImagePixels bounds the decoded size: a small, highly compressed PNG can claim a huge
	// canvas and exhaust memory when decoded (a decompression bomb).
	maxImagePixels = 25_000_000
	// pictureSide is the side of the square picture WhatsApp shows for groups (640×640, the
	// size its own apps upload); larger images are scaled down to it.
	pictureSide  = 640
	pictureJPEGQ = 85
)

// loadImage turns a client's `image` value into the JPEG WhatsApp takes as a group picture.
// value is an http(s) URL, a data URI (data:image/png;base64,...) or bare base64. The image
// may be PNG, JPEG or GIF (first frame); it is cropped to a centred square, scaled down to at
// most 640×640 and re-encoded as JPEG (transparency becomes white). Every failure is a
// CodeInvalid *switchboard.Error whose message says what was wrong with the image, so callers
// can put it in a 400 or in an additive `imageError` field as is.
func (s *Server) loadImage(ctx context.Context, value string) ([]byte, error) {
	raw, err := s.imageBytes(ctx, strings.TrimSpace(value))
	if err != nil {
		return nil, err
	}
	return toGroupPicture(raw)
}

// imageBytes returns the encoded image a value points to or contains.
func (s *Server) imageBytes(ctx context.Context, value string) ([]byte, error) {
	switch {
	case value == "":
		return nil, imageInvalid("image is empty")
	case hasPrefixFold(value, "http://"), hasPrefixFold(value, "https://"):
		return fetchImage(ctx, value, s.cfg.AllowPrivateImageURLs)
	case hasPrefixFold(value, "data:"):
		return decodeDataURI(value)
	default:
		return decodeBase64Image(value)
	}
}

func imageInvalid(message string) error {
	return &switchboard.Error{Code: switchboard.CodeInvalid, Message: message}
}

var errImageTooLarge = imageInvalid(fmt.Sprintf("image is larger than %d MiB", maxImageBytes>>20))

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// decodeDataURI accepts data:[<media type>];base64,<data>. The media type is not trusted (the
// decoder sniffs the format); only base64 payloads make sense for binary images.
func decodeDataURI(value string) ([]byte, error) {
	meta, data, found := strings.Cut(value[len("data:"):], ",")
	if !found || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil, imageInvalid("image data URI must be base64-encoded (data:image/png;base64,...)")
	}
	return decodeBase64Image(data)
}

// decodeBase64Image accepts standard or URL-safe base64, padded or not, with line breaks
// (clients often paste the output of `base64`, which wraps at 76 columns).
func decodeBase64Image(data string) ([]byte, error) {
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
	return nil, imageInvalid("image must be an http(s) URL or base64-encoded image data")
}

// fetchImage downloads an image URL within the size cap and the timeout.
func fetchImage(ctx context.Context, rawURL string, allowPrivate bool) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, imageInvalid("image URL is not a valid http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, imageFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, imageInvalid("image URL is not a valid http(s) URL")
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif")
	req.Header.Set("User-Agent", "Switchboard")
	client := strictImageClient
	if allowPrivate {
		client = openImageClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchFailure(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, imageInvalid(fmt.Sprintf("image could not be downloaded: the server answered HTTP %d", resp.StatusCode))
	}
	if resp.ContentLength > maxImageBytes {
		return nil, errImageTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxImageBytes+1))
	if err != nil {
		return nil, fetchFailure(err)
	}
	if len(body) > maxImageBytes {
		return nil, errImageTooLarge
	}
	return body, nil
}

// fetchFailure explains a failed download without the network error's text: that text would
// tell a caller probing the gateway's network which hosts exist and which ports are open.
func fetchFailure(err error) error {
	var private *privateAddressError
	var redirects *redirectError
	switch {
	case errors.As(err, &private):
		return imageInvalid("image URL refused: it points to a private or local network address")
	case errors.As(err, &redirects):
		return imageInvalid("image could not be downloaded: " + redirects.reason)
	case errors.Is(err, context.DeadlineExceeded):
		return imageInvalid(fmt.Sprintf("image download timed out (limit %s)", imageFetchTimeout))
	default:
		return &switchboard.Error{Code: switchboard.CodeInvalid, Message: "image could not be downloaded", Err: err}
	}
}

// Two clients, made once so they keep their connection pools: the strict one checks every
// address it dials, the open one (AllowPrivateImageURLs) does not. Neither uses the
// environment's proxy: a proxy would dial on our behalf, out of reach of the address check.
var (
	strictImageClient = newImageClient(false)
	openImageClient   = newImageClient(true)
)

func newImageClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: imageFetchTimeout}
	if !allowPrivate {
		// Control runs on the address actually dialled, after DNS and on every redirect, so
		// neither a DNS name pointing inside nor a redirect to 127.0.0.1 gets through.
		dialer.Control = refusePrivateAddress
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   imageFetchTimeout,
			ResponseHeaderTimeout: imageFetchTimeout,
			MaxIdleConns:          8,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxImageRedirects {
				return &redirectError{reason: "too many redirects"}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return &redirectError{reason: "redirected to a non-http(s) URL"}
			}
			return nil
		},
	}
}

type redirectError struct{ reason string }

func (e *redirectError) Error() string { return e.reason }

type privateAddressError struct{ addr netip.Addr }

func (e *privateAddressError) Error() string { return "refusing to connect to " + e.addr.String() }

func refusePrivateAddress(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !publicAddress(addr) {
		return &privateAddressError{addr: addr}
	}
	return nil
}

// nonPublicPrefixes are the ranges netip's predicates do not cover: shared (carrier-grade NAT),
// "this network", IETF protocol assignments, benchmarking, reserved, and the IPv6 translation
// prefixes that can embed any IPv4 address, private ones included.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
}

// publicAddress reports whether addr is a globally routable unicast address.
func publicAddress(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// toGroupPicture decodes raw (PNG, JPEG or GIF) and re-encodes it as WhatsApp's square JPEG.
func toGroupPicture(raw []byte) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, imageInvalid("image format not supported: use PNG, JPEG or GIF")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, imageInvalid(fmt.Sprintf("image dimensions are too large (at most %d megapixels)", maxImagePixels/1_000_000))
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, imageInvalid("image data is corrupt or truncated")
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, squarePicture(img, pictureSide), &jpeg.Options{Quality: pictureJPEGQ}); err != nil {
		return nil, switchboard.Wrap(switchboard.CodeInternal, "image could not be converted to JPEG", err)
	}
	return out.Bytes(), nil
}

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
