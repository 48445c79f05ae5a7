package wasim

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/util/keys"
)

// phoneStore is the Signal and app-state key material of one simulated
// phone, held in memory and saved as one JSON row (wasim_phone_state). It
// implements the whatsmeow store interfaces that libsignal reaches through a
// *store.Device; everything else falls through to store.NoopStore (zero
// values, no error). It deliberately is not whatsmeow's sqlstore: the sandbox
// shares the gateway's database, and sqlstore devices would appear there as
// gateway devices.
//
// Keys are address strings ("user.agent:device" as SignalAddress.String()
// gives them), never *SignalAddress pointers, so a fresh address value finds
// the record stored under an equal one.
type phoneStore struct {
	store.NoopStore `json:"-"`
	mu              sync.Mutex

	Identities   map[string][]byte       `json:"identities"`
	Sessions     map[string][]byte       `json:"sessions"`
	SenderKeys   map[string][]byte       `json:"senderKeys"` // group + "\x00" + sender address
	PreKeys      map[uint32][]byte       `json:"preKeys"`    // one-time prekeys (private halves) still unused
	NextPreKeyID uint32                  `json:"nextPreKeyId"`
	AppStateKeys map[string]appStateKey  `json:"appStateKeys"` // by hex key id
	LatestKeyID  string                  `json:"latestKeyId"`
	Versions     map[string]appStateHash `json:"versions"` // the phone's own view of each collection
	MACs         map[string][]byte       `json:"macs"`     // collection + "\x00" + hex index MAC → value MAC

	// dirty is set by every write; the owner saves and clears it.
	dirty bool
}

type appStateKey struct {
	Data        []byte `json:"data"`
	Fingerprint []byte `json:"fingerprint"`
	Timestamp   int64  `json:"timestamp"`
}

type appStateHash struct {
	Version uint64 `json:"version"`
	Hash    []byte `json:"hash"`
}

func newPhoneStore() *phoneStore {
	st := &phoneStore{}
	st.init()
	return st
}

// init fills the maps a decoded (or new) store may lack.
func (st *phoneStore) init() {
	if st.Identities == nil {
		st.Identities = make(map[string][]byte)
	}
	if st.Sessions == nil {
		st.Sessions = make(map[string][]byte)
	}
	if st.SenderKeys == nil {
		st.SenderKeys = make(map[string][]byte)
	}
	if st.PreKeys == nil {
		st.PreKeys = make(map[uint32][]byte)
	}
	if st.AppStateKeys == nil {
		st.AppStateKeys = make(map[string]appStateKey)
	}
	if st.Versions == nil {
		st.Versions = make(map[string]appStateHash)
	}
	if st.MACs == nil {
		st.MACs = make(map[string][]byte)
	}
	if st.NextPreKeyID == 0 {
		st.NextPreKeyID = 1
	}
}

// marshal encodes the store if it changed since the last call (nil otherwise).
func (st *phoneStore) marshalIfDirty() ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.dirty {
		return nil, nil
	}
	st.dirty = false
	return json.Marshal(st)
}

// IdentityStore: trust on first use, then accept changes (whatsmeow's own
// AutoTrustIdentity default), recording the newest key.

func (st *phoneStore) PutIdentity(_ context.Context, address string, key [32]byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Identities[address] = key[:]
	st.dirty = true
	return nil
}

func (st *phoneStore) IsTrustedIdentity(context.Context, string, [32]byte) (bool, error) {
	return true, nil
}

// SessionStore.

func (st *phoneStore) GetSession(_ context.Context, address string) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.Sessions[address], nil
}

func (st *phoneStore) HasSession(_ context.Context, address string) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.Sessions[address]
	return ok, nil
}

func (st *phoneStore) GetManySessions(_ context.Context, addresses []string) (map[string][]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string][]byte, len(addresses))
	for _, a := range addresses {
		out[a] = st.Sessions[a]
	}
	return out, nil
}

func (st *phoneStore) PutSession(_ context.Context, address string, session []byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Sessions[address] = session
	st.dirty = true
	return nil
}

