package wasim

import (
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// notifyDeviceChange tells the other users' companions that an account
// linked (add) or lost (remove) a device, with the new device list hash, so
// clients that cached the account's device list encrypt for the new device
// (or stop encrypting for the old one). whatsmeow's handleDeviceNotification
// (notification.go) applies the change when the hash matches and drops its
// cache otherwise. The real server sends it to the user's contacts; the
// simulator has no address books, so every other account's companions get
// it, and a client without a cached list ignores it.
func (s *Server) notifyDeviceChange(phone string, changed types.JID, action string) {
	s.mu.Lock()
	acc := s.accounts[phone]
	if acc == nil {
		s.mu.Unlock()
		return
	}
	list := []types.JID{acc.pn()}
	lidList := []types.JID{acc.lid()}
	for _, id := range acc.sortedDeviceIDs() {
		list = append(list, types.JID{User: acc.Phone, Server: types.DefaultUserServer, Device: id})
		lidList = append(lidList, types.JID{User: acc.LID, Server: types.HiddenUserServer, Device: id})
	}
	var others []types.JID
	for number, a := range s.accounts {
		if number != phone && len(a.devices) > 0 {
			others = append(others, a.pn())
		}
	}
	pn, lid := acc.pn(), acc.lid()
	s.mu.Unlock()
	changedLID := types.JID{User: lid.User, Server: types.HiddenUserServer, Device: changed.Device}
	node := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"type": "devices", "from": pn, "lid": lid, "t": strconv.FormatInt(s.now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: action, Attrs: waBinary.Attrs{
		"device_hash": participantListHash(list), "device_lid_hash": participantListHash(lidList),
	}, Content: []waBinary.Node{{Tag: "device", Attrs: waBinary.Attrs{"jid": changed, "lid": changedLID}}}}}}
	s.Notify(others, node)
}

// participantListHash is whatsmeow's participantListHashV2 (send.go): "2:"
// and the first 6 bytes of SHA-256 over the sorted AD strings, in base64.
func participantListHash(devices []types.JID) string {
	strs := make([]string, len(devices))
	for i, d := range devices {
		strs[i] = d.ADString()
	}
	sort.Strings(strs)
	sum := sha256.Sum256([]byte(strings.Join(strs, "")))
	return "2:" + base64.RawStdEncoding.EncodeToString(sum[:6])
}
