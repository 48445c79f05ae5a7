package wasim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// MediaHost is the host name the media_conn IQ announces. The sandbox hands
// every client the simulator's HTTP client (HTTPClient), which dials the
// simulator whatever the host, so the real name can be kept.
const MediaHost = "mmg.whatsapp.net"

// Media host limits. The CDN's real retention and size caps are not public
// (assumed; WhatsApp documents a 2 GB document limit and media expiring
// from its servers after weeks).
const (
	defaultMediaMaxBlob  = 64 << 20
	defaultMediaMaxTotal = 512 << 20
	defaultMediaTTL      = 30 * 24 * time.Hour
)

// mediaStore keeps uploaded, still encrypted blobs by id: in memory, and
// with a database also in wasim_media, so links in messages keep working
// across a restart (as the CDN's do).
type mediaStore struct {
	mu    sync.Mutex
	auth  string
	blobs map[string]*mediaBlob
	order []string // insertion order, for evicting the oldest past the cap
	total int
	db    *persister
}

type mediaBlob struct {
	data    []byte
	mmsType string
	expires time.Time
}

func (m *mediaStore) init() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.auth == "" {
		m.auth = randomToken(24)
	}
	if m.blobs == nil {
		m.blobs = make(map[string]*mediaBlob)
	}
}

// put stores a blob and returns its direct path. The path carries a query
// (ccb, oh, oe) because whatsmeow appends "&hash=…" to it (download.go
// DownloadMediaWithPath).
func (m *mediaStore) put(mmsType string, data []byte, now time.Time) string {
	m.init()
	id := randomToken(24)
	expires := now.Add(defaultMediaTTL)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[id] = &mediaBlob{data: data, mmsType: mmsType, expires: expires}
	m.order = append(m.order, id)
	m.total += len(data)
	var evicted []string
	for m.total > defaultMediaMaxTotal && len(m.order) > 1 {
		old := m.order[0]
		m.order = m.order[1:]
		if b := m.blobs[old]; b != nil {
			m.total -= len(b.data)
			delete(m.blobs, old)
			evicted = append(evicted, old)
		}
	}
	if m.db != nil {
		// Written under m.mu so a concurrent get that misses memory finds it.
		m.db.saveBlob(id, mmsType, data, expires, evicted)
	}
	return "/v/t62.7118-24/" + id + ".enc?ccb=11-4&oh=" + randomToken(12) + "&oe=" + strconv.FormatInt(expires.Unix(), 16)
}

// get finds a blob by direct path (query ignored). gone means it expired.
func (m *mediaStore) get(directPath string, now time.Time) (blob *mediaBlob, gone bool) {
	m.init()
	path, _, _ := strings.Cut(directPath, "?")
	id := strings.TrimSuffix(path[strings.LastIndexByte(path, '/')+1:], ".enc")
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.blobs[id]
	if b == nil && m.db != nil {
		b = m.db.loadBlob(id)
	}
	if b == nil {
		return nil, false
	}
	if now.After(b.expires) {
		return nil, true
	}
	return b, false
}

// mediaConnNode answers the w:m media_conn IQ (mediaconn.go queryMediaConn
// parses auth, ttl, auth_ttl and max_buckets with ag.Int, so all must be there).
func (s *Server) mediaConnNode() waBinary.Node {
	s.media.init()
	return waBinary.Node{Tag: "media_conn", Attrs: waBinary.Attrs{
		"auth": s.media.auth, "ttl": "300", "auth_ttl": "21600", "max_buckets": "12",
	}, Content: []waBinary.Node{{Tag: "host", Attrs: waBinary.Attrs{"hostname": MediaHost}}}}
}

