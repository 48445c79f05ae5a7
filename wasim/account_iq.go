package wasim

import (
	"crypto/sha1" //nolint:gosec // the digest's hash is SHA-1 by protocol, not for security here
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"sort"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// defaultPrivacy is what a new account answers for each category
// (types/user.go PrivacySettingType); the real defaults are not documented,
// these are the permissive ones a fresh WhatsApp install shows (assumed).
var defaultPrivacy = map[string]string{
	"groupadd": "all", "last": "all", "status": "all", "profile": "all", "readreceipts": "all",
	"online": "all", "calladd": "all", "messages": "all", "defense": "off", "stickers": "contacts",
}

// privacyValue is one of an account's privacy settings.
func (s *Server) privacyValue(number, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if acc := s.accounts[number]; acc != nil {
		if v, ok := acc.Privacy[name]; ok {
			return v
		}
	}
	return defaultPrivacy[name]
}

// SetPrivacy changes a privacy setting of a simulated user, as its phone's
// settings screen would, and tells the user's companions (account_sync).
func (s *Server) SetPrivacy(number, name, value string) error {
	return s.setPrivacy(digitsOnly(number), name, value, nil)
}

// setPrivacy stores a setting and tells the user's companions except the
// one that changed it (it knows, and whatsmeow's SetPrivacySetting updates
// its cache itself while a notification would race with it).
func (s *Server) setPrivacy(number, name, value string, changedBy *device) error {
	s.mu.Lock()
	acc := s.accounts[number]
	if acc == nil {
		s.mu.Unlock()
		return ErrUnknownPhone
	}
	if acc.Privacy == nil {
		acc.Privacy = make(map[string]string)
	}
	acc.Privacy[name] = value
	s.mu.Unlock()
	s.saveAccount(number)
	own := types.NewJID(number, types.DefaultUserServer)
	for _, dev := range s.devicesOf([]types.JID{own}) {
		if dev == changedBy {
			continue
		}
		s.deliver(dev, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
			"id": s.nextID(), "type": "account_sync", "from": own, "t": strconv.FormatInt(s.now().Unix(), 10),
		}, Content: []waBinary.Node{{Tag: "privacy", Content: []waBinary.Node{
			{Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": value}},
		}}}})
	}
	return nil
}

// handlePrivacy answers the privacy namespace: settings get
// (privacysettings.go TryFetchPrivacySettings needs <privacy><category name
// value/>…), settings set, and the trusted-contact token IQs (empty result).
func (s *Server) handlePrivacy(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	if child.Tag != "privacy" || c.dev == nil {
		return iqResult(iq)
	}
	if iq.Attrs["type"] == "set" {
		for _, cat := range child.GetChildren() {
			name, value := stringAttr(&cat, "name"), stringAttr(&cat, "value")
			if cat.Tag != "category" || name == "" || value == "" {
				return iqError(iq, 400, "")
			}
			_ = s.setPrivacy(c.phone, name, value, c.dev)
		}
		return iqResult(iq)
	}
	names := make([]string, 0, len(defaultPrivacy))
	for name := range defaultPrivacy {
		names = append(names, name)
	}
	sort.Strings(names)
	cats := make([]waBinary.Node, 0, len(names))
	for _, name := range names {
		cats = append(cats, waBinary.Node{Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": s.privacyValue(c.phone, name)}})
	}
	return iqResult(iq, waBinary.Node{Tag: "privacy", Content: cats})
}

// handleBlocklist answers GetBlocklist (get, no child) and UpdateBlocklist
// (set <item jid action>) with <list dhash><item jid/>… (user.go
// parseBlocklist); a change is announced to the user's other companions
// with account_sync <blocklist> (notification.go handleBlocklist).
func (s *Server) handleBlocklist(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	if c.dev == nil {
		return iqError(iq, 401, "")
	}
	if iq.Attrs["type"] == "set" {
		jid, ok := child.Attrs["jid"].(types.JID)
		action := stringAttr(&child, "action")
		if child.Tag != "item" || !ok || (action != "block" && action != "unblock") {
			return iqError(iq, 400, "")
		}
		user := jid.ToNonAD().String()
		s.mu.Lock()
		acc := s.accounts[c.phone]
		acc.Blocked = slices.DeleteFunc(acc.Blocked, func(b string) bool { return b == user })
		if action == "block" {
			acc.Blocked = append(acc.Blocked, user)
		}
		s.mu.Unlock()
		s.saveAccount(c.phone)
		list, dhash := s.blocklistNode(c.phone)
		own := types.NewJID(c.phone, types.DefaultUserServer)
		for _, dev := range s.devicesOf([]types.JID{own}) {
			if dev == c.dev {
				continue
			}
			s.deliver(dev, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
				"id": s.nextID(), "type": "account_sync", "from": own, "t": strconv.FormatInt(s.now().Unix(), 10),
			}, Content: []waBinary.Node{{Tag: "blocklist", Attrs: waBinary.Attrs{"dhash": dhash}, Content: []waBinary.Node{
				{Tag: "item", Attrs: waBinary.Attrs{"jid": jid.ToNonAD(), "action": action}},
			}}}})
		}
		return iqResult(iq, list)
	}
	list, _ := s.blocklistNode(c.phone)
	return iqResult(iq, list)
}

