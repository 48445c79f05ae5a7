package wasim

import (
	"net/http"
	"sort"
)

// DeviceSessions is the ground truth of "one live session per device" for cluster tests: how
// many authenticated sockets a device has open now, the most it ever had at once, and how many
// times a login replaced a socket still open (WhatsApp's conflict type="replaced").
type DeviceSessions struct {
	JID      string `json:"jid"`
	Live     int    `json:"live"`
	MaxLive  int    `json:"maxLive"`
	Logins   int    `json:"logins"`
	Replaced int    `json:"replaced"`
}

type deviceSessionStats struct {
	jid                       string
	maxLive, logins, replaced int
}

// noteLoginLocked records a successful login of c as dev's socket; old is the socket it
// replaces, if any. Called with s.mu held.
func (s *Server) noteLoginLocked(dev *device, old, c *conn) {
	if s.deviceStats == nil {
		s.deviceStats = make(map[*device]*deviceSessionStats)
	}
	st := s.deviceStats[dev]
	if st == nil {
		st = &deviceSessionStats{jid: c.label}
		s.deviceStats[dev] = st
	}
	st.logins++
	if old != nil && old != c {
		st.replaced++
	}
	st.maxLive = max(st.maxLive, s.liveSocketsLocked(dev))
}

// liveSocketsLocked counts the open sockets authenticated as dev.
func (s *Server) liveSocketsLocked(dev *device) int {
	n := 0
	for c := range s.conns {
		if c.dev == dev {
			n++
		}
	}
	return n
}

// DeviceSessions reports every device that ever logged in, by JID.
func (s *Server) DeviceSessions() []DeviceSessions {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeviceSessions, 0, len(s.deviceStats))
	for dev, st := range s.deviceStats {
		out = append(out, DeviceSessions{JID: st.jid, Live: s.liveSocketsLocked(dev), MaxLive: st.maxLive, Logins: st.logins, Replaced: st.replaced})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JID < out[j].JID })
	return out
}

// controlDevices is GET /wasim/control/devices.
func (s *Server) controlDevices(*http.Request) (any, error) {
	return map[string]any{"devices": s.DeviceSessions()}, nil
}
