package wasim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/appstate"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waServerSync"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

// AppStateEntry is one current app-state value of an account as its phone
// decoded it: Index names the setting (["setting_pushName"], ["archive",
// chat], ["label_edit", id], …), Action its value.
type AppStateEntry struct {
	Collection string
	Index      []string
	Action     *waSyncAction.SyncActionValue
}

// PhoneAppState returns the account's app state as its phone sees it: every
// patch any of its devices wrote, decrypted with the account's key (the
// server itself never decrypts).
func (s *Server) PhoneAppState(number string) ([]AppStateEntry, error) {
	p, err := s.phoneFor(digitsOnly(number))
	if err != nil {
		return nil, err
	}
	for _, name := range appstate.AllPatchNames {
		s.phoneSyncAppState(p, string(name))
	}
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	out := make([]AppStateEntry, 0, len(p.appView))
	for _, e := range p.appView {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Collection+strings.Join(out[i].Index, "\x00") < out[j].Collection+strings.Join(out[j].Index, "\x00")
	})
	return out, nil
}

// PhoneWriteAppState plays a change made on the phone (a label created, a
// chat archived): the phone encodes the patch with the account's key, the
// server stores it and tells the companions, which fetch and apply it.
func (s *Server) PhoneWriteAppState(ctx context.Context, number string, patch appstate.PatchInfo) error {
	p, err := s.phoneFor(digitsOnly(number))
	if err != nil {
		return err
	}
	return s.phoneWriteAppState(ctx, p, patch, nil)
}

// phoneWriteAppState stores a patch the phone encodes and announces it to
// every companion but quiet (one that is about to get the key share, which
// makes it fetch everything anyway; a server_sync before it has the key
// would only make it ask for the key).
func (s *Server) phoneWriteAppState(ctx context.Context, p *phone, patch appstate.PatchInfo, quiet *device) error {
	name := string(patch.Type)
	for range 3 {
		s.phoneSyncAppState(p, name)
		keyID := s.phoneAppStateKeyID(p)
		p.mu.Lock()
		version, hash, _ := p.st.GetAppStateVersion(ctx, name)
		encoded, err := p.appProc.EncodePatch(ctx, keyID, appstate.HashState{Version: version, Hash: hash}, patch)
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("wasim: encode app state patch: %w", err)
		}
		stamped, v, ok, err := s.appState.appendAt(p.number, name, version, encoded)
		if err != nil {
			return err
		}
		if ok {
			s.persistPatch(p.number, name, v, stamped)
			s.announceAppState(p.number, name, quiet)
			return nil
		}
		// A companion wrote meanwhile: catch up and encode again.
	}
	return errors.New("wasim: app state write kept conflicting")
}

// phoneSyncAppState applies the patches the phone has not seen yet to its
// LT-hash state and its decoded view, checking every MAC as a client does.
func (s *Server) phoneSyncAppState(p *phone, name string) {
	ctx := context.Background()
	p.mu.Lock()
	defer func() {
		p.mu.Unlock()
		s.savePhone(p)
	}()
	for {
		version, hash, _ := p.st.GetAppStateVersion(ctx, name)
		raws, _, more := s.appState.since(p.number, name, version)
		if len(raws) == 0 {
			return
		}
		list := &appstate.PatchList{Name: appstate.WAPatchName(name)}
		for _, raw := range raws {
			var patch waServerSync.SyncdPatch
			if err := proto.Unmarshal(raw, &patch); err != nil {
				s.log.Warn("wasim: phone cannot parse app state patch", "phone", p.number, "err", err)
				return
			}
			list.Patches = append(list.Patches, &patch)
		}
		muts, state, err := p.appProc.DecodePatches(ctx, list, appstate.HashState{Version: version, Hash: hash}, true)
		if err != nil {
			s.log.Warn("wasim: phone cannot decode app state", "phone", p.number, "collection", name, "err", err)
			return
		}
		_ = p.st.PutAppStateVersion(ctx, name, state.Version, state.Hash)
		p.inboxMu.Lock()
		if p.appView == nil {
			p.appView = make(map[string]AppStateEntry)
		}
		for _, m := range muts {
			key := name + "\x00" + strings.Join(m.Index, "\x00")
			if m.Operation == waServerSync.SyncdMutation_REMOVE {
				delete(p.appView, key)
				continue
			}
			p.appView[key] = AppStateEntry{Collection: name, Index: m.Index, Action: m.Action}
		}
		p.inboxMu.Unlock()
		if !more {
			return
		}
	}
}

