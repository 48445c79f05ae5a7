package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestEventMediaCopiedToTheInstancesBucket: with S3 configured for the instance (RyzeAPI
// §2.1.11), an attachment a phone sends reaches the webhook as a message.exchange whose
// media.s3Url names an object in the instance's bucket holding exactly the phone's file; an
// instance without a bucket gets no s3Url. The bucket is gofakes3 over HTTP on loopback.
func TestEventMediaCopiedToTheInstancesBucket(t *testing.T) {
	endpoint := startFakeS3(t, "media")
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"message.exchange"}, func(c *app.Config) { c.AllowPrivateS3Endpoints = true })
	send := func(file []byte) string {
		return s.phoneSends(s.phone, wasim.PhoneMessage{To: s.ownJID().String(), Type: "document",
			Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file), Mimetype: "application/pdf", FileName: "report.pdf"}})
	}
	before := make([]byte, 3000)
	_, _ = rand.Read(before)
	if m := s.waitMessage(send(before)); m.Media == nil || m.Media.S3URL != "" {
		t.Fatalf("without a bucket: media %+v, want no s3Url", m.Media)
	}

	s.e.Do("POST", "/api/instance/s3/shop", s.acc, map[string]any{"enabled": true, "region": "us-east-1", "bucket": "media",
		"accessKey": "AKIATEST", "secretKey": "test-secret", "endpoint": endpoint, "pathPrefix": "shop/"}).Want(http.StatusOK)
	file := make([]byte, 70_000)
	_, _ = rand.Read(file)
	id := send(file)
	m := s.waitMessage(id)
	want := endpoint + "/media/shop/" + id + ".pdf"
	if m.Media == nil || m.Media.S3URL != want {
		t.Fatalf("media %+v, want s3Url %s", m.Media, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reader, err := minio.New(strings.TrimPrefix(endpoint, "http://"), &minio.Options{Creds: credentials.NewStaticV4("AKIATEST", "test-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := reader.GetObject(ctx, "media", "shop/"+id+".pdf", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(file) {
		t.Fatalf("the bucket holds %d bytes that differ from the %d the phone sent", len(got), len(file))
	}
}
