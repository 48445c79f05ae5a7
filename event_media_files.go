package switchboard

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"
)

// MediaFiles gives the enrichers the decrypted attachment of a stored message.
type MediaFiles interface {
	Fetch(ctx context.Context, instanceID int64, messageID string) ([]byte, error)
}

// DirectMedia downloads the attachment from WhatsApp on every call, with the keys the message
// store kept when the message was captured.
type DirectMedia struct {
	Messages MessageStore
	// Download fetches and decrypts an attachment of an instance (the session's MessageClient).
	Download func(ctx context.Context, instanceID int64, ref *MediaRef) ([]byte, error)
}

// Fetch implements MediaFiles.
func (d DirectMedia) Fetch(ctx context.Context, instanceID int64, messageID string) ([]byte, error) {
	stored, err := d.Messages.Message(ctx, instanceID, messageID)
	if err != nil {
		return nil, err
	}
	if stored.Media == nil {
		return nil, Errorf(CodeNotFound, "The message has no downloadable media")
	}
	return d.Download(ctx, instanceID, stored.Media)
}

// DefaultSharedMediaTTL is how long SharedMedia keeps a downloaded attachment: every webhook's
// first attempts (the default schedule's 0 s, 5 s and 5 min) and the WebSocket frame of the event
// find it there. A later retry downloads it again.
const DefaultSharedMediaTTL = 10 * time.Minute

// SharedMedia makes one download per event's attachment serve everything that needs it at
// delivery: the S3 copy and the inline base64 of every webhook of the instance, their early
// retries and the WebSocket stream. Concurrent callers wait for the one download in flight; the
// file is then kept in a private temporary file (not in memory, which several 8 MiB attachments
// would crowd) for TTL. Only files of at most MaxBytes (SWITCHBOARD_EVENT_MEDIA_MAX) are kept,
// and at most MaxTotal bytes of them, the oldest dropped first; a larger file is passed to its
// caller and not shared. A failed download is not kept either, so the next attempt tries again.
// Close removes the files.
type SharedMedia struct {
	Source   MediaFiles
	MaxBytes int64
	MaxTotal int64         // 16 × MaxBytes when 0
	TTL      time.Duration // DefaultSharedMediaTTL when 0

	mu      sync.Mutex
	dir     string
	entries map[archivedKey]*sharedFile
	total   int64
	closed  bool
}

type sharedFile struct {
	ready   chan struct{} // closed once the download ended; the fields below are then fixed
	err     error
	path    string // "" when the file was not kept (too large, no room, or the write failed)
	size    int64
	expires time.Time
}

// Fetch implements MediaFiles.
func (m *SharedMedia) Fetch(ctx context.Context, instanceID int64, messageID string) ([]byte, error) {
	key := archivedKey{instanceID, messageID}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return m.Source.Fetch(ctx, instanceID, messageID)
	}
	m.sweepLocked(time.Now())
	if m.entries == nil {
		m.entries = map[archivedKey]*sharedFile{}
	}
	f, waiting := m.entries[key]
	if !waiting {
		f = &sharedFile{ready: make(chan struct{})}
		m.entries[key] = f
	}
	m.mu.Unlock()

	if !waiting {
		data, err := m.Source.Fetch(ctx, instanceID, messageID)
		m.keep(key, f, data, err)
		return data, err
	}
	select {
	case <-f.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.err != nil {
		if errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded) {
			// The downloading caller gave up (its dispatcher stopped); that says nothing
			// about the file.
			return m.Source.Fetch(ctx, instanceID, messageID)
		}
		return nil, f.err
	}
	if f.path != "" {
		if data, err := os.ReadFile(f.path); err == nil {
			return data, nil
		}
		// Dropped meanwhile (expired, or evicted for room): download it again.
	}
	return m.Source.Fetch(ctx, instanceID, messageID)
}

// keep ends the download of f: the file is written for later callers when it may be kept, and
// the waiters are released. A failed download is forgotten at once.
func (m *SharedMedia) keep(key archivedKey, f *sharedFile, data []byte, err error) {
	defer close(f.ready)
	size := int64(len(data))
	path := ""
	if err == nil && size <= m.MaxBytes {
		path = m.write(data)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f.err, f.size = err, size
	if err != nil || m.closed {
		if m.entries[key] == f {
			delete(m.entries, key)
		}
		if path != "" {
			_ = os.Remove(path)
		}
		return
	}
	if path != "" {
		m.total += size
		m.makeRoomLocked(f)
	}
	f.path, f.expires = path, time.Now().Add(m.ttl())
	if path == "" && m.entries[key] == f {
		// Not kept: callers after the waiters download for themselves.
		delete(m.entries, key)
	}
}

// write stores data in a new private file of the shared directory; "" when it could not.
func (m *SharedMedia) write(data []byte) string {
	m.mu.Lock()
	if m.dir == "" && !m.closed {
		if dir, err := os.MkdirTemp("", "switchboard-event-media-"); err == nil {
			m.dir = dir
		}
	}
	dir := m.dir
	m.mu.Unlock()
	if dir == "" {
		return ""
	}
	file, err := os.CreateTemp(dir, "media-")
	if err != nil {
		return ""
	}
	_, err = file.Write(data)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file.Name())
		return ""
	}
	return file.Name()
}

// makeRoomLocked drops the oldest kept files (other than keep) until the total fits MaxTotal.
func (m *SharedMedia) makeRoomLocked(keep *sharedFile) {
	limit := m.MaxTotal
	if limit <= 0 {
		limit = 16 * m.MaxBytes
	}
	for m.total > limit {
		var oldestKey archivedKey
		var oldest *sharedFile
		for k, f := range m.entries {
			if f == keep || f.path == "" || !isClosed(f.ready) {
				continue
			}
			if oldest == nil || f.expires.Before(oldest.expires) {
				oldestKey, oldest = k, f
			}
		}
		if oldest == nil {
			return
		}
		m.dropLocked(oldestKey, oldest)
	}
}

// sweepLocked drops the kept files past their time.
func (m *SharedMedia) sweepLocked(now time.Time) {
	for k, f := range m.entries {
		if f.path != "" && isClosed(f.ready) && now.After(f.expires) {
			m.dropLocked(k, f)
		}
	}
}

func (m *SharedMedia) dropLocked(k archivedKey, f *sharedFile) {
	_ = os.Remove(f.path)
	m.total -= f.size
	delete(m.entries, k)
}

func (m *SharedMedia) ttl() time.Duration {
	if m.TTL > 0 {
		return m.TTL
	}
	return DefaultSharedMediaTTL
}

// Close removes every kept file; later calls download directly.
func (m *SharedMedia) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.entries, m.total = nil, 0
	if m.dir == "" {
		return nil
	}
	dir := m.dir
	m.dir = ""
	return os.RemoveAll(dir)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
