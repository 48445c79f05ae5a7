package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestEventMediaDownloadedOncePerEvent: an attachment a phone sends is needed at delivery by the
// instance's S3 copy and by two webhooks with mediaBase64; the gateway downloads it from
// WhatsApp's media host once (counted by wasim's media host), and every receiver still gets the
// file: both webhooks byte for byte in media.base64, and the bucket's URL in media.s3Url.
func TestEventMediaDownloadedOncePerEvent(t *testing.T) {
	endpoint := startFakeS3(t, "media")
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"message.exchange"}, func(c *app.Config) { c.AllowPrivateS3Endpoints = true })
	s.e.Do("POST", "/api/events/webhook/shop", s.acc, map[string]any{"label": "default", "enabled": true, "url": s.rcv.URL + "/hook",
		"events": []string{"message.exchange"}, "mediaBase64": true}).Want(http.StatusOK)
	second := webhooktest.Start(t)
	setWebhook(t, s.e, s.acc, "shop", second, map[string]any{"label": "second", "events": []string{"message.exchange"}, "mediaBase64": true})
	s.e.Do("POST", "/api/instance/s3/shop", s.acc, map[string]any{"enabled": true, "region": "us-east-1", "bucket": "media",
		"accessKey": "AKIATEST", "secretKey": "test-secret", "endpoint": endpoint, "pathPrefix": "shop/"}).Want(http.StatusOK)

	file := make([]byte, 40_000)
	_, _ = rand.Read(file)
	before := s.sim().MediaDownloads()
	id := s.phoneSends(s.phone, wasim.PhoneMessage{To: s.ownJID().String(), Type: "document",
		Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file), Mimetype: "application/pdf", FileName: "f.pdf"}})

	for name, rcv := range map[string]*webhooktest.Receiver{"default": s.rcv, "second": second} {
		m := (&eventScene{t: t, e: s.e, rcv: rcv}).waitMessage(id)
		got, _ := base64.StdEncoding.DecodeString(m.Media.Base64)
		if !bytes.Equal(got, file) || m.Media.S3URL != endpoint+"/media/shop/"+id+".pdf" {
			t.Fatalf("webhook %s: %d inline bytes (equal %v), s3Url %q", name, len(got), bytes.Equal(got, file), m.Media.S3URL)
		}
	}
	if n := s.sim().MediaDownloads() - before; n != 1 {
		t.Fatalf("the media host served the file %d times for one event, want 1", n)
	}
}
