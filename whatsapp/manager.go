// Package whatsapp is the only package of the gateway that imports whatsmeow. Its Manager
// implements switchboard.Sessions: one whatsmeow client per instance, pairing by QR code or
// pairing code, reconnecting saved sessions (at boot, with a bounded number of handshakes in
// flight), following whatsmeow's connection events, and the group and community operations with
// WhatsApp's errors translated into domain error codes.
package whatsapp

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// Options configure a Manager.
type Options struct {
	// Container is whatsmeow's device store; one container holds every instance's device.
	Container *sqlstore.Container
	// GeneratePreKeys, when set, replaces whatsmeow's prekey generation (one autocommitted INSERT
	// a key, 812 at a first login, each an fsync under SQLite's synchronous=FULL) with one that
	// writes the keys in one statement (prekeys.go); nil keeps whatsmeow's.
	GeneratePreKeys PreKeyGenerator
	// Instances persists the session columns of instance rows (SetSession) and lists what to
	// reconnect at boot.
	Instances switchboard.InstanceStore
	// Logger receives the manager's and whatsmeow's logs; nil discards.
	Logger *slog.Logger
	// WhatsmeowDebug lets whatsmeow's debug lines (every stanza) through to Logger.
	WhatsmeowDebug bool
	// HTTPClient, when set, carries every connection of every client (websocket before and after
	// login, media): sandbox mode points it at the simulator. Instance proxies are then ignored.
	HTTPClient *http.Client
	// BootConcurrency caps the saved sessions Start reconnects at once (default 8).
	BootConcurrency int
	// BootJitter is the upper bound of the random pause before each boot reconnect, so that a
	// restart does not open every websocket in the same instant.
	BootJitter time.Duration
	// BootLoginTimeout bounds how long a boot reconnect holds its slot waiting for WhatsApp's
	// answer (default 30 s); whatsmeow keeps retrying in the background after that.
	BootLoginTimeout time.Duration
	// OpenProxy unseals the proxy password of instance instanceID (sealed values are bound to
	// their instance). Needed only for proxies with a password.
	OpenProxy func(instanceID int64, p switchboard.Proxy) (password string, err error)
	// AllowPrivateProxies lets instance proxies be on loopback, private or link-local addresses
	// (SWITCHBOARD_ALLOW_PRIVATE_PROXIES). Off by default: a proxy setting would otherwise make
	// the gateway connect to its own network on a caller's behalf.
	AllowPrivateProxies bool
	// WriteInterval is the least time between two paced WhatsApp writes of one instance
	// (community links and unlinks); 0 disables pacing.
	WriteInterval time.Duration
	// MayConnect, in cluster mode, is asked before every websocket this manager opens to
	// WhatsApp, whatsmeow's own reconnects included: a refusal (this node no longer surely holds
	// the instance's lease) fails the dial and ends whatsmeow's retries. Nil allows every dial.
	MayConnect func(instanceID int64) error
	// SendInterval is the least time between two message sends of one instance
	// (SWITCHBOARD_SEND_INTERVAL); 0 disables the spacing, sends still go one at a time.
	SendInterval time.Duration
	// Messages stores the messages instances send and receive; nil keeps none.
	Messages switchboard.MessageStore
	// Labels keeps the labels and label assignments WhatsApp's app state brings; nil keeps none.
	Labels switchboard.LabelStore
	// DeviceName is the companion name shown on the phone under "Linked devices" (whatsmeow
	// default when empty). It is process-wide in whatsmeow, so NewManager sets it once.
	DeviceName string
	// Events receives instance.state events; nil drops them.
	Events switchboard.EventSink
	// Metrics receives the manager's collectors (instances by state, WhatsApp round trips by
	// kind, link and unlink results); nil counts without exposing.
	Metrics prometheus.Registerer
}

