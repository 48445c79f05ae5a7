package wasim

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waServerSync"
	"go.mau.fi/whatsmeow/types"
)

// maxPatchesPerFetch is how many patches one fetch answer carries before
// has_more_patches (assumed; whatsmeow loops while it is set).
const maxPatchesPerFetch = 500

// appStateLog is the server side of app-state sync: per account and
// collection, the ordered SyncdPatch blobs, patch i having version i+1. The
// server never decrypts them (it holds no keys, as on the real service); it
// only stamps each accepted patch with its version, because whatsmeow sends
// patches without one and MACs them for its version + 1 (appstate/encode.go
// EncodePatch).
type appStateLog struct {
	mu      sync.Mutex
	patches map[string][][]byte // phone + "\x00" + collection
}

func patchLogKey(phone, name string) string { return phone + "\x00" + name }

// since returns the patches after version from and the current version.
func (l *appStateLog) since(phone, name string, from uint64) ([][]byte, uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := l.patches[patchLogKey(phone, name)]
	cur := uint64(len(all))
	if from >= cur {
		return nil, cur, false
	}
	out := all[from:]
	more := false
	if len(out) > maxPatchesPerFetch {
		out, more = out[:maxPatchesPerFetch], true
	}
	return append([][]byte(nil), out...), cur, more
}

// appendAt stores a patch as version base+1 if base is the current version;
// otherwise it reports the conflict (ok false) and the current version.
func (l *appStateLog) appendAt(phone, name string, base uint64, raw []byte) (stamped []byte, version uint64, ok bool, err error) {
	var patch waServerSync.SyncdPatch
	if err := proto.Unmarshal(raw, &patch); err != nil {
		return nil, 0, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.patches == nil {
		l.patches = make(map[string][][]byte)
	}
	k := patchLogKey(phone, name)
	cur := uint64(len(l.patches[k]))
	if base != cur {
		return nil, cur, false, nil
	}
	patch.Version = &waServerSync.SyncdVersion{Version: proto.Uint64(cur + 1)}
	stamped, err = proto.Marshal(&patch)
	if err != nil {
		return nil, 0, false, err
	}
	l.patches[k] = append(l.patches[k], stamped)
	return stamped, cur + 1, true, nil
}

// restore puts a persisted patch back (load order is by version).
func (l *appStateLog) restore(phone, name string, raw []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.patches == nil {
		l.patches = make(map[string][][]byte)
	}
	k := patchLogKey(phone, name)
	l.patches[k] = append(l.patches[k], raw)
}

// handleAppStateIQ answers w:sync:app:state: each <collection> is either a
// fetch (version = what the client has; patches after it, no snapshot) or a
// write (a <patch> against version; 409 with the missing patches when the
// client is behind, as appstate.go sendAppState expects). Accepted writes are
// announced to the account's other companions with server_sync, and the
// phone applies them to its own view.
func (s *Server) handleAppStateIQ(c *conn, iq *waBinary.Node) (waBinary.Node, func()) {
	if c.dev == nil {
		return iqError(iq, 401, ""), nil
	}
	var out []waBinary.Node
	var written []string
	for _, col := range children(iq.GetChildByTag("sync")) {
		if col.Tag != "collection" {
			continue
		}
		name := stringAttr(&col, "name")
		version, _ := strconv.ParseUint(attrString(col.Attrs["version"]), 10, 64)
		if patch, ok := col.GetOptionalChildByTag("patch"); ok {
			raw, _ := patch.Content.([]byte)
			node, ok := s.writeAppState(c.phone, name, version, raw)
			if ok {
				written = append(written, name)
			}
			out = append(out, node)
			continue
		}
		out = append(out, s.appStateCollection(c.phone, name, version, nil))
	}
	after := func() {
		for _, name := range written {
			s.announceAppState(c.phone, name, c.dev)
		}
	}
	return iqResult(iq, waBinary.Node{Tag: "sync", Content: out}), after
}

// writeAppState appends a client's patch, answering the collection node.
func (s *Server) writeAppState(phone, name string, base uint64, raw []byte) (waBinary.Node, bool) {
	stamped, version, ok, err := s.appState.appendAt(phone, name, base, raw)
	switch {
	case err != nil:
		return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "type": "error"},
			Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": "400", "text": "bad-request"}}}}, false
	case !ok:
		return s.appStateCollection(phone, name, base, &waBinary.Node{Tag: "error", Attrs: waBinary.Attrs{"code": "409", "text": "conflict"}}), false
	}
	s.persistPatch(phone, name, version, stamped)
	return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "version": strconv.FormatUint(version, 10)}}, true
}

