package wasim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim/internal/groupsim"
)

// Aliases make the group engine's types nameable outside wasim (the engine
// itself stays internal: the core owns sockets, the engine owns groups).
type (
	// GroupConfig tunes the group engine (limits, error codes, quirks).
	GroupConfig = groupsim.Config
	// GroupView is a read-only copy of a group or community.
	GroupView = groupsim.GroupView
	// ParticipantView is one member of a GroupView.
	ParticipantView = groupsim.ParticipantView
	// CreateGroupRequest creates a group on behalf of a simulated user.
	CreateGroupRequest = groupsim.CreateRequest
)

// groupBackend is the engine plus the goroutine that persists its state.
type groupBackend struct {
	engine *groupsim.Engine
	dirty  chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

// initGroups builds the engine (with this server as its phone directory),
// restores saved state and, with a database, starts the saver.
func (s *Server) initGroups() error {
	cfg := s.cfg.Groups
	if s.cfg.MaxSubGroups != 0 {
		cfg.MaxSubGroups = s.cfg.MaxSubGroups
	}
	if s.cfg.SubGroupLimitCode != 0 {
		cfg.SubGroupLimitCode = s.cfg.SubGroupLimitCode
	}
	if s.cfg.SubGroupLimitText != "" {
		cfg.SubGroupLimitText = s.cfg.SubGroupLimitText
	}
	if cfg.Now == nil {
		cfg.Now = s.cfg.Now
	}
	if cfg.PictureURL == nil {
		cfg.PictureURL = s.pictures.url
	}
	s.groups.engine = groupsim.NewEngine(s, cfg)
	state, err := s.loadGroupState()
	if err != nil {
		return err
	}
	if len(state) > 0 {
		if err := s.groups.engine.UnmarshalState(state); err != nil {
			return err
		}
	}
	if s.store == nil {
		return nil
	}
	g := &s.groups
	g.dirty, g.stop, g.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	// OnChange runs after every mutation, possibly concurrently; a single
	// saver goroutine coalesces them, so writes can never reorder.
	g.engine.SetOnChange(func() {
		select {
		case g.dirty <- struct{}{}:
		default:
		}
	})
	go func() {
		defer close(g.done)
		for {
			select {
			case <-g.dirty:
				s.flushGroups()
			case <-g.stop:
				s.flushGroups()
				return
			}
		}
	}()
	return nil
}

func (s *Server) flushGroups() {
	state, err := s.groups.engine.MarshalState()
	if err == nil {
		err = s.saveGroupState(state)
	}
	if err != nil {
		s.log.Warn("wasim: save group state", "err", err)
	}
}

// closeGroups stops the saver after a final flush.
func (s *Server) closeGroups() error {
	if s.groups.stop != nil {
		close(s.groups.stop)
		<-s.groups.done
	}
	return nil
}

// handleGroupIQ hands a w:g2 (or group-picture) IQ to the engine, as the
// non-AD user of the sending device; its notifications follow the answer.
func (s *Server) handleGroupIQ(c *conn, iq *waBinary.Node) (waBinary.Node, func()) {
	if c.dev == nil {
		return iqError(iq, 401, "not-authorized"), nil
	}
	resp, notes := s.groups.engine.HandleIQ(c.jid.ToNonAD(), iq)
	if len(notes) == 0 {
		return resp, nil
	}
	return resp, func() { s.deliverNotes(notes) }
}

func (s *Server) deliverNotes(notes []groupsim.Notification) {
	for _, n := range notes {
		s.Notify(n.To, n.Node)
	}
}

// groupMembers lists a group's members as phone user JIDs (message fan-out).
func (s *Server) groupMembers(group types.JID) []types.JID {
	g, ok := s.groups.engine.Group(group)
	if !ok {
		return nil
	}
	out := make([]types.JID, 0, len(g.Participants))
	for _, p := range g.Participants {
		out = append(out, p.JID)
	}
	return out
}

// CreateGroup creates a group or community owned by a simulated user (for
// example a phone registered with RegisterPhone) and notifies the members'
// devices, as if the owner's phone had created it.
func (s *Server) CreateGroup(req CreateGroupRequest) (GroupView, error) {
	view, notes, err := s.groups.engine.CreateGroup(req)
	if err != nil {
		return view, err
	}
	s.deliverNotes(notes)
	return view, nil
}

// Group returns one group or community.
func (s *Server) Group(jid types.JID) (GroupView, bool) { return s.groups.engine.Group(jid) }

// Groups returns every group and community.
func (s *Server) Groups() []GroupView { return s.groups.engine.Groups() }

func (s *Server) groupViews() []GroupView { return s.Groups() }

// SetGroupAddressing makes a group LID-addressed (lid: its members are listed by LID with their
// phone number, addressing_mode="lid", as the real service lists groups made today) or
// PN-addressed; Config.Groups.LIDAddressing picks the form of new groups.
func (s *Server) SetGroupAddressing(group types.JID, lid bool) error {
	if !s.groups.engine.SetAddressing(group, lid) {
		return errGroupNotFound
	}
	return nil
}

// SetSubGroupUnlisted leaves a linked subgroup out of its community's subgroup list (or puts it
// back): WhatsApp answers GetSubGroups with only some subgroups, and a gateway must then ask the
// group itself which community it belongs to.
func (s *Server) SetSubGroupUnlisted(group types.JID, unlisted bool) error {
	if !s.groups.engine.SetUnlisted(group, unlisted) {
		return errGroupNotFound
	}
	return nil
}
