package wasim

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"
)

// readLimit must exceed the largest stanza a client sends: the first prekey
// upload (812 keys) is far above coder/websocket's 32 KiB default.
const readLimit = 8 << 20

// writeTimeout bounds a single websocket write so a stuck client cannot
// block the goroutine delivering to it.
const writeTimeout = 10 * time.Second

// closeGrace is how long the server keeps a socket open after a stream error
// or failure. whatsmeow handles those nodes from a queue that stops when the
// socket closes, so closing at once could drop the very node that explains
// the disconnect.
const closeGrace = 2 * time.Second

var errConnClosed = errors.New("wasim: connection closed")

// conn is one websocket connection from a whatsmeow client, before or after
// login.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	frames frameReader
	label  string // trace label: "conn-N" until logged in, then the device JID

	writeMu sync.Mutex
	writeC  cipher.AEAD
	writeN  uint32
	readC   cipher.AEAD
	readN   uint32

	noisePub [32]byte
	payload  *waWa6.ClientPayload

	// Set once during authentication, before the stanza loop starts.
	dev   *device
	jid   types.JID // device AD JID when logged in
	phone string
	refs  []string // QR refs offered to an unpaired connection
	ready bool     // logged in and offline queue flushed; guarded by Server.mu
	// unacked are messages sent but not acked yet; guarded by Server.mu (unacked.go).
	unacked []unackedMessage

	waitMu  sync.Mutex
	waiters map[string]chan *waBinary.Node

	closeOnce sync.Once
}

// frameReader reassembles WhatsApp frames (3-byte big-endian length +
// payload) from websocket messages, which may split or coalesce frames. The
// client's first bytes are the WA connection header, sent once.
type frameReader struct {
	ws         *websocket.Conn
	buf        []byte
	headerSeen bool
}

func (fr *frameReader) next(ctx context.Context) ([]byte, error) {
	for {
		if !fr.headerSeen && len(fr.buf) >= len(socket.WAConnHeader) {
			if !bytes.Equal(fr.buf[:len(socket.WAConnHeader)], socket.WAConnHeader) {
				return nil, fmt.Errorf("bad connection header %x", fr.buf[:len(socket.WAConnHeader)])
			}
			fr.buf = fr.buf[len(socket.WAConnHeader):]
			fr.headerSeen = true
		}
		if fr.headerSeen && len(fr.buf) >= socket.FrameLengthSize {
			n := int(fr.buf[0])<<16 | int(fr.buf[1])<<8 | int(fr.buf[2])
			if len(fr.buf) >= socket.FrameLengthSize+n {
				frame := bytes.Clone(fr.buf[socket.FrameLengthSize : socket.FrameLengthSize+n])
				fr.buf = fr.buf[socket.FrameLengthSize+n:]
				if len(fr.buf) == 0 {
					fr.buf = nil
				}
				return frame, nil
			}
		}
		typ, data, err := fr.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		if typ == websocket.MessageBinary {
			fr.buf = append(fr.buf, data...)
		}
	}
}

func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// whatsmeow sends Origin https://web.whatsapp.com, which is not us.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.Debug("wasim: websocket accept", "err", err)
		return
	}
	ws.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		srv:     s,
		ws:      ws,
		ctx:     ctx,
		cancel:  cancel,
		frames:  frameReader{ws: ws},
		label:   fmt.Sprintf("conn-%d", s.connSeq.Add(1)),
		waiters: make(map[string]chan *waBinary.Node),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		cancel()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer s.connClosed(c)
	defer c.closeNow()

	if err := c.handshake(); err != nil {
		s.log.Debug("wasim: handshake failed", "conn", c.label, "err", err)
		return
	}
	if !s.authenticate(c) {
		c.drainUntilClosed()
		return
	}
	c.readLoop()
}

