package wasim

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// maxInbox bounds a phone's inbox and receipt log (oldest dropped).
const maxInbox = 2000

// phone is the running side of a simulated phone (device 0 of an account):
// a real Signal stack on the account's identity key, signed prekey (id 1)
// and registration id, so whatsmeow clients encrypt to it and decrypt from it
// exactly as they would with a real phone, plus the inbox that records what
// it received.
type phone struct {
	number string
	// mu serialises the phone's Signal operations: libsignal loads, ratchets
	// and stores a session record per call, so two concurrent calls on one
	// session would lose a ratchet step.
	mu  sync.Mutex
	dev *store.Device
	st  *phoneStore

	inboxMu  sync.Mutex
	inbox    []InboxMessage
	receipts []InboxReceipt
	// autoRead makes the phone read everything it receives at once.
	autoRead      bool
	undecryptable int
	skdmSent      map[string]bool // group|device that hold this phone's sender key
	appProc       *appstate.Processor
	appView       map[string]AppStateEntry // collection + index → value (phone_appstate.go)
	polls         map[string]sentPoll      // polls this phone created, by id (phone_poll.go)
	calls         []InboxCall
	sent          map[string]sentCopy // pairwise sends kept for retries (phone_retry.go)
	sentOrder     []string
}

// phoneFor returns the phone of an account, building its Signal stack on
// first use from the account keys and the saved state.
func (s *Server) phoneFor(number string) (*phone, error) {
	s.mu.Lock()
	if p := s.phones[number]; p != nil {
		s.mu.Unlock()
		return p, nil
	}
	acc := s.accounts[number]
	if acc == nil {
		s.mu.Unlock()
		return nil, ErrUnknownPhone
	}
	pn, lid := acc.pn(), acc.lid()
	identity, signed, sig, reg, push := acc.identity, acc.signedKeyPair, [64]byte(acc.SignedKeySig), acc.RegID, acc.PushName
	s.mu.Unlock()

	st, err := s.loadPhoneState(number)
	if err != nil {
		return nil, err
	}
	dev := &store.Device{
		Log:            waLog.Noop,
		ID:             &pn,
		LID:            lid,
		IdentityKey:    identity,
		SignedPreKey:   &keys.PreKey{KeyPair: *signed, KeyID: 1, Signature: &sig},
		RegistrationID: reg,
		PushName:       push,
		Initialized:    true,
		LIDs:           &store.NoopStore{},
		Container:      &store.NoopStore{},
	}
	dev.SetAllStores(st)
	p := &phone{number: number, dev: dev, st: st, appProc: appstate.NewProcessor(dev, waLog.Noop)}

	s.mu.Lock()
	defer s.mu.Unlock()
	if existing := s.phones[number]; existing != nil {
		return existing, nil
	}
	s.phones[number] = p
	return p, nil
}

// savePhone persists the phone's Signal state if it changed.
func (s *Server) savePhone(p *phone) {
	if s.store == nil {
		_, _ = p.st.marshalIfDirty() // clear the flag; nothing to write
		return
	}
	s.store.saveMu.Lock()
	defer s.store.saveMu.Unlock()
	data, err := p.st.marshalIfDirty()
	if err != nil || data == nil {
		if err != nil {
			s.log.Warn("wasim: encode phone state", "phone", p.number, "err", err)
		}
		return
	}
	if err := s.store.upsert("wasim_phone_state", p.number, "phone", string(data)); err != nil {
		s.log.Warn("wasim: save phone state", "phone", p.number, "err", err)
	}
}

func (s *Server) loadPhoneState(number string) (*phoneStore, error) {
	st := newPhoneStore()
	if s.store == nil {
		return st, nil
	}
	var data string
	err := s.store.db.QueryRow(`SELECT data FROM wasim_phone_state WHERE phone = $1`, number).Scan(&data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("wasim: load phone state: %w", err)
	}
	if err := json.Unmarshal([]byte(data), st); err != nil {
		return nil, fmt.Errorf("wasim: malformed phone state of %s: %w", number, err)
	}
	st.init()
	return st, nil
}

// signalAddressOf names a companion device in the phone's Signal store: by
// its LID, as whatsmeow names its peers since the LID migration.
func signalAddressOf(lidUser string, device uint16) types.JID {
	return types.JID{User: lidUser, Server: types.HiddenUserServer, Device: device}
}
