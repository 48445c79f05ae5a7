package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// lookup is one Directory answer.
type lookup struct {
	lid types.JID
	ok  bool
}

// preResolve asks the Directory about every phone JID the request mentions
// (participant jid and phone_number attributes, the actor) BEFORE the
// engine lock is taken, so a Directory that takes the core's own locks can
// never deadlock against the engine.
func (e *Engine) preResolve(actor types.JID, nodes ...*waBinary.Node) map[string]lookup {
	users := []types.JID{actor}
	for _, n := range nodes {
		users = collectPhoneJIDs(n, users)
	}
	return e.lookupAll(users)
}

func (e *Engine) lookupAll(users []types.JID) map[string]lookup {
	out := make(map[string]lookup, len(users))
	for _, u := range users {
		u = u.ToNonAD()
		if u.Server != types.DefaultUserServer || u.User == "" {
			continue
		}
		if _, done := out[u.User]; done {
			continue
		}
		if e.dir == nil {
			out[u.User] = lookup{ok: true}
			continue
		}
		lid, ok := e.dir.LookupUser(u)
		out[u.User] = lookup{lid: lid.ToNonAD(), ok: ok}
	}
	return out
}

func collectPhoneJIDs(n *waBinary.Node, acc []types.JID) []types.JID {
	if n == nil {
		return acc
	}
	for _, key := range []string{"jid", "phone_number"} {
		if j, ok := jidAttr(n, key); ok && j.Server == types.DefaultUserServer {
			acc = append(acc, j)
		}
	}
	for _, child := range n.GetChildren() {
		acc = collectPhoneJIDs(&child, acc)
	}
	return acc
}

// resolve maps a participant as named in a request (phone or LID JID, with
// an optional phone_number hint) to the phone JID used as member key and
// its LID. ok=false means "not on WhatsApp".
func (c *call) resolve(j, phoneHint types.JID) (pn, lid types.JID, ok bool) {
	j = j.ToNonAD()
	switch j.Server {
	case types.DefaultUserServer:
		pn = j
	case types.HiddenUserServer:
		if phoneHint.Server == types.DefaultUserServer {
			pn = phoneHint.ToNonAD()
		} else if known, found := c.st.LIDs[j.User]; found {
			// Learned from an earlier Directory answer; an account does not
			// disappear in the simulator, so trust it without a new lookup.
			return known, j, true
		} else {
			return types.EmptyJID, j, false
		}
	default:
		return types.EmptyJID, types.EmptyJID, false
	}
	l, found := c.looked[pn.User]
	if !found || !l.ok {
		return pn, types.EmptyJID, false
	}
	c.learnLID(pn, l.lid)
	return pn, l.lid, true
}

// learnLID remembers a LID → phone pair for later @lid requests.
func (c *call) learnLID(pn, lid types.JID) {
	if lid.IsEmpty() {
		return
	}
	if old, ok := c.st.LIDs[lid.User]; ok && old == pn {
		return
	}
	c.st.LIDs[lid.User] = pn
	c.changed = true
}

// actorLID is the caller's LID, used when the caller becomes a member.
func (c *call) actorLID() types.JID {
	_, lid, _ := c.resolve(c.actor, types.EmptyJID)
	return lid
}