// readLoop decrypts and decodes stanzas in order and handles each in its own
// goroutine: handlers may wait for the client (server-initiated IQs), and
// whatsmeow itself issues IQs from inside its handlers.
func (c *conn) readLoop() {
	for {
		node, err := c.readNode()
		if err != nil {
			if c.ctx.Err() == nil {
				c.srv.log.Debug("wasim: read", "conn", c.label, "err", err)
			}
			return
		}
		c.srv.trace.add(c.label, "in", node)
		if node.Tag == "iq" {
			if t, _ := node.Attrs["type"].(string); t == "result" || t == "error" {
				if c.resolve(node) {
					continue
				}
			}
		}
		c.srv.goTracked(func() { c.srv.handleStanza(c, node) })
	}
}

// drainUntilClosed keeps reading (and discarding) after a refused login so
// that the grace-period close, not a read error, ends the connection.
func (c *conn) drainUntilClosed() {
	for {
		if _, err := c.frames.next(c.ctx); err != nil {
			return
		}
	}
}

func (c *conn) readNode() (*waBinary.Node, error) {
	frame, err := c.frames.next(c.ctx)
	if err != nil {
		return nil, err
	}
	plain, err := c.readC.Open(frame[:0], counterIV(c.readN), frame, nil)
	c.readN++
	if err != nil {
		return nil, fmt.Errorf("decrypt frame: %w", err)
	}
	unpacked, err := waBinary.Unpack(plain)
	if err != nil {
		return nil, fmt.Errorf("unpack frame: %w", err)
	}
	return waBinary.Unmarshal(unpacked)
}

// writeFrame sends one raw frame (handshake or ciphertext).
func (c *conn) writeFrame(data []byte) error {
	frame := make([]byte, socket.FrameLengthSize+len(data))
	frame[0], frame[1], frame[2] = byte(len(data)>>16), byte(len(data)>>8), byte(len(data))
	copy(frame[socket.FrameLengthSize:], data)
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, frame)
}

// send encrypts and writes one stanza. The write lock also orders the
// per-direction nonce counter, so it covers encryption and the write.
func (c *conn) send(node waBinary.Node) error {
	data, err := waBinary.Marshal(node)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", node.Tag, err)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.ctx.Err() != nil {
		return errConnClosed
	}
	ct := c.writeC.Seal(nil, counterIV(c.writeN), data, nil)
	c.writeN++
	if err := c.writeFrame(ct); err != nil {
		return err
	}
	c.srv.trace.add(c.label, "out", &node)
	return nil
}

// request sends a server-initiated IQ and waits for the client's answer.
func (c *conn) request(ctx context.Context, node waBinary.Node) (*waBinary.Node, error) {
	id, _ := node.Attrs["id"].(string)
	if id == "" {
		id = c.srv.nextID()
		node.Attrs["id"] = id
	}
	ch := make(chan *waBinary.Node, 1)
	c.waitMu.Lock()
	c.waiters[id] = ch
	c.waitMu.Unlock()
	defer func() {
		c.waitMu.Lock()
		delete(c.waiters, id)
		c.waitMu.Unlock()
	}()
	if err := c.send(node); err != nil {
		return nil, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.ctx.Done():
		return nil, errConnClosed
	}
}

func (c *conn) resolve(node *waBinary.Node) bool {
	id, _ := node.Attrs["id"].(string)
	c.waitMu.Lock()
	ch, ok := c.waiters[id]
	delete(c.waiters, id)
	c.waitMu.Unlock()
	if ok {
		ch <- node
	}
	return ok
}

func (c *conn) closeNow() {
	c.closeOnce.Do(func() {
		c.cancel()
		_ = c.ws.CloseNow()
	})
}

// closeSoon closes the socket after closeGrace unless the client closed it.
func (c *conn) closeSoon() {
	go func() {
		t := time.NewTimer(closeGrace)
		defer t.Stop()
		select {
		case <-t.C:
			c.closeNow()
		case <-c.ctx.Done():
		}
	}()
}

// sendStreamError sends <stream:error code=…>[<conflict type=…/>] and
// schedules the close that follows it on the real service.
func (c *conn) sendStreamError(code, conflictType string) {
	node := waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{}}
	if code != "" {
		node.Attrs["code"] = code
	}
	if conflictType != "" {
		node.Content = []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": conflictType}}}
	}
	if err := c.send(node); err != nil {
		c.closeNow()
		return
	}
	c.closeSoon()
}
