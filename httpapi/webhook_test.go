package httpapi

import (
	"testing"

	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestWebhookNeedsSealingKey: a server without SWITCHBOARD_SECRET_KEY (outside the sandbox,
// which keeps its own key) refuses to enable a webhook, whose signing secret it could only store
// in clear, and stores nothing; disabling needs no secret and works. The store and outbox are the
// real ones.
func TestWebhookNeedsSealingKey(t *testing.T) {
	st := storetest.Open(t)
	ob := outbox.New(outbox.Options{Store: st})
	t.Cleanup(ob.Close)
	e := newEnvOn(t, st, func(c *Config) {
		c.Sealer = nil
		c.Webhooks, c.Events, c.Websockets, c.Stream = st, ob, st, ob
		c.AllowPrivateWebhookURLs = true
	})
	acc := e.account("a", 0)
	e.instance(acc, "shop")
	e.do("POST", "/api/events/webhook/shop", acc, map[string]any{"url": "http://127.0.0.1:9/x"}).
		WantErrorCode(400, "Webhooks cannot be enabled: this server has no encryption key configured (SWITCHBOARD_SECRET_KEY) to protect their secrets", "invalid")
	if got := e.do("GET", "/api/events/getWebhook/shop", acc, nil).Want(200).Get("webhooks"); len(got.([]any)) != 0 {
		t.Fatalf("stored without a key: %v", got)
	}
	e.do("POST", "/api/events/webhook/shop", acc, map[string]any{"label": "off", "enabled": false}).Want(200)
	res := e.do("POST", "/api/instance/new", acc, map[string]any{"name": "other", "webhookEnabled": true, "webhookURL": "http://127.0.0.1:9/x"}).Want(201)
	if res.Get("instance.webhook.enabled") != false || res.Str("instance.webhook.error") == "" {
		t.Fatalf("inline webhook without a key: %v", res.Get("instance.webhook"))
	}
}