// appStateCollection lists the patches after from; with errNode it is the
// 409 answer to a stale write (type="error" plus the missing patches).
func (s *Server) appStateCollection(phone, name string, from uint64, errNode *waBinary.Node) waBinary.Node {
	patches, cur, more := s.appState.since(phone, name, from)
	attrs := waBinary.Attrs{"name": name, "version": strconv.FormatUint(cur, 10)}
	if more {
		attrs["has_more_patches"] = "true"
	}
	var content []waBinary.Node
	if errNode != nil {
		attrs["type"] = "error"
		content = append(content, *errNode)
	}
	if len(patches) > 0 {
		list := make([]waBinary.Node, len(patches))
		for i, p := range patches {
			list[i] = waBinary.Node{Tag: "patch", Content: p}
		}
		content = append(content, waBinary.Node{Tag: "patches", Content: list})
	}
	node := waBinary.Node{Tag: "collection", Attrs: attrs}
	if len(content) > 0 {
		node.Content = content
	}
	return node
}

// announceAppState tells the account's companions (except the writer) that
// a collection changed (notification.go handleAppStateNotification) and
// lets the phone apply the change to its own view.
func (s *Server) announceAppState(phone, name string, except *device) {
	_, cur, _ := s.appState.since(phone, name, ^uint64(0))
	own := types.NewJID(phone, types.DefaultUserServer)
	devs := s.devicesOf([]types.JID{own})
	if rule, ok := s.faults.take(phone, "server_sync"); ok && rule.Drop {
		devs = nil // a lost notification: companions stay behind until they write
	}
	for _, dev := range devs {
		if dev == except {
			continue
		}
		s.deliver(dev, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
			"id": s.nextID(), "type": "server_sync", "from": own, "t": strconv.FormatInt(s.now().Unix(), 10),
		}, Content: []waBinary.Node{{Tag: "collection", Attrs: waBinary.Attrs{
			"name": name, "version": strconv.FormatUint(cur, 10),
		}}}})
	}
	if p, err := s.phoneFor(phone); err == nil {
		s.phoneSyncAppState(p, name)
	}
}

func (s *Server) persistPatch(phone, name string, version uint64, raw []byte) {
	if s.store == nil {
		return
	}
	s.store.saveMu.Lock()
	defer s.store.saveMu.Unlock()
	if _, err := s.store.db.Exec(`INSERT INTO wasim_appstate (phone, name, version, patch) VALUES ($1, $2, $3, $4)`,
		phone, name, int64(version), base64.StdEncoding.EncodeToString(raw)); err != nil {
		s.log.Warn("wasim: save app state patch", "phone", phone, "name", name, "err", err)
	}
}

func (s *Server) loadAppState() error {
	rows, err := s.store.db.Query(`SELECT phone, name, patch FROM wasim_appstate ORDER BY phone, name, version`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var phone, name, b64 string
		if err := rows.Scan(&phone, &name, &b64); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return fmt.Errorf("wasim: malformed app state patch of %s/%s: %w", phone, name, err)
		}
		s.appState.restore(phone, name, raw)
	}
	return rows.Err()
}

// attrString reads an attribute whatever its decoded type.
func attrString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return strconv.FormatInt(toInt64(x), 10)
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case int32:
		return int64(x)
	}
	return 0
}
