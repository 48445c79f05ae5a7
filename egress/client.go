package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Options bound one kind of download.
type Options struct {
	// AllowPrivate lets the client reach loopback, private and link-local addresses. Off by
	// default: otherwise any caller could make the gateway probe its own network (SSRF).
	AllowPrivate bool
	// Timeout bounds the whole download: connecting, redirects, headers and body.
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed before giving up.
	MaxRedirects int
	// MaxBytes caps the body; a longer one is ErrTooLarge.
	MaxBytes int64
}

// Errors of Get besides *RefusedError, *RedirectError, *StatusError and the context's own.
var (
	ErrInvalidURL = errors.New("egress: not a valid http(s) URL")
	ErrTooLarge   = errors.New("egress: body exceeds the size limit")
)

// RedirectError is a redirect the client would not follow.
type RedirectError struct{ Reason string }

func (e *RedirectError) Error() string { return e.Reason }

// StatusError is an answer other than 200 OK.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return fmt.Sprintf("the server answered HTTP %d", e.Code) }

// Client downloads within its Options. Made once and shared, it keeps its connection pool.
type Client struct {
	opts Options
	http *http.Client
}

// New returns a Client for opts. It never uses the environment's proxy: a proxy would dial on
// our behalf, out of reach of the address check.
func New(opts Options) *Client {
	dialer := NewDialer(opts.AllowPrivate, opts.Timeout)
	return &Client{opts: opts, http: &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConns:          8,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= opts.MaxRedirects {
				return &RedirectError{Reason: "too many redirects"}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return &RedirectError{Reason: "redirected to a non-http(s) URL"}
			}
			return nil
		},
	}}
}

// Get downloads rawURL with the given request headers and returns the body. Failures are
// ErrInvalidURL, *RefusedError (the guard), *RedirectError, *StatusError, ErrTooLarge,
// context.DeadlineExceeded (the limit or the caller's deadline), or a network error whose text
// must not reach a client: it says which hosts exist and which ports are open.
func (c *Client) Get(ctx context.Context, rawURL string, header http.Header) ([]byte, error) {
	var body bytes.Buffer
	if _, err := c.Copy(ctx, rawURL, header, &body, c.opts.MaxBytes); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// Copy downloads rawURL like Get but streams the body into w, at most max bytes (and never
// more than Options.MaxBytes), so that a large download never sits whole in memory. It returns
// the bytes written; past the cap it stops with ErrTooLarge, having written part of the body.
func (c *Client) Copy(ctx context.Context, rawURL string, header http.Header, w io.Writer, max int64) (int64, error) {
	max = min(max, c.opts.MaxBytes)
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, ErrInvalidURL
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, ErrInvalidURL
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &StatusError{Code: resp.StatusCode}
	}
	if resp.ContentLength > max {
		return 0, ErrTooLarge
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, max+1))
	if err != nil {
		return n, err
	}
	if n > max {
		return n, ErrTooLarge
	}
	return n, nil
}
