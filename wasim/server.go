package wasim

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/util/keys"
)

// Config configures a simulator. The zero value is usable: a fresh root key,
// no persistence, no logging.
type Config struct {
	// Logger receives protocol logs; unhandled IQs are logged at Info so the
	// log doubles as the list of what is still to simulate. nil discards.
	Logger *slog.Logger
	// RootKey is the certificate root. Clients only accept the simulator if
	// InstallTrustRoot was called with its public key. nil means: the root
	// stored in DB, or a newly generated one (stored in DB when set).
	RootKey *keys.KeyPair
	// DB, when set, persists the root key, accounts, devices and group state
	// in tables prefixed wasim_, so a restarted simulator keeps its paired
	// devices. Dialect is "sqlite" (default) or "postgres".
	DB      *sql.DB
	Dialect string
	// Groups configures the group engine (limits, error codes, quirks).
	Groups GroupConfig
	// MaxSubGroups, SubGroupLimitCode and SubGroupLimitText, when set,
	// override the community subgroup limit in Groups; the real values are
	// not publicly known (see FIDELITY.md).
	MaxSubGroups      int
	SubGroupLimitCode int
	SubGroupLimitText string
	// TraceSize is the number of stanzas kept for Trace (default 20000;
	// negative disables tracing, which the benchmark uses).
	TraceSize int
	// Now overrides the clock (tests of time-dependent group behaviour).
	Now func() time.Time
	// ControlToken, when set, mounts the control API (control.go) and is the secret every
	// control request must carry as "Authorization: Bearer <token>". Empty mounts no control
	// API at all: a simulator embedded in a gateway is driven in-process, never over a port.
	ControlToken string
	// NoLinkBootstrap stops phones from sending a newly linked companion
	// what real phones send: the app-state key share, the push name
	// (critical_block) and the initial history sync. Without them whatsmeow
	// has no push name (SendPresence fails) and no app-state key (archive,
	// pin, labels fail), so it is only for tests of a phone that never
	// shares its keys.
	//
	// whatsmeow (pinned version) handles those peer messages in goroutines
	// it does not track (`go SendProtocolMessageReceipt`, `go
	// handleAppStateSyncKeyShare`, message.go), which read Device.ID and the
	// stores; Logout's Device.Delete writes them unlocked. The real service
	// sends the same messages, so a client logging out soon after linking
	// races inside whatsmeow whatever the simulator does: the gateway keeps
	// a logged-out device intact in memory (whatsapp/unlink_device.go), and
	// a test driving a bare whatsmeow client's Logout right after pairing
	// turns the bootstrap off.
	NoLinkBootstrap bool
}

// Server is one simulated WhatsApp service: its accounts, their devices and
// groups, and the websocket endpoint whatsmeow connects to.
type Server struct {
	cfg       Config
	log       *slog.Logger
	root      *keys.KeyPair
	static    *keys.KeyPair
	certChain []byte
	trace     *traceRing
	store     *persister
	groups    groupBackend
	faults    faultSet
	stanzaSeq atomic.Uint64
	// mediaServed counts the blobs the media host handed out (MediaDownloads).
	mediaServed atomic.Int64
	idBase      uint64 // keeps ids unique across restarts (queued stanzas survive them)
	connSeq     atomic.Uint64

	// mu guards everything below and the mutable fields of accounts and
	// devices. It is never held while writing to a socket or the database.
	mu        sync.Mutex
	accounts  map[string]*account     // by phone number
	byLID     map[string]*account     // by LID user
	pending   map[[32]byte]*conn      // unpaired connections by noise key
	codes     map[string]*codeSession // pairing-code sessions by phone
	failLogin map[string]failure      // FailNextLogin, by phone
	conns     map[*conn]struct{}
	phones    map[string]*phone // running phone stacks, by phone number (phone.go)
	presence  map[string]*presenceState
	// deviceStats counts logins per device for GET /wasim/control/devices (control_devices.go).
	deviceStats map[*device]*deviceSessionStats
	closed      bool
	wg          sync.WaitGroup

	ln       net.Listener
	httpSrv  *http.Server
	pictures pictureBase // where picture URLs point (pictures.go)
	media    mediaStore  // the media host's blobs (media.go)
	appState appStateLog // app-state patches (appstate.go)
}

