package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app"
)

// The S3 tests run a real S3-compatible server, gofakes3 over HTTP on loopback, started by the
// test (see README: no other S3 server runs on the CI machine).

func startFakeS3(t *testing.T, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestS3ConfigRoutes: RyzeAPI 2.1.11's set and read, the secret key sealed in the database and
// never returned, kept only for the same endpoint and access key, and {"enabled":false} deleting
// everything.
func TestS3ConfigRoutes(t *testing.T) {
	e := productionGateway(t)
	acc := e.Account("acme")
	inst := e.Instance(acc, "shop")
	const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"

	res := e.Do("GET", "/api/instance/getS3/shop", inst, nil).Want(http.StatusOK)
	if res.Get("s3.enabled") != false || res.Get("s3.bucket") != "" || !res.Has("s3") || res.Get("s3.secretKey") != nil {
		t.Fatalf("read before any configuration: %s", res.Raw)
	}
	body := map[string]any{"enabled": true, "region": "us-east-1", "bucket": "ryzeapi-media", "accessKey": "AKIAEXAMPLE",
		"secretKey": secret, "endpoint": "", "pathPrefix": "media/shop/"}
	res = e.Do("POST", "/api/instance/s3/shop", inst, body).Want(http.StatusOK)
	if res.Str("message") != "S3 configuration updated" || res.Get("s3.enabled") != true || res.Str("s3.bucket") != "ryzeapi-media" ||
		res.Str("s3.pathPrefix") != "media/shop/" || res.Has("s3.secretKey") {
		t.Fatalf("update answer: %s", res.Raw)
	}
	res = e.Do("GET", "/api/instance/getS3/shop", acc, nil).Want(http.StatusOK)
	if res.Str("s3.accessKey") != "AKIAEXAMPLE" || res.Str("s3.region") != "us-east-1" || res.Get("s3.secretKey") != nil ||
		!strings.Contains(string(res.Raw), `"secretKey":null`) {
		t.Fatalf("read: %s", res.Raw)
	}
	var sealed []byte
	if err := e.App.Store().DB().QueryRowContext(context.Background(), `SELECT secret_sealed FROM instance_s3`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(secret)) {
		t.Fatalf("the secret key is not sealed in the database: %q", sealed)
	}

	// Written back without the secret (it cannot be read): kept for the same endpoint and key.
	delete(body, "secretKey")
	body["pathPrefix"] = "media/v2/"
	e.Do("POST", "/api/instance/s3/shop", inst, body).Want(http.StatusOK)
	var kept []byte
	_ = e.App.Store().DB().QueryRowContext(context.Background(), `SELECT secret_sealed FROM instance_s3`).Scan(&kept)
	if !bytes.Equal(kept, sealed) {
		t.Fatal("the stored secret changed on a write without secretKey")
	}
	// Another access key without a secret: refused, nothing changed.
	body["accessKey"] = "AKIAOTHER"
	e.Do("POST", "/api/instance/s3/shop", inst, body).WantError(http.StatusBadRequest, "Invalid request body")
	if e.Do("GET", "/api/instance/getS3/shop", inst, nil).Str("s3.accessKey") != "AKIAEXAMPLE" {
		t.Fatal("a refused update changed the configuration")
	}

	e.Do("POST", "/api/instance/s3/shop", inst, map[string]any{"enabled": false}).Want(http.StatusOK)
	res = e.Do("GET", "/api/instance/getS3/shop", inst, nil).Want(http.StatusOK)
	if res.Get("s3.enabled") != false || res.Str("s3.accessKey") != "" {
		t.Fatalf("read after disabling: %s", res.Raw)
	}
	var rows int
	_ = e.App.Store().DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM instance_s3`).Scan(&rows)
	if rows != 0 {
		t.Fatal("disabling kept the stored credentials")
	}
	// Re-enabling needs every field again.
	e.Do("POST", "/api/instance/s3/shop", inst, map[string]any{"enabled": true, "bucket": "ryzeapi-media", "accessKey": "AKIAEXAMPLE"}).
		WantError(http.StatusBadRequest, "Invalid request body")
}

// TestS3EndpointGuard: a loopback endpoint is refused when set, unless the operator allows
// private endpoints.
func TestS3EndpointGuard(t *testing.T) {
	e := productionGateway(t)
	acc := e.Account("acme")
	e.Instance(acc, "shop")
	for _, endpoint := range []string{"http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000", "http://10.1.2.3"} {
		res := e.Do("POST", "/api/instance/s3/shop", acc, map[string]any{"enabled": true, "bucket": "media", "accessKey": "k",
			"secretKey": "s", "endpoint": endpoint}).WantError(http.StatusBadRequest, "Invalid request body")
		if !strings.Contains(string(res.Raw), "private or loopback") {
			t.Fatalf("%s: %s", endpoint, res.Raw)
		}
	}
	for _, endpoint := range []string{"ftp://s3.example.com", "https://s3.example.com/bucket", "https://user:pw@s3.example.com", "s3.example.com"} {
		e.Do("POST", "/api/instance/s3/shop", acc, map[string]any{"enabled": true, "bucket": "media", "accessKey": "k",
			"secretKey": "s", "endpoint": endpoint}).WantError(http.StatusBadRequest, "Invalid request body")
	}
}

// TestS3UploadThroughTheGateway: a bucket configured through the API is where the gateway's
// media archive uploads (the secret key opened from its sealed form); the object reads back
// byte for byte with an independent client and at the URL the archive returned.
func TestS3UploadThroughTheGateway(t *testing.T) {
	endpoint := startFakeS3(t, "media")
	e := productionGateway(t, func(c *app.Config) { c.AllowPrivateS3Endpoints = true })
	acc := e.Account("acme")
	e.Instance(acc, "shop")
	e.Do("POST", "/api/instance/s3/shop", acc, map[string]any{"enabled": true, "region": "us-east-1", "bucket": "media",
		"accessKey": "AKIATEST", "secretKey": "test-secret", "endpoint": endpoint, "pathPrefix": "shop/"}).Want(http.StatusOK)
	account, err := e.App.Store().AccountByTokenHash(context.Background(), switchboard.HashToken(acc))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := e.App.Store().InstanceByName(context.Background(), account.ID, "shop")
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 1<<20+3)
	_, _ = rand.Read(payload)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url, err := e.App.MediaArchive().Put(ctx, inst.ID, "3EB0ABCDEF.jpg", "image/jpeg", bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		t.Fatal(err)
	}
	if url != endpoint+"/media/shop/3EB0ABCDEF.jpg" {
		t.Fatalf("object URL %q", url)
	}
	reader, err := minio.New(strings.TrimPrefix(endpoint, "http://"), &minio.Options{Creds: credentials.NewStaticV4("AKIATEST", "test-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := reader.GetObject(ctx, "media", "shop/3EB0ABCDEF.jpg", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(payload) {
		t.Fatalf("read back %d bytes that differ from the %d uploaded", len(got), len(payload))
	}
}

// TestS3InlineOnCreate: the s3 block of POST /api/instance/new stores the bucket like the route;
// a bad block leaves the instance created with the reason (RyzeAPI's log-and-continue).
func TestS3InlineOnCreate(t *testing.T) {
	e := productionGateway(t)
	acc := e.Account("acme")
	res := e.Do("POST", "/api/instance/new", acc, map[string]any{"name": "inline", "s3Enabled": true, "s3Region": "eu-west-1",
		"s3Bucket": "media-eu", "s3AccessKey": "AKIAINLINE", "s3SecretKey": "inline-secret", "s3PathPrefix": "in/"}).Want(http.StatusCreated)
	if res.Get("instance.s3.enabled") != true || res.Has("instance.s3.error") || strings.Contains(string(res.Raw), "inline-secret") {
		t.Fatalf("create answer: %s", res.Raw)
	}
	got := e.Do("GET", "/api/instance/getS3/inline", res.Str("instance.token"), nil).Want(http.StatusOK)
	if got.Str("s3.bucket") != "media-eu" || got.Str("s3.region") != "eu-west-1" || got.Str("s3.pathPrefix") != "in/" || got.Get("s3.secretKey") != nil {
		t.Fatalf("read after an inline block: %s", got.Raw)
	}
	res = e.Do("POST", "/api/instance/new", acc, map[string]any{"name": "badblock", "s3Enabled": true, "s3Bucket": "Not_A_Bucket",
		"s3AccessKey": "k", "s3SecretKey": "s"}).Want(http.StatusCreated)
	if res.Get("instance.s3.enabled") != false || !strings.Contains(res.Str("instance.s3.error"), "bucket") {
		t.Fatalf("create answer with a bad s3 block: %s", res.Raw)
	}
	if e.Do("GET", "/api/instance/getS3/badblock", acc, nil).Get("s3.enabled") != false {
		t.Fatal("a refused inline block was stored")
	}
}
