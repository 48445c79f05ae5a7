package httpapi

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// Limits of the S3 fields. Bucket names follow S3's rules (3 to 63 of lowercase letters, digits,
// '.' and '-', starting and ending with a letter or digit), which MinIO, B2 and Spaces share.
const (
	maxS3Region     = 64
	maxS3AccessKey  = 128
	maxS3SecretKey  = 256
	maxS3Endpoint   = 512
	maxS3PathPrefix = 512
)

// s3Config checks an enabling request. Every failure is RyzeAPI's 400 `Invalid request body`,
// with the reason in `detail`. The secret key is left to the caller (sealed or kept).
func (s *Server) s3Config(req s3Request) (*switchboard.S3Config, error) {
	bad := func(detail string) error { return &bodyError{detail: detail} }
	c := &switchboard.S3Config{
		Region: strings.TrimSpace(req.Region), Bucket: strings.TrimSpace(req.Bucket), AccessKey: strings.TrimSpace(req.AccessKey),
		Endpoint: strings.TrimSpace(req.Endpoint), PathPrefix: req.PathPrefix,
	}
	if !validBucket(c.Bucket) {
		return nil, bad("bucket must be an S3 bucket name: 3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit")
	}
	if c.AccessKey == "" || len(c.AccessKey) > maxS3AccessKey || !printable(c.AccessKey) {
		return nil, bad("accessKey is required (at most 128 printable characters)")
	}
	if req.SecretKey != nil && (*req.SecretKey == "" || len(*req.SecretKey) > maxS3SecretKey || !printable(*req.SecretKey)) {
		return nil, bad("secretKey must be 1 to 256 printable characters")
	}
	if len(c.Region) > maxS3Region || strings.IndexFunc(c.Region, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	}) >= 0 {
		return nil, bad("region must be a region name such as us-east-1")
	}
	if len(c.PathPrefix) > maxS3PathPrefix || !utf8.ValidString(c.PathPrefix) || strings.HasPrefix(c.PathPrefix, "/") ||
		strings.IndexFunc(c.PathPrefix, unicode.IsControl) >= 0 {
		return nil, bad("pathPrefix must be at most 512 characters, not start with '/' and hold no control characters")
	}
	if c.Endpoint != "" {
		endpoint, err := s.s3Endpoint(c.Endpoint)
		if err != nil {
			return nil, err
		}
		c.Endpoint = endpoint
	}
	return c, nil
}

// s3Endpoint checks an S3 endpoint: an http(s) URL of a host (and port) only. A literal private
// or loopback address is refused here for a clear answer; names are checked where it matters,
// when the uploader dials the address they resolve to.
func (s *Server) s3Endpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if len(raw) > maxS3Endpoint || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", &bodyError{detail: "endpoint must be empty (AWS) or an http or https URL of a host, e.g. https://nyc3.digitaloceanspaces.com"}
	}
	if !s.cfg.AllowPrivateS3Endpoints {
		host := u.Hostname()
		if addr, err := netip.ParseAddr(host); (err == nil && !egress.PublicAddress(addr)) || strings.EqualFold(host, "localhost") {
			return "", &bodyError{detail: "endpoint must not point to a private or loopback address"}
		}
	}
	return strings.TrimSuffix(raw, "/"), nil
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '-') && i > 0 && i < len(b)-1:
		default:
			return false
		}
	}
	return true
}

// printable reports whether v holds only printable ASCII (keys and key ids never hold more).
func printable(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}
