package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/switchboard/switchboard"
)

// Limits of one delivery attempt.
const (
	Timeout         = 15 * time.Second
	MaxResponseRead = 5 << 20 // bytes of the receiver's answer read before the connection is dropped
)

// Sender delivers signed events over one http.Client.
type Sender struct {
	client    *http.Client
	userAgent string
	baseURL   string // instanceData.baseUrl of every envelope
	now       func() time.Time
}

var _ switchboard.WebhookSender = (*Sender)(nil)

// NewSender wraps client (nil: a plain client, for tests only) so that redirects are not
// followed (a 3xx counts as a failed attempt, as Standard Webhooks says) and every attempt ends
// within Timeout. The caller's client is not modified.
func NewSender(client *http.Client, userAgent, baseURL string) *Sender {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout <= 0 || c.Timeout > Timeout {
		c.Timeout = Timeout
	}
	return &Sender{client: &c, userAgent: userAgent, baseURL: baseURL, now: time.Now}
}

// Send POSTs the envelope of e (an event of instance) to t, signed.
func (s *Sender) Send(ctx context.Context, t switchboard.WebhookTarget, e switchboard.Event, instance string) switchboard.DeliveryResult {
	body, err := Body(e, instance, s.baseURL)
	if err != nil {
		return switchboard.DeliveryResult{Err: fmt.Errorf("encode: %w", err)}
	}
	start := time.Now()
	res := s.SendBody(ctx, t, e.ID, e.Type, body)
	res.Latency = time.Since(start)
	return res
}

// SendBody POSTs an already encoded envelope (event eventID of type eventType) to t, signed.
func (s *Sender) SendBody(ctx context.Context, t switchboard.WebhookTarget, eventID, eventType string, body []byte) switchboard.DeliveryResult {
	signer, err := standardwebhooks.NewWebhook(t.Secret)
	if err != nil {
		return switchboard.DeliveryResult{Err: fmt.Errorf("signing secret unusable: %w", err)}
	}
	at := s.now()
	signature, err := signer.Sign(eventID, at, body)
	if err != nil {
		return switchboard.DeliveryResult{Err: fmt.Errorf("sign: %w", err)}
	}
	target := t.URL
	if t.ByEvents {
		target = strings.TrimRight(target, "/") + "/" + url.PathEscape(eventType)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return switchboard.DeliveryResult{Err: fmt.Errorf("request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(standardwebhooks.HeaderWebhookID, eventID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, signature)
	if t.Authorization != "" {
		req.Header.Set("Authorization", t.Authorization)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return switchboard.DeliveryResult{Err: cleanError(err)}
	}
	defer resp.Body.Close()
	// Drain a bounded amount so the connection can be reused; a receiver streaming more than the
	// cap is cut off rather than read forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseRead))
	res := switchboard.DeliveryResult{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		res.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return res
}

// MaxRetryAfter caps what a receiver's Retry-After can ask for, so one answer cannot park its
// events for longer than the whole retry schedule lasts.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After value (RFC 9110: delay-seconds or an HTTP date) as a wait from
// now, capped at MaxRetryAfter; 0 when it is absent, malformed or already past.
func RetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		d = time.Duration(min(secs, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if at, err := http.ParseTime(value); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// cleanError drops the URL net/http puts in its errors: it may carry credentials in its
// userinfo or query, and the error is stored and shown in the deliveries list.
func cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
}
