package wasim

import (
	"sort"

	"go.mau.fi/whatsmeow/types"
)

// Snapshot is the simulator's ground truth at one instant, for assertions
// and for the sandbox's inspection routes.
type Snapshot struct {
	Accounts []AccountInfo
	Devices  []DeviceInfo
	Groups   []GroupView
}

// AccountInfo describes a simulated phone account.
type AccountInfo struct {
	Phone    string
	JID      types.JID // phone user JID
	LID      types.JID // LID user JID
	PushName string
	Devices  []types.JID
}

// DeviceInfo describes a linked companion device.
type DeviceInfo struct {
	JID     types.JID // phone AD JID, e.g. 15551234567:1@s.whatsapp.net
	LID     types.JID // LID AD JID
	Phone   string
	Online  bool // logged in right now
	PreKeys int  // one-time prekeys left on the server
	Queued  int  // stanzas waiting for the next login
	Unacked int  // messages delivered on the current connection and not acked yet
}

// Snapshot copies the current state.
func (s *Server) Snapshot() Snapshot {
	var snap Snapshot
	s.mu.Lock()
	for _, acc := range s.accounts {
		info := AccountInfo{Phone: acc.Phone, JID: acc.pn(), LID: acc.lid(), PushName: acc.PushName}
		for _, id := range acc.sortedDeviceIDs() {
			dev := acc.devices[id]
			info.Devices = append(info.Devices, dev.pn())
			snap.Devices = append(snap.Devices, DeviceInfo{
				JID:     dev.pn(),
				LID:     types.JID{User: acc.LID, Server: types.HiddenUserServer, Device: id},
				Phone:   acc.Phone,
				Online:  dev.conn != nil && dev.conn.ready,
				PreKeys: len(dev.Bundle.PreKeys),
				Queued:  len(dev.Offline),
				Unacked: unackedOf(dev),
			})
		}
		snap.Accounts = append(snap.Accounts, info)
	}
	s.mu.Unlock()
	sort.Slice(snap.Accounts, func(i, j int) bool { return snap.Accounts[i].Phone < snap.Accounts[j].Phone })
	sort.Slice(snap.Devices, func(i, j int) bool { return snap.Devices[i].JID.String() < snap.Devices[j].JID.String() })
	snap.Groups = s.groupViews()
	return snap
}

// Device returns one device's info.
func (s *Server) Device(jid types.JID) (DeviceInfo, bool) {
	for _, d := range s.Snapshot().Devices {
		if d.JID == jid || d.LID == jid {
			return d, true
		}
	}
	return DeviceInfo{}, false
}
