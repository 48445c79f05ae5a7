package switchboard

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
)

// storedMedia is a message store that knows one message with an attachment.
type storedMedia struct {
	MessageStore
	id string
}

func (s storedMedia) Message(_ context.Context, _ int64, id string) (*StoredMessage, error) {
	if id != s.id {
		return nil, ErrNotFound
	}
	return &StoredMessage{ID: id, Media: &MediaRef{Type: MessageImage, DirectPath: "/p"}}, nil
}

func mediaEvent(t *testing.T, size uint64) Event {
	t.Helper()
	data, err := json.Marshal(MessageExchangeData{ID: "M1", Message: MessageEvent{ID: "M1", Type: "image",
		Media: &EventMedia{Type: "image", Mimetype: "image/jpeg", Size: size}}})
	if err != nil {
		t.Fatal(err)
	}
	return Event{InstanceID: 7, Type: EventMessageExchange, Data: data}
}

func enrichedMedia(t *testing.T, raw json.RawMessage) *EventMedia {
	t.Helper()
	var d MessageExchangeData
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d.Message.Media
}

// TestMediaInliner: the URL always, the file inline only for mediaBase64 webhooks and within the
// cap; a failed download leaves the URL; other events pass through untouched.
func TestMediaInliner(t *testing.T) {
	file := []byte("jpeg bytes")
	downloads := 0
	failing := false
	m := &MediaInliner{
		MaxBytes: 100, BaseURL: "https://gw.example/",
		Files: DirectMedia{Messages: storedMedia{id: "M1"}, Download: func(_ context.Context, instanceID int64, ref *MediaRef) ([]byte, error) {
			downloads++
			if failing {
				return nil, errors.New("expired")
			}
			if instanceID != 7 || ref.DirectPath != "/p" {
				t.Fatalf("download of instance %d, ref %+v", instanceID, ref)
			}
			return file, nil
		}},
	}
	ctx := context.Background()
	const wantURL = "https://gw.example/api/chat/base64/my%20shop?messageId=M1"

	got := enrichedMedia(t, m.Enrich(ctx, mediaEvent(t, 10), "my shop", true))
	if got.URL != wantURL || got.Base64 != base64.StdEncoding.EncodeToString(file) || got.Mimetype != "image/jpeg" {
		t.Fatalf("inlined: %+v", got)
	}
	if got := enrichedMedia(t, m.Enrich(ctx, mediaEvent(t, 10), "my shop", false)); got.Base64 != "" || got.URL != wantURL {
		t.Fatalf("without mediaBase64: %+v", got)
	}
	before := downloads
	if got := enrichedMedia(t, m.Enrich(ctx, mediaEvent(t, 101), "my shop", true)); got.Base64 != "" || got.URL != wantURL || downloads != before {
		t.Fatalf("over the cap: %+v (downloads %d → %d)", got, before, downloads)
	}
	failing = true
	if got := enrichedMedia(t, EnrichChain{m}.Enrich(ctx, mediaEvent(t, 10), "my shop", true)); got.Base64 != "" || got.URL != wantURL {
		t.Fatalf("failed download: %+v", got)
	}
	state := Event{Type: EventInstanceState, Data: json.RawMessage(`{"state":"connected"}`)}
	if out := m.Enrich(ctx, state, "my shop", true); string(out) != string(state.Data) {
		t.Fatalf("instance.state changed: %s", out)
	}
}
