package switchboard

import (
	"context"
	"io"
	"time"
)

// S3Config is an instance's S3 (or S3-compatible) bucket for incoming media (RyzeAPI 2.1.11).
// The secret key is held sealed (AES-256-GCM, bound to the instance) and never returned.
type S3Config struct {
	InstanceID   int64
	Region       string // e.g. us-east-1; empty lets the client find it (AWS) or means none (MinIO)
	Bucket       string // must already exist: the gateway never creates buckets
	AccessKey    string
	SecretSealed []byte
	Endpoint     string // empty: AWS S3; otherwise an http(s) URL (MinIO, B2, Spaces, ...)
	PathPrefix   string // prepended to every object key, e.g. media/shop/
	UpdatedAt    time.Time
}

// S3Store persists S3 configurations.
type S3Store interface {
	// SetS3Config stores c as its instance's bucket, replacing any; nil c with instanceID deletes
	// it (RyzeAPI: disabling deletes the stored credentials). An unknown instance is ErrNotFound.
	SetS3Config(ctx context.Context, instanceID int64, c *S3Config) error
	// S3ConfigOf is ErrNotFound when the instance has no bucket configured.
	S3ConfigOf(ctx context.Context, instanceID int64) (*S3Config, error)
}

// ErrS3NotConfigured is MediaArchive.Put's answer for an instance without a bucket.
var ErrS3NotConfigured = &Error{Code: CodeNotFound, Message: "S3 is not configured for this instance"}

// MediaArchive stores media in an instance's own bucket, so events can carry `media.s3Url`.
// Package s3archive implements it on minio-go, dialling the endpoint through egress.
type MediaArchive interface {
	// Enabled reports whether the instance has a bucket, for callers deciding whether to
	// download media at all.
	Enabled(ctx context.Context, instanceID int64) (bool, error)
	// Put uploads size bytes of r (size -1 when unknown) as PathPrefix+key with the content type,
	// and returns the object's URL (path-style on a custom endpoint, virtual-host style on AWS;
	// not presigned: reading it needs the bucket's credentials or a public policy). An instance
	// without a bucket is ErrS3NotConfigured.
	Put(ctx context.Context, instanceID int64, key, mimetype string, r io.Reader, size int64) (url string, err error)
}