// Manager owns the WhatsApp sessions of all instances of this process.
type Manager struct {
	container *sqlstore.Container
	instances switchboard.InstanceStore
	log       *slog.Logger
	opts      Options

	// ctx lives as long as the manager: whatsmeow runs a client's keepalive, event loop and
	// automatic reconnects under the context given to Connect, so a request context would kill
	// the session when the request ends.
	ctx    context.Context
	cancel context.CancelFunc

	// pacers space each instance's WhatsApp writes across every route that makes them.
	pacers *switchboard.Pacers
	// sendQueues hold each instance's message sends: one at a time, in arrival order.
	sendQueues *switchboard.Pacers

	recipientMu     sync.Mutex
	recipientCaches map[int64]*recipientCache

	metrics *waMetrics

	mu       sync.Mutex
	sessions map[int64]*session
	closing  bool // Close began: no new clients
	stopped  bool // Close is waiting for background work: no new goroutines
	wg       sync.WaitGroup

	stateEvents *stateEmitter // nil without Options.Events

	inFlight    atomic.Int64 // boot handshakes in flight
	maxInFlight atomic.Int64

	// QR code lifetimes (login.go) and how long Logout waits to reach WhatsApp (logout.go);
	// fields so tests can shorten them.
	qrFirstCodeLifetime time.Duration
	qrCodeLifetime      time.Duration
	logoutConnectWait   time.Duration
}

var _ switchboard.Sessions = (*Manager)(nil)

var deviceNameOnce sync.Once

// NewManager returns a manager; call Start to reconnect saved sessions and Close to stop.
func NewManager(o Options) *Manager {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BootConcurrency <= 0 {
		o.BootConcurrency = 8
	}
	if o.BootLoginTimeout <= 0 {
		o.BootLoginTimeout = 30 * time.Second
	}
	if o.DeviceName != "" {
		// store.DeviceProps is a whatsmeow global read at pairing; setting it once per process
		// keeps concurrent managers (tests) from racing on it.
		deviceNameOnce.Do(func() { store.DeviceProps.Os = &o.DeviceName })
	}
	ctx, cancel := context.WithCancel(context.Background())
	var emitter *stateEmitter
	if o.Events != nil {
		emitter = newStateEmitter(o.Events, o.Logger)
	}
	m := &Manager{
		stateEvents: emitter,
		container:   o.Container,
		instances:   o.Instances,
		log:         o.Logger,
		opts:        o,
		ctx:         ctx,
		cancel:      cancel,
		sessions:    make(map[int64]*session),
		pacers:      switchboard.NewPacers(o.WriteInterval),

		sendQueues:      switchboard.NewPacers(o.SendInterval),
		recipientCaches: map[int64]*recipientCache{},

		qrFirstCodeLifetime: qrFirstCodeLifetime,
		qrCodeLifetime:      qrCodeLifetime,
		logoutConnectWait:   logoutConnectWait,
	}
	m.metrics = newWAMetrics(o.Metrics, m)
	return m
}

var errClosing = switchboard.Errorf(switchboard.CodeUnavailable, "The server is shutting down")

// Pacer is the instance's write schedule (switchboard.Sessions).
func (m *Manager) Pacer(inst *switchboard.Instance) *switchboard.Pacer { return m.pacers.For(inst.ID) }

// sessionFor returns the instance's session, creating it on first use.
func (m *Manager) sessionFor(inst *switchboard.Instance) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return nil, errClosing
	}
	s := m.sessions[inst.ID]
	if s == nil {
		s = newSession(inst, m.log)
		if m.stateEvents != nil {
			s.events = m.stateEvents
			s.lastEvent = initialStateEventKey(s)
		}
		m.sessions[inst.ID] = s
	}
	return s, nil
}

func (m *Manager) lookup(id int64) *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[id]
}

// goTracked runs f in a goroutine that Close waits for. It refuses once Close is waiting, so the
// WaitGroup never grows from zero while being waited on.
func (m *Manager) goTracked(f func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return false
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		f()
	}()
	return true
}