// New creates a simulator and, when cfg.DB is set, loads its saved state.
// It does not listen yet: call Listen, or mount Handler in your own server.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TraceSize == 0 {
		cfg.TraceSize = 20000
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		static:    keys.NewKeyPair(),
		trace:     newTraceRing(cfg.TraceSize),
		accounts:  make(map[string]*account),
		byLID:     make(map[string]*account),
		pending:   make(map[[32]byte]*conn),
		codes:     make(map[string]*codeSession),
		failLogin: make(map[string]failure),
		conns:     make(map[*conn]struct{}),
		phones:    make(map[string]*phone),
		idBase:    uint64(time.Now().UnixMilli()) * 1000,
	}
	s.root = cfg.RootKey
	if cfg.DB != nil {
		st, err := newPersister(cfg.DB, cfg.Dialect)
		if err != nil {
			return nil, err
		}
		s.store = st
		s.media.db = st
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	if s.root == nil {
		s.root = NewRootKey()
	}
	if s.store != nil {
		if err := s.store.saveMeta(metaRootKey, base64.StdEncoding.EncodeToString(s.root.Priv[:])); err != nil {
			return nil, err
		}
	}
	// The media host's auth token derives from the root key, so a restarted
	// simulator accepts uploads from clients that cached media_conn.
	mediaAuth := sha256.Sum256(append(s.root.Priv[:], "media_conn"...))
	s.media.auth = base64.RawURLEncoding.EncodeToString(mediaAuth[:18])
	// Certificates are checked against the client's real clock, not cfg.Now.
	chain, err := issueCertChain(s.root, *s.static.Pub, time.Now())
	if err != nil {
		return nil, err
	}
	s.certChain = chain
	if err := s.initGroups(); err != nil {
		return nil, err
	}
	return s, nil
}

// RootPublicKey is the key clients must trust (see InstallTrustRoot).
func (s *Server) RootPublicKey() [32]byte { return *s.root.Pub }

// Handler serves the websocket at /ws/chat, the root key at
// GET /wasim/root-key, group pictures at GET /pp/{group}/{id} (pictures.go)
// and, with Config.ControlToken set, the control API under /wasim/control/
// (for gateways and tests using a standalone simulator; see control.go).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat", s.serveWebsocket)
	mux.HandleFunc("GET /wasim/root-key", s.serveRootKey)
	mux.HandleFunc("GET /pp/{group}/{id}", s.servePicture)
	mux.HandleFunc("GET /pp/u/{user}/{id}", s.serveUserPicture)
	mux.HandleFunc("POST /mms/{type}/{token}", s.serveUpload)
	mux.HandleFunc("DELETE /mms/{type}/{token}", s.serveDelete)
	mux.HandleFunc("GET /v/", s.serveDownload)
	if s.cfg.ControlToken != "" {
		s.mountControl(mux)
	}
	return mux
}

// Listen binds addr (use "127.0.0.1:0" in tests) and serves Handler on it in
// the background. Binding errors are returned synchronously.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("wasim: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	if s.closed || s.ln != nil {
		s.mu.Unlock()
		_ = ln.Close()
		return errors.New("wasim: server closed or already listening")
	}
	s.ln, s.httpSrv = ln, srv
	s.mu.Unlock()
	s.pictures.set("http://" + ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("wasim: serve", "err", err)
		}
	}()
	return nil
}

// Addr is the listening address ("127.0.0.1:port"), or "" before Listen.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the base URL of a listening simulator ("http://127.0.0.1:port").
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops listening, drops every connection (clients see a network
// error and will try to reconnect) and flushes persisted state.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	srv := s.httpSrv
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Close()
	}
	for _, c := range conns {
		c.closeNow()
	}
	s.wg.Wait()
	if ferr := s.closeGroups(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

func (s *Server) serveRootKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"rootKey": base64.StdEncoding.EncodeToString(s.root.Pub[:])})
}

// goTracked runs f in a goroutine that Close waits for, unless the server is
// already closing.
func (s *Server) goTracked(f func()) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// nextID numbers server-initiated stanzas (IQs, notifications).
func (s *Server) nextID() string {
	return strconv.FormatUint(s.idBase+s.stanzaSeq.Add(1), 10)
}

// waitCtx bounds server-side waits on clients so a vanished client never
// blocks a goroutine forever.
func waitCtx(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithTimeout(parent, 30*time.Second)
}