func (s *Server) blocklistNode(number string) (waBinary.Node, string) {
	s.mu.Lock()
	blocked := slices.Clone(s.accounts[number].Blocked)
	s.mu.Unlock()
	sort.Strings(blocked)
	h := sha256.New()
	items := make([]waBinary.Node, 0, len(blocked))
	for _, b := range blocked {
		jid, err := types.ParseJID(b)
		if err != nil {
			continue
		}
		h.Write([]byte(b))
		items = append(items, waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"jid": jid}})
	}
	dhash := base64.RawStdEncoding.EncodeToString(h.Sum(nil)[:8])
	node := waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"dhash": dhash}}
	if len(items) > 0 {
		node.Content = items
	}
	return node, dhash
}

// IsBlocked reports whether a simulated user has blocked another user.
func (s *Server) IsBlocked(number string, other types.JID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[digitsOnly(number)]
	return acc != nil && slices.Contains(acc.Blocked, other.ToNonAD().String())
}

// digestNode answers the encrypt <digest/> get that WhatsApp Web sends after
// login to check that the server holds the keys it uploaded: registration,
// identity, signed prekey, the ids of the one-time prekeys left and a SHA-1
// over identity ‖ signed key ‖ signature ‖ each one-time key. A client whose
// local keys hash the same keeps them instead of re-uploading. whatsmeow
// (pinned) never sends it; the shape follows WhatsApp Web's key-digest check
// (assumed, no public spec).
func (s *Server) digestNode(c *conn) (waBinary.Node, bool) {
	if c.dev == nil {
		return waBinary.Node{}, false
	}
	s.mu.Lock()
	b := c.dev.Bundle
	keys := slices.Clone(b.PreKeys)
	s.mu.Unlock()
	if len(b.Identity) != 32 || len(b.SignedPub) != 32 {
		return waBinary.Node{}, false
	}
	reg := make([]byte, 4)
	binary.BigEndian.PutUint32(reg, b.RegID)
	h := sha1.New() //nolint:gosec
	h.Write(b.Identity)
	h.Write(b.SignedPub)
	h.Write(b.SignedSig)
	ids := make([]waBinary.Node, 0, len(keys))
	for _, k := range keys {
		h.Write(k.Pub[:])
		ids = append(ids, waBinary.Node{Tag: "id", Content: keyID(k.ID)})
	}
	return waBinary.Node{Tag: "digest", Content: []waBinary.Node{
		{Tag: "registration", Content: reg},
		{Tag: "type", Content: []byte{5}},
		{Tag: "identity", Content: b.Identity},
		{Tag: "skey", Content: []waBinary.Node{
			{Tag: "id", Content: keyID(b.SignedID)},
			{Tag: "value", Content: b.SignedPub},
			{Tag: "signature", Content: b.SignedSig},
		}},
		{Tag: "list", Content: ids},
		{Tag: "hash", Content: h.Sum(nil)},
	}}, true
}

// blockersOf returns the phone of a DM recipient who blocked the sender,
// or "" (groups are not affected by blocks).
func (s *Server) blockersOf(sender string, to types.JID) string {
	if to.Server == types.GroupServer {
		return ""
	}
	s.mu.Lock()
	acc := s.accountForLocked(to)
	s.mu.Unlock()
	if acc == nil || acc.Phone == sender || !s.IsBlocked(acc.Phone, types.NewJID(sender, types.DefaultUserServer)) {
		return ""
	}
	return acc.Phone
}
