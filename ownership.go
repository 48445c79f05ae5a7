package switchboard

import (
	"context"
	"time"
)

// Ownership says which node of a cluster runs each instance's WhatsApp session. A device must
// hold exactly one live connection: a second one makes WhatsApp replace the first, and two
// writers corrupt its Signal state. So one node at a time holds an instance's lease, and every
// request that needs the session is served there.
type Ownership interface {
	// Route says where requests for inst are served: here, at another node's internal address,
	// or nowhere for now (a takeover is under way), with how long to wait before retrying.
	// An instance that no node needs to run (never paired, or not to be reconnected) is claimed
	// by the node asking, so that a pairing started here stays here.
	Route(ctx context.Context, inst *Instance) (Route, error)
}

// Route is an answer of Ownership.Route; exactly one of its three cases holds.
type Route struct {
	Local bool
	// Address is the owner's internal base URL (http://host:port) when another node owns inst.
	Address string
	// RetryAfter is set when no live node owns inst yet.
	RetryAfter time.Duration
}
