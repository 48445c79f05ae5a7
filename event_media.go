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
// enricher beside MediaInliner; EnrichChain runs several in order. Both get the file through
// one MediaFiles, so a SharedMedia there downloads each attachment once for all of them.
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
// GET /api/chat/base64 route, and, for a receiver with mediaBase64 on (a webhook or the
// WebSocket), the file itself as `media.base64` when it is at most MaxBytes. The file comes from
// Files (downloaded from WhatsApp with the keys the message store kept when the message was
// captured); a failed download (expired media, the instance offline) leaves only the URL, which
// the receiver can try later.
type MediaInliner struct {
	Files    MediaFiles
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
		if data, err := m.Files.Fetch(ctx, e.InstanceID, d.ID); err != nil {
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
