package switchboard

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
)

// EventEnricher completes an event's data at delivery time, outside WhatsApp's event handler
// (which stores only what it must). The outbox calls it before every attempt; mediaBase64 is the
// receiving webhook's setting. An enricher that cannot do its part returns the data it got, so
// that a delivery is never held up by an optional extra. An S3 uploader (media.s3Url) is another
// enricher beside MediaInliner; EnrichChain runs several in order.
type EventEnricher interface {
	Enrich(ctx context.Context, e Event, instance string, mediaBase64 bool) json.RawMessage
}

// EnrichChain runs enrichers one after the other, each on the previous one's data.
type EnrichChain []EventEnricher

// Enrich implements EventEnricher.
func (c EnrichChain) Enrich(ctx context.Context, e Event, instance string, mediaBase64 bool) json.RawMessage {
	for _, en := range c {
		e.Data = en.Enrich(ctx, e, instance, mediaBase64)
	}
	return e.Data
}

// DefaultEventMediaMax is the largest attachment inlined as media.base64 (SWITCHBOARD_EVENT_MEDIA_MAX).
const DefaultEventMediaMax = 8 << 20

// MediaInliner adds to a message.exchange event with an attachment a `media.url` to the gateway's
// GET /api/chat/base64 route, and, for a webhook with mediaBase64 on, the file itself as
// `media.base64` when it is at most MaxBytes. The file is downloaded from WhatsApp with the keys
// the message store kept when the message was captured; a failed download (expired media, the
// instance offline) leaves only the URL, which the receiver can try later.
type MediaInliner struct {
	Messages MessageStore
	// Download fetches and decrypts an attachment of an instance (the session's MessageClient).
	Download func(ctx context.Context, instanceID int64, ref *MediaRef) ([]byte, error)
	MaxBytes int64
	BaseURL  string
	// OnError is told why a file was not inlined (for the log); nil ignores it.
	OnError func(e Event, err error)
}

// Enrich implements EventEnricher.
func (m *MediaInliner) Enrich(ctx context.Context, e Event, instance string, mediaBase64 bool) json.RawMessage {
	if e.Type != EventMessageExchange || !bytes.Contains(e.Data, []byte(`"media":`)) {
		return e.Data
	}
	var d MessageExchangeData
	if err := json.Unmarshal(e.Data, &d); err != nil || d.Message.Media == nil {
		return e.Data
	}
	media := d.Message.Media
	media.URL = strings.TrimRight(m.BaseURL, "/") + "/api/chat/base64/" + url.PathEscape(instance) + "?messageId=" + url.QueryEscape(d.ID)
	if mediaBase64 && (media.Size == 0 || int64(media.Size) <= m.MaxBytes) {
		if data, err := m.download(ctx, e, d.ID); err != nil {
			if m.OnError != nil {
				m.OnError(e, err)
			}
		} else if int64(len(data)) <= m.MaxBytes {
			media.Base64 = base64.StdEncoding.EncodeToString(data)
		}
	}
	out, err := json.Marshal(d)
	if err != nil {
		return e.Data
	}
	return out
}

func (m *MediaInliner) download(ctx context.Context, e Event, id string) ([]byte, error) {
	stored, err := m.Messages.Message(ctx, e.InstanceID, id)
	if err != nil {
		return nil, err
	}
	if stored.Media == nil {
		return nil, Errorf(CodeNotFound, "The message has no downloadable media")
	}
	return m.Download(ctx, e.InstanceID, stored.Media)
}