func (st *phoneStore) PutManySessions(_ context.Context, sessions map[string][]byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for a, s := range sessions {
		st.Sessions[a] = s
	}
	st.dirty = true
	return nil
}

func (st *phoneStore) DeleteSession(_ context.Context, address string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.Sessions, address)
	st.dirty = true
	return nil
}

// PreKeyStore: the phone's published one-time prekeys. libsignal loads one
// when a pkmsg names it and removes it afterwards.

func (st *phoneStore) GetPreKey(_ context.Context, id uint32) (*keys.PreKey, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	priv, ok := st.PreKeys[id]
	if !ok || len(priv) != 32 {
		return nil, nil
	}
	return &keys.PreKey{KeyPair: *keys.NewKeyPairFromPrivateKey([32]byte(priv)), KeyID: id}, nil
}

func (st *phoneStore) RemovePreKey(_ context.Context, id uint32) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.PreKeys, id)
	st.dirty = true
	return nil
}

// newPreKey creates and keeps one one-time prekey, returning its public half.
func (st *phoneStore) newPreKey() preKey {
	kp := keys.NewKeyPair()
	st.mu.Lock()
	defer st.mu.Unlock()
	id := st.NextPreKeyID
	st.NextPreKeyID++
	st.PreKeys[id] = kp.Priv[:]
	st.dirty = true
	return preKey{ID: id, Pub: *kp.Pub}
}

// SenderKeyStore.

func (st *phoneStore) PutSenderKey(_ context.Context, group, user string, session []byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.SenderKeys[group+"\x00"+user] = session
	st.dirty = true
	return nil
}

func (st *phoneStore) GetSenderKey(_ context.Context, group, user string) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.SenderKeys[group+"\x00"+user], nil
}

// AppStateSyncKeyStore: the key the phone shares with its companions.

func (st *phoneStore) PutAppStateSyncKey(_ context.Context, id []byte, key store.AppStateSyncKey) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.AppStateKeys[hex.EncodeToString(id)] = appStateKey{Data: key.Data, Fingerprint: key.Fingerprint, Timestamp: key.Timestamp}
	st.LatestKeyID = hex.EncodeToString(id)
	st.dirty = true
	return nil
}

func (st *phoneStore) GetAppStateSyncKey(_ context.Context, id []byte) (*store.AppStateSyncKey, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k, ok := st.AppStateKeys[hex.EncodeToString(id)]
	if !ok {
		return nil, nil
	}
	return &store.AppStateSyncKey{Data: k.Data, Fingerprint: k.Fingerprint, Timestamp: k.Timestamp}, nil
}

func (st *phoneStore) GetLatestAppStateSyncKeyID(context.Context) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.LatestKeyID == "" {
		return nil, nil
	}
	return hex.DecodeString(st.LatestKeyID)
}

// AppStateStore: the phone's own LT-hash state per collection, needed to
// encode patches it writes.

func (st *phoneStore) PutAppStateVersion(_ context.Context, name string, version uint64, hash [128]byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Versions[name] = appStateHash{Version: version, Hash: hash[:]}
	st.dirty = true
	return nil
}

func (st *phoneStore) GetAppStateVersion(_ context.Context, name string) (uint64, [128]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	v := st.Versions[name]
	var hash [128]byte
	copy(hash[:], v.Hash)
	return v.Version, hash, nil
}

func (st *phoneStore) PutAppStateMutationMACs(_ context.Context, name string, _ uint64, mutations []store.AppStateMutationMAC) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, m := range mutations {
		st.MACs[name+"\x00"+hex.EncodeToString(m.IndexMAC)] = m.ValueMAC
	}
	st.dirty = true
	return nil
}

func (st *phoneStore) DeleteAppStateMutationMACs(_ context.Context, name string, indexMACs [][]byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, m := range indexMACs {
		delete(st.MACs, name+"\x00"+hex.EncodeToString(m))
	}
	st.dirty = true
	return nil
}

func (st *phoneStore) GetAppStateMutationMAC(_ context.Context, name string, indexMAC []byte) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.MACs[name+"\x00"+hex.EncodeToString(indexMAC)], nil
}
