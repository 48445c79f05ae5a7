// Package s3archive uploads media to an instance's own S3 (or S3-compatible) bucket with
// minio-go, so events can carry `media.s3Url`. Every endpoint is dialled through egress: loopback
// and private addresses are refused at dial time (after DNS) unless the operator allows them.
package s3archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// awsEndpoint is where an empty endpoint points.
const awsEndpoint = "s3.amazonaws.com"

// Configs is where the archive finds each instance's bucket (package store implements it).
type Configs interface {
	S3ConfigOf(ctx context.Context, instanceID int64) (*switchboard.S3Config, error)
}

// Options configure an Archive.
type Options struct {
	Configs Configs
	// Open unseals an instance's secret key (store.Sealer.Open); nil when the server has no
	// SWITCHBOARD_SECRET_KEY, and then no upload can be made.
	Open func(sealed []byte, instanceID int64) ([]byte, error)
	// AllowPrivate lets endpoints be on loopback and private addresses (a local MinIO).
	AllowPrivate bool
	// Timeout bounds connecting and waiting for each answer's headers (60 s when 0); the upload
	// itself is bounded by the caller's context.
	Timeout time.Duration
}

// Archive is a switchboard.MediaArchive on minio-go.
type Archive struct {
	o         Options
	transport http.RoundTripper

	mu      sync.Mutex
	clients map[int64]cached // by instance, rebuilt when the configuration changes
}

type cached struct {
	identity string // what the client was built from (clientIdentity)
	client   *minio.Client
	base     *url.URL // what object URLs start with
	awsStyle bool     // virtual-host style object URLs (AWS)
}

var _ switchboard.MediaArchive = (*Archive)(nil)

// New returns an Archive.
func New(o Options) *Archive {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	dialer := egress.NewDialer(o.AllowPrivate, o.Timeout)
	return &Archive{o: o, clients: map[int64]cached{}, transport: &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf, out of reach of the guard
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// Enabled reports whether the instance has a bucket.
func (a *Archive) Enabled(ctx context.Context, instanceID int64) (bool, error) {
	_, err := a.o.Configs.S3ConfigOf(ctx, instanceID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, switchboard.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Put uploads r as the instance's PathPrefix+key and returns the object's URL.
func (a *Archive) Put(ctx context.Context, instanceID int64, key, mimetype string, r io.Reader, size int64) (string, error) {
	cfg, err := a.o.Configs.S3ConfigOf(ctx, instanceID)
	if errors.Is(err, switchboard.ErrNotFound) {
		return "", switchboard.ErrS3NotConfigured
	}
	if err != nil {
		return "", err
	}
	c, err := a.client(cfg)
	if err != nil {
		return "", err
	}
	object := cfg.PathPrefix + strings.TrimPrefix(key, "/")
	if mimetype == "" {
		mimetype = "application/octet-stream"
	}
	if _, err := c.client.PutObject(ctx, cfg.Bucket, object, r, size, minio.PutObjectOptions{ContentType: mimetype}); err != nil {
		return "", fmt.Errorf("s3archive: upload to bucket %s: %w", cfg.Bucket, err)
	}
	return objectURL(c, cfg.Bucket, object), nil
}

// client returns the instance's client, built anew when its configuration changed.
func (a *Archive) client(cfg *switchboard.S3Config) (cached, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	identity := clientIdentity(cfg)
	if c, ok := a.clients[cfg.InstanceID]; ok && c.identity == identity {
		return c, nil
	}
	if a.o.Open == nil {
		return cached{}, errors.New("s3archive: the server has no SWITCHBOARD_SECRET_KEY to open the secret key")
	}
	secret, err := a.o.Open(cfg.SecretSealed, cfg.InstanceID)
	if err != nil {
		return cached{}, fmt.Errorf("s3archive: secret key: %w", err)
	}
	host, secure, awsStyle := awsEndpoint, true, true
	if cfg.Endpoint != "" {
		u, err := parseEndpoint(cfg.Endpoint)
		if err != nil {
			return cached{}, err
		}
		host, secure, awsStyle = u.Host, u.Scheme == "https", false
	}
	lookup := minio.BucketLookupPath
	if awsStyle && !strings.Contains(cfg.Bucket, ".") {
		lookup = minio.BucketLookupDNS
	} else {
		awsStyle = false
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, string(secret), ""),
		Secure:       secure,
		Region:       cfg.Region,
		Transport:    a.transport,
		BucketLookup: lookup,
	})
	if err != nil {
		return cached{}, fmt.Errorf("s3archive: %w", err)
	}
	c := cached{identity: identity, client: client, base: client.EndpointURL(), awsStyle: awsStyle}
	a.clients[cfg.InstanceID] = c
	return c, nil
}

// clientIdentity is everything a client is built from, so any change of it builds a new one
// (timestamps have millisecond resolution; two writes in one millisecond must not share one).
func clientIdentity(cfg *switchboard.S3Config) string {
	return strings.Join([]string{cfg.Endpoint, cfg.Region, cfg.Bucket, cfg.AccessKey, string(cfg.SecretSealed)}, "\x00")
}

// objectURL is the object's address: https://<bucket>.s3[.<region>].amazonaws.com/<key> on AWS,
// <endpoint>/<bucket>/<key> elsewhere (path style, which every S3-compatible service serves).
func objectURL(c cached, bucket, object string) string {
	u := *c.base
	if c.awsStyle {
		u.Host = bucket + "." + u.Host
		u.Path = "/" + object
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + bucket + "/" + object
	}
	u.RawPath = ""
	return u.String()
}

// parseEndpoint checks an S3 endpoint: an absolute http(s) URL with a host and nothing after it
// but an optional "/". Addresses are checked when dialled, not here.
func parseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("endpoint must be an http or https URL with only a host (and port), e.g. https://nyc3.digitaloceanspaces.com")
	}
	return u, nil
}