// phoneAppStateKeyID returns the account's app-state sync key, creating it
// on first use (a phone creates it; companions only ever receive it).
func (s *Server) phoneAppStateKeyID(p *phone) []byte {
	ctx := context.Background()
	p.mu.Lock()
	defer p.mu.Unlock()
	if id, _ := p.st.GetLatestAppStateSyncKeyID(ctx); id != nil {
		return id
	}
	id := make([]byte, 6) // real key ids: 2 zero bytes + 4 random
	_, _ = rand.Read(id[2:])
	data := make([]byte, 32)
	_, _ = rand.Read(data)
	fp, _ := proto.Marshal(&waE2E.AppStateSyncKeyFingerprint{
		RawID: proto.Uint32(randUint32()), CurrentIndex: proto.Uint32(0), DeviceIndexes: []uint32{0},
	})
	_ = p.st.PutAppStateSyncKey(ctx, id, appStateKeyOf(data, fp, s.now().UnixMilli()))
	return id
}

func appStateKeyOf(data, fingerprint []byte, ts int64) store.AppStateSyncKey {
	return store.AppStateSyncKey{Data: data, Fingerprint: fingerprint, Timestamp: ts}
}

// sendKeyShare sends the account's app-state keys to one companion, as the
// phone does after linking it and when it asks (APP_STATE_SYNC_KEY_REQUEST):
// a peer protocol message from device 0 (message.go handleProtocolMessage).
func (s *Server) sendKeyShare(ctx context.Context, p *phone, target companion) {
	keyID := s.phoneAppStateKeyID(p)
	key, _ := p.st.GetAppStateSyncKey(ctx, keyID)
	if key == nil {
		return
	}
	var fp waE2E.AppStateSyncKeyFingerprint
	_ = proto.Unmarshal(key.Fingerprint, &fp)
	m := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_SHARE.Enum(),
		AppStateSyncKeyShare: &waE2E.AppStateSyncKeyShare{Keys: []*waE2E.AppStateSyncKey{{
			KeyID:   &waE2E.AppStateSyncKeyId{KeyID: keyID},
			KeyData: &waE2E.AppStateSyncKeyData{KeyData: key.Data, Fingerprint: &fp, Timestamp: proto.Int64(key.Timestamp)},
		}}},
	}}
	s.sendPeerMessage(ctx, p, target, m)
}

// sendPeerMessage sends a protocol message from the phone to one of its companions.
func (s *Server) sendPeerMessage(ctx context.Context, p *phone, target companion, m *waE2E.Message) {
	plaintext, err := proto.Marshal(m)
	if err != nil {
		return
	}
	me := s.phoneSender(p.number)
	attrs := waBinary.Attrs{
		"id": newMessageID(), "t": strconv.FormatInt(s.now().Unix(), 10), "type": "text", "category": "peer",
		"from": me.pn(), "sender_lid": types.NewJID(me.lid, types.HiddenUserServer),
	}
	p.rememberSent(target, plaintext, attrs, m)
	enc, err := s.encryptForCompanion(ctx, p, target, plaintext, m)
	if err != nil {
		s.log.Warn("wasim: phone cannot encrypt peer message", "phone", p.number, "err", err)
		return
	}
	s.deliver(target.dev, waBinary.Node{Tag: "message", Attrs: attrs, Content: []waBinary.Node{enc}})
}

// bootstrapCompanion is what the phone does once a new companion has
// uploaded its keys: make sure critical_block holds the push name (whatsmeow
// takes Store.PushName only from that mutation, appstate.go; without it
// SendPresence fails with ErrNoPushName), then share the app-state key,
// which makes the companion fetch every collection, then send the initial
// history sync (phone_history.go).
func (s *Server) bootstrapCompanion(dev *device) {
	ctx := context.Background()
	p, err := s.phoneFor(dev.Phone)
	if err != nil {
		return
	}
	s.phoneSyncAppState(p, string(appstate.WAPatchCriticalBlock))
	p.inboxMu.Lock()
	_, hasName := p.appView[string(appstate.WAPatchCriticalBlock)+"\x00setting_pushName"]
	p.inboxMu.Unlock()
	if !hasName {
		push := s.phoneSender(p.number).push
		if err := s.phoneWriteAppState(ctx, p, appstate.BuildSettingPushName(push), dev); err != nil {
			s.log.Warn("wasim: phone cannot seed its push name", "phone", p.number, "err", err)
		}
	}
	for _, c := range s.companionsOf(types.NewJID(dev.Phone, types.DefaultUserServer)) {
		if c.dev == dev {
			s.sendKeyShare(ctx, p, c)
			s.sendInitialHistory(ctx, p, c)
		}
	}
}

// BootstrapsLinks reports whether phones bootstrap newly linked companions
// (on unless Config.NoLinkBootstrap).
func (s *Server) BootstrapsLinks() bool { return !s.cfg.NoLinkBootstrap }