// newClient builds a whatsmeow client for dev with the instance's transport and our logger. The
// event handler is attached by attach, once the client belongs to the session.
func (m *Manager) newClient(s *session, inst *switchboard.Instance, dev *store.Device) (*whatsmeow.Client, error) {
	if m.opts.GeneratePreKeys != nil {
		dev = WithBatchedPreKeys(dev, m.opts.GeneratePreKeys)
	}
	dev = withLiveContainer(dev) // see unlink_device.go
	cli := whatsmeow.NewClient(dev, WaLogger(s.log, m.opts.WhatsmeowDebug))
	cli.BackgroundEventCtx = m.ctx
	cli.EnableAutoReconnect = true
	// Durable capture (events_catalogue.go): a stanza is acked only once every handler returned
	// true, and its plaintext is kept in whatsmeow's buffer until then, so a crash or a failed
	// event write means redelivery, not a lost or undecryptable message.
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	// A collection's first sync is a full one; without this its changes (a label the phone
	// just made, say) would never be reported. Replays of a full sync carry the same data and
	// so the same dedupe key: no second label.update.
	cli.EmitAppStateEventsOnFullSync = true
	cli.PrePairCallback = m.recordPairing(s)
	// The gateway keeps no chat history from the phone, so the history-sync blob the phone sends
	// after linking is acknowledged (the phone is told it arrived) but never downloaded. whatsmeow's
	// automatic download runs in a goroutine that outlives Disconnect by a minute, idle, after the
	// last notification.
	cli.ManualHistorySyncDownload = true
	if err := m.configureTransport(cli, inst, s.log); err != nil {
		return nil, err
	}
	return cli, nil
}

// attach makes cli the session's client. It fails once Close began, so that an operation racing
// with shutdown cannot leave a client nobody will disconnect.
func (m *Manager) attach(s *session, cli *whatsmeow.Client, device types.JID, lg *login) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return errClosing
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cli != nil {
		return switchboard.Errorf(switchboard.CodeInternal, "instance already has a WhatsApp client")
	}
	s.cli, s.device, s.login = cli, device, lg
	if !device.IsEmpty() {
		// Read before the client connects: afterwards whatsmeow writes these without a lock.
		s.lid, s.push = cli.Store.LID, cli.Store.PushName
	}
	s.handler = cli.AddEventHandlerWithSuccessStatus(m.eventHandler(s, cli))
	s.setStateLocked(switchboard.StateConnecting, "")
	return nil
}

// detach drops cli from the session if it is still the session's client, then stops it. Never
// call it from inside a whatsmeow event handler: removing a handler waits for dispatch to end.
func (m *Manager) detach(s *session, cli *whatsmeow.Client) {
	s.mu.Lock()
	if s.cli != cli || cli == nil {
		s.mu.Unlock()
		return
	}
	handler, lg := s.handler, s.login
	s.cli, s.login, s.device = nil, nil, types.EmptyJID
	s.broadcastLocked()
	s.mu.Unlock()
	stopClient(cli, handler, lg)
}

// stopClient stops a client that no session refers to any more. It waits for the client's event
// dispatch to finish, so it must not run inside one of its event handlers.
func stopClient(cli *whatsmeow.Client, handler uint32, lg *login) {
	if lg != nil {
		lg.cancel()
	}
	retireHandler(cli, handler)
	cli.Disconnect()
}

// retireHandler takes the session's handler off a client being stopped and leaves in its place
// one that refuses every event. whatsmeow counts an event that no handler refused as handled: it
// acks the stanza and clears the decrypted plaintext from the event buffer of the device store,
// which every node shares. A client being stopped can still dispatch a stanza it had already read
// (its handler queue, a node thawing after SIGSTOP), and a message consumed that way was stored
// by nobody: WhatsApp redelivers what the closed socket never acked to the device's next login,
// on this node or the instance's new owner, whose client then finds the message "already
// processed" in the shared buffer and drops it (issue 16: the chaos test lost phone messages
// across takeovers so). Refused, the message stays unacked and its plaintext stays buffered for
// whichever client of the device gets it next.
func retireHandler(cli *whatsmeow.Client, handler uint32) {
	cli.AddEventHandlerWithSuccessStatus(refuseEvent)
	cli.RemoveEventHandler(handler)
}

