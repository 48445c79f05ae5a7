package s3archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
	"github.com/switchboard/switchboard/s3archive"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// These tests upload to a real S3-compatible server, gofakes3 over HTTP on loopback, started by
// the test, with the configuration stored (secret sealed) in a real store, and read the object
// back with an independent client.

type scene struct {
	s      *store.Store
	sealer *store.Sealer
	inst   *switchboard.Instance
	s3URL  string
}

const (
	bucket    = "media"
	accessKey = "AKIATEST"
	secretKey = "s3cr3t-key"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func newScene(t *testing.T, s *store.Store) *scene {
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := s.CreateAccount(ctx(t), "acme", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
	if err != nil {
		t.Fatal(err)
	}
	inst := &switchboard.Instance{AccountID: acc.ID, Name: "shop", Settings: switchboard.DefaultSettings()}
	if err := s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix)), 0); err != nil {
		t.Fatal(err)
	}
	return &scene{s: s, sealer: sealer, inst: inst, s3URL: srv.URL}
}

func (sc *scene) configure(t *testing.T, prefix string) {
	sealed, err := sc.sealer.Seal([]byte(secretKey), sc.inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = sc.s.SetS3Config(ctx(t), sc.inst.ID, &switchboard.S3Config{Region: "us-east-1", Bucket: bucket, AccessKey: accessKey,
		SecretSealed: sealed, Endpoint: sc.s3URL, PathPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
}

func (sc *scene) archive(allowPrivate bool) *s3archive.Archive {
	return s3archive.New(s3archive.Options{Configs: sc.s, Open: sc.sealer.Open, AllowPrivate: allowPrivate})
}

// TestPutReadsBack uploads media and reads it back, by SHA-256, with its content type, both
// through an independent S3 client and at the URL the archive returned.
func TestPutReadsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sc := newScene(t, s)
		a := sc.archive(true)
		if on, err := a.Enabled(ctx(t), sc.inst.ID); err != nil || on {
			t.Fatalf("Enabled before configuring = %v, %v", on, err)
		}
		if _, err := a.Put(ctx(t), sc.inst.ID, "x.jpg", "image/jpeg", bytes.NewReader([]byte("x")), 1); !errors.Is(err, switchboard.ErrS3NotConfigured) {
			t.Fatalf("Put without a bucket: %v", err)
		}
		sc.configure(t, "media/shop/")
		if on, err := a.Enabled(ctx(t), sc.inst.ID); err != nil || !on {
			t.Fatalf("Enabled after configuring = %v, %v", on, err)
		}
		payload := make([]byte, 3<<20+17) // more than one buffer, not a round size
		_, _ = rand.Read(payload)
		url, err := a.Put(ctx(t), sc.inst.ID, "3EB0C431C26A1916/photo one.jpg", "image/jpeg", bytes.NewReader(payload), int64(len(payload)))
		if err != nil {
			t.Fatal(err)
		}
		want := sc.s3URL + "/media/media/shop/3EB0C431C26A1916/photo%20one.jpg"
		if url != want {
			t.Fatalf("object URL %q, want %q", url, want)
		}

		reader, err := minio.New(sc.s3URL[len("http://"):], &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := reader.GetObject(ctx(t), bucket, "media/shop/3EB0C431C26A1916/photo one.jpg", minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		if err != nil {
			t.Fatal(err)
		}
		info, err := obj.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(got) != sha256.Sum256(payload) || info.ContentType != "image/jpeg" {
			t.Fatalf("read back %d bytes (%s), want the %d uploaded (image/jpeg)", len(got), info.ContentType, len(payload))
		}

		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || sha256.Sum256(body) != sha256.Sum256(payload) {
			t.Fatalf("GET %s: %d, %d bytes", url, resp.StatusCode, len(body))
		}
	})
}

// TestPrivateEndpointRefusedAtDial: without the operator's opt-in, the loopback endpoint is
// refused by egress's guard when dialled, and nothing is uploaded.
func TestPrivateEndpointRefusedAtDial(t *testing.T) {
	sc := newScene(t, storetest.Open(t))
	sc.configure(t, "")
	_, err := sc.archive(false).Put(ctx(t), sc.inst.ID, "a.txt", "text/plain", bytes.NewReader([]byte("hi")), 2)
	var refused *egress.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("upload to a loopback endpoint: %v, want egress's refusal", err)
	}
}

// TestConfigChangeTakesEffect: a new configuration (another prefix) is used by the next upload
// without a restart.
func TestConfigChangeTakesEffect(t *testing.T) {
	sc := newScene(t, storetest.Open(t))
	a := sc.archive(true)
	sc.configure(t, "one/")
	u1, err := a.Put(ctx(t), sc.inst.ID, "a.txt", "text/plain", bytes.NewReader([]byte("hi")), 2)
	if err != nil {
		t.Fatal(err)
	}
	sc.configure(t, "two/")
	u2, err := a.Put(ctx(t), sc.inst.ID, "a.txt", "text/plain", bytes.NewReader([]byte("hi")), -1)
	if err != nil {
		t.Fatal(err)
	}
	if u1 != sc.s3URL+"/media/one/a.txt" || u2 != sc.s3URL+"/media/two/a.txt" {
		t.Fatalf("URLs %q, %q", u1, u2)
	}
}
