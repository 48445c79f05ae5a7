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
)

// Limits of one delivery attempt.
const (
	Timeout         = 15 * time.Second
	MaxResponseRead = 5 << 20 // bytes of the receiver's answer read before the connection is dropped
)

// Target is where and how one webhook receives events; Secret and Authorization are plaintext
// here, opened just for the attempt.
type Target struct {
	URL           string
	ByEvents      bool // POST to URL + "/" + event type
	Authorization string
	Secret        string
}

// Result is what one attempt got.
type Result struct {
	Status  int // the HTTP status; 0 when no answer came
	Latency time.Duration
	Err     error // transport failure; nil when an answer came, whatever its status
}

// OK reports a 2xx answer.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Sender delivers signed events over one http.Client.
type Sender struct {
	client    *http.Client
	userAgent string
	now       func() time.Time
}

// NewSender wraps client (nil: a plain client, for tests only) so that redirects are not
// followed (a 3xx counts as a failed attempt, as Standard Webhooks says) and every attempt ends
// within Timeout. The caller's client is not modified.
func NewSender(client *http.Client, userAgent string) *Sender {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout <= 0 || c.Timeout > Timeout {
		c.Timeout = Timeout
	}
	return &Sender{client: &c, userAgent: userAgent, now: time.Now}
}

// Send POSTs body (the envelope of event eventID of type eventType) to t, signed.
func (s *Sender) Send(ctx context.Context, t Target, eventID, eventType string, body []byte) Result {
	start := time.Now()
	res := s.send(ctx, t, eventID, eventType, body)
	res.Latency = time.Since(start)
	return res
}

func (s *Sender) send(ctx context.Context, t Target, eventID, eventType string, body []byte) Result {
	signer, err := standardwebhooks.NewWebhook(t.Secret)
	if err != nil {
		return Result{Err: fmt.Errorf("signing secret unusable: %w", err)}
	}
	at := s.now()
	signature, err := signer.Sign(eventID, at, body)
	if err != nil {
		return Result{Err: fmt.Errorf("sign: %w", err)}
	}
	target := t.URL
	if t.ByEvents {
		target = strings.TrimRight(target, "/") + "/" + url.PathEscape(eventType)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Result{Err: fmt.Errorf("request: %w", err)}
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
		return Result{Err: cleanError(err)}
	}
	defer resp.Body.Close()
	// Drain a bounded amount so the connection can be reused; a receiver streaming more than the
	// cap is cut off rather than read forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseRead))
	return Result{Status: resp.StatusCode}
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
