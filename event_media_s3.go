package switchboard

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"sync"
)

// MediaArchiver copies the attachment of a message.exchange event into the instance's own
// bucket (RyzeAPI §2.1.11) and adds `media.s3Url`. Like MediaInliner it runs at delivery time,
// outside WhatsApp's event handler, and never holds a delivery up: an instance without a bucket,
// or a failed download or upload, leaves the event as it came (the receiver still has
// `media.url`). The object key is the message id with the file's extension, under the bucket's
// path prefix, so a repeated upload (another webhook, a retry) rewrites the same object; the
// URLs of recent uploads are remembered so that it seldom happens.
type MediaArchiver struct {
	Archive MediaArchive
	// Files gives the attachment (as for MediaInliner, and through the same SharedMedia).
	Files MediaFiles
	// OnError is told why an attachment was not archived (for the log); nil ignores it.
	OnError func(e Event, err error)

	mu   sync.Mutex
	done map[archivedKey]string // object URL by message, for the most recent uploads
}

type archivedKey struct {
	instanceID int64
	messageID  string
}

// maxRemembered bounds MediaArchiver's memory of uploads; past it the memory starts afresh (a
// forgotten upload is only done again).
const maxRemembered = 4096

// Enrich implements EventEnricher.
func (a *MediaArchiver) Enrich(ctx context.Context, e Event, _ string, _ bool) json.RawMessage {
	if e.Type != EventMessageExchange || !bytes.Contains(e.Data, []byte(`"media":`)) {
		return e.Data
	}
	var d MessageExchangeData
	if err := json.Unmarshal(e.Data, &d); err != nil || d.Message.Media == nil {
		return e.Data
	}
	url, err := a.archive(ctx, e, d.ID, d.Message.Media.Mimetype)
	if err != nil {
		if a.OnError != nil && !IsCode(err, CodeNotFound) {
			a.OnError(e, err)
		}
		return e.Data
	}
	d.Message.Media.S3URL = url
	out, err := json.Marshal(d)
	if err != nil {
		return e.Data
	}
	return out
}

func (a *MediaArchiver) archive(ctx context.Context, e Event, messageID, mimetype string) (string, error) {
	key := archivedKey{e.InstanceID, messageID}
	a.mu.Lock()
	url, ok := a.done[key]
	a.mu.Unlock()
	if ok {
		return url, nil
	}
	if on, err := a.Archive.Enabled(ctx, e.InstanceID); err != nil || !on {
		if err == nil {
			err = ErrS3NotConfigured
		}
		return "", err
	}
	data, err := a.Files.Fetch(ctx, e.InstanceID, messageID)
	if err != nil {
		return "", err
	}
	url, err = a.Archive.Put(ctx, e.InstanceID, messageID+extensionOf(mimetype), mimetype, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	if a.done == nil || len(a.done) >= maxRemembered {
		a.done = map[archivedKey]string{}
	}
	a.done[key] = url
	a.mu.Unlock()
	return url, nil
}

// extensionOf is the usual file extension of a MIME type ("" when none is known), so objects
// open with the right program when downloaded from the bucket.
func extensionOf(mimetype string) string {
	base, _, _ := mime.ParseMediaType(mimetype)
	switch base {
	case "image/jpeg":
		return ".jpg"
	case "audio/ogg":
		return ".ogg"
	case "":
		return ""
	}
	if exts, err := mime.ExtensionsByType(base); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ""
}