// serveUpload takes POST /mms/{type}/{token}?auth=…&token=…: the body is the
// encrypted file, the token its SHA-256 in URL-safe base64, which the server
// checks (upload.go rawUpload). The answer is what whatsmeow decodes into
// UploadResponse.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	s.media.init()
	if rule, ok := s.faults.take("", "media:upload"); ok {
		if rule.Code != 0 {
			http.Error(w, "fault", rule.Code)
			return
		}
	}
	if r.URL.Query().Get("auth") != s.media.auth {
		http.Error(w, "bad auth", http.StatusUnauthorized)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, defaultMediaMaxBlob+1))
	if err != nil {
		http.Error(w, "read failed", http.StatusBadRequest)
		return
	}
	if len(data) > defaultMediaMaxBlob {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	sum := sha256.Sum256(data)
	token := r.PathValue("token")
	want, err := base64.URLEncoding.DecodeString(token)
	if err != nil || len(want) != len(sum) || string(want) != string(sum[:]) {
		http.Error(w, "hash mismatch", http.StatusBadRequest)
		return
	}
	path := s.media.put(r.PathValue("type"), data, s.now())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"url":         "https://" + MediaHost + path,
		"direct_path": path,
		"handle":      randomToken(16),
		"object_id":   randomToken(8),
	})
}

// MediaDownloads is how many times the media host served a blob (a download by a client, as the
// CDN's logs would count it), so tests can tell whether a gateway downloads a file once or again.
func (s *Server) MediaDownloads() int64 { return s.mediaServed.Load() }

// serveDownload answers GET of a direct path: the blob, 404 for an unknown
// one, 410 once expired (download.go treats 403/404/410 as final).
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	if rule, ok := s.faults.take("", "media:download"); ok {
		if rule.Code != 0 {
			http.Error(w, "fault", rule.Code)
			return
		}
	}
	blob, gone := s.media.get(r.URL.Path, s.now())
	switch {
	case gone:
		http.Error(w, "gone", http.StatusGone)
	case blob == nil:
		http.Error(w, "not found", http.StatusNotFound)
	default:
		s.mediaServed.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(blob.data)))
		_, _ = w.Write(blob.data)
	}
}

// saveBlob stores one blob (base64, like every wasim table) and drops the
// evicted ones.
func (p *persister) saveBlob(id, mmsType string, data []byte, expires time.Time, evicted []string) {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	if id != "" {
		_, _ = p.db.Exec(`INSERT INTO wasim_media (id, mms_type, data, expires) VALUES ($1, $2, $3, $4)`,
			id, mmsType, base64.StdEncoding.EncodeToString(data), expires.Unix())
	}
	for _, old := range evicted {
		_, _ = p.db.Exec(`DELETE FROM wasim_media WHERE id = $1`, old)
	}
}

// loadBlob reads a blob saved by an earlier run, or nil.
func (p *persister) loadBlob(id string) *mediaBlob {
	var mms, b64 string
	var expires int64
	if err := p.db.QueryRow(`SELECT mms_type, data, expires FROM wasim_media WHERE id = $1`, id).Scan(&mms, &b64, &expires); err != nil {
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil
	}
	return &mediaBlob{data: data, mmsType: mms, expires: time.Unix(expires, 0)}
}

// serveDelete takes DELETE /mms/{type}/{token}?auth=…: whatsmeow deletes a
// history-sync blob once it has downloaded it (upload.go DeleteMedia). The
// blob whose encrypted SHA-256 is the token is forgotten.
func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request) {
	s.media.init()
	if r.URL.Query().Get("auth") != s.media.auth {
		http.Error(w, "bad auth", http.StatusUnauthorized)
		return
	}
	want, err := base64.URLEncoding.DecodeString(r.PathValue("token"))
	if err != nil {
		http.Error(w, "bad token", http.StatusBadRequest)
		return
	}
	s.media.deleteByHash(want)
	w.WriteHeader(http.StatusOK)
}

func (m *mediaStore) deleteByHash(hash []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, b := range m.blobs {
		if sum := sha256.Sum256(b.data); string(sum[:]) == string(hash) {
			m.total -= len(b.data)
			delete(m.blobs, id)
			if m.db != nil {
				m.db.saveBlob("", "", nil, time.Time{}, []string{id})
			}
		}
	}
}