// refuseEvent is the handler of a retired client: nothing it receives counts as handled.
func refuseEvent(any) bool { return false }

// Status is the live connection state of inst; see session.status.
func (m *Manager) Status(inst *switchboard.Instance) switchboard.ConnectionStatus {
	if s := m.lookup(inst.ID); s != nil {
		return s.status(inst)
	}
	// Never touched since the process started: the row is all there is.
	st := switchboard.ConnectionStatus{State: switchboard.StateDisconnected, NumberJID: numberJID(types.EmptyJID, inst.DeviceJID)}
	if inst.LoggedOut {
		st.State = switchboard.StateLoggedOut
	}
	return st
}

// Groups returns the group client of a logged-in instance.
func (m *Manager) Groups(inst *switchboard.Instance) (switchboard.GroupClient, error) {
	s := m.lookup(inst.ID)
	if s == nil {
		return nil, switchboard.Errorf(switchboard.CodeNotConnected, msgNotConnected)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connectedLocked() || s.device.IsEmpty() {
		return nil, switchboard.Errorf(switchboard.CodeNotConnected, msgNotConnected)
	}
	return measuredGroups{
		next:    &groupClient{cli: s.cli, own: s.device.ToNonAD(), ownLID: s.lid.ToNonAD(), log: s.log},
		metrics: m.metrics,
	}, nil
}

// Stats are counters for monitoring and the boot benchmark.
type Stats struct {
	Sessions  int // instances the manager has touched
	Connected int // of which logged in to WhatsApp now
	// MaxConcurrentHandshakes is the most boot reconnects that were in flight at once, from
	// starting the connection to WhatsApp's answer; never more than BootConcurrency.
	MaxConcurrentHandshakes int
}

// Stats reads the counters.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	all := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	st := Stats{Sessions: len(all), MaxConcurrentHandshakes: int(m.maxInFlight.Load())}
	for _, s := range all {
		s.mu.Lock()
		if s.connectedLocked() {
			st.Connected++
		}
		s.mu.Unlock()
	}
	return st
}

// closeParallelism bounds the clients Close disconnects at once: each waits for the websocket
// close handshake, so one at a time would be slow with many instances.
const closeParallelism = 32

// Close disconnects every client (without logging out: the sessions stay paired and reconnect
// at the next Start) and waits for the manager's background work. Operations started after Close
// fail with CodeUnavailable.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closing {
		m.mu.Unlock()
		return
	}
	m.closing = true
	all := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()

	sem := make(chan struct{}, closeParallelism)
	var wg sync.WaitGroup
	for _, s := range all {
		s.mu.Lock()
		cli, handler, lg := s.cli, s.handler, s.login
		s.cli, s.login = nil, nil
		s.setStateLocked(switchboard.StateDisconnected, "")
		s.mu.Unlock()
		if cli == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			stopClient(cli, handler, lg)
		}()
	}
	wg.Wait()

	// Only now stop whatsmeow's background contexts: disconnecting first lets handlers that were
	// mid-way finish their store writes.
	m.cancel()
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	m.wg.Wait()
	if m.stateEvents != nil {
		m.stateEvents.close(stateEventsDrain)
	}
}

// recordPairing writes the new device into the instance row before whatsmeow saves the device
// and confirms the pairing to the phone. Recorded only at PairSuccess (after the confirmation),
// a crash in between left a device the phone lists but the gateway never reconnected. Written
// first, a crash before whatsmeow's save leaves a row whose device is missing, which boot marks
// logged out, so the instance can simply be paired again. A failed write refuses the pairing.
func (m *Manager) recordPairing(s *session) func(jid types.JID, platform, businessName string) bool {
	return func(jid types.JID, _, _ string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), rowWriteTimeout)
		defer cancel()
		if err := m.persist(ctx, s, rowState{deviceJID: jid.String(), autoConnect: true}); err != nil {
			s.log.Error("recording the new device failed; pairing refused", "err", err)
			return false
		}
		return true
	}
}
