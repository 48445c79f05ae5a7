package groupsim

import "go.mau.fi/whatsmeow/types"

// The sandbox API: simulated users with no whatsmeow client behind them
// act through these calls instead of IQs. They share the IQ code paths, so
// rules and notifications are identical.

// CreateRequest is the sandbox API's way for a simulated user (no
// whatsmeow client behind it) to create a group or community.
type CreateRequest struct {
	Owner        types.JID
	Name         string
	Participants []types.JID
	// Admins are made admins; they are added as participants if missing.
	Admins      []types.JID
	IsCommunity bool
	// Parent creates the group inside this community (Owner must be one of
	// its admins).
	Parent      types.JID
	Description string
}

// CreateGroup creates a group on behalf of a simulated user. Participants
// that are not on WhatsApp are skipped, as in the IQ. For a community the
// returned view is the parent, and its SubGroups holds the announcement
// group. Errors are *Error values (use errors.Is with the Err* sentinels).
func (e *Engine) CreateGroup(req CreateRequest) (GroupView, []Notification, error) {
	owner := req.Owner.ToNonAD()
	users := append([]types.JID{owner}, req.Participants...)
	users = append(users, req.Admins...)
	looked := e.lookupAll(users)

	var (
		view GroupView
		fail *Error
	)
	notes := e.run(owner, looked, func(c *call) {
		spec := createSpec{
			name:         req.Name,
			isParent:     req.IsCommunity,
			linkedParent: req.Parent,
			description:  req.Description,
			admins:       map[types.JID]bool{},
		}
		if req.IsCommunity {
			spec.defaultApproval = "request_required" // what whatsmeow sends by default
			if !req.Parent.IsEmpty() {
				fail = ErrBadRequest
				return
			}
		}
		for _, p := range req.Participants {
			spec.participants = append(spec.participants, partReq{jid: p})
		}
		for _, a := range req.Admins {
			spec.admins[a.ToNonAD()] = true
			spec.participants = append(spec.participants, partReq{jid: a})
		}
		g, _, err := c.create(spec)
		if err != nil {
			fail = err
			return
		}
		view = c.view(g)
	})
	if fail != nil {
		return GroupView{}, nil, fail
	}
	return view, notes, nil
}
