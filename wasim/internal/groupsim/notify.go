package groupsim

import (
	"sort"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Notification envelopes follow wasim.md §7: parseGroupChange REQUIRES from
// and t (a missing one drops the whole notification on the client), and
// reads participant as the sender.

func (c *call) nextNotificationID() string {
	c.st.NextNotification++
	c.changed = true
	return strconv.FormatUint(c.st.NextNotification, 10)
}

// push queues a notification of the given type from a group to users.
func (c *call) push(kind string, from types.JID, to []types.JID, children ...waBinary.Node) {
	to = dedupeUsers(to)
	if len(to) == 0 {
		return
	}
	attrs := waBinary.Attrs{
		"type": kind,
		"from": from,
		"id":   c.nextNotificationID(),
		"t":    itoa(c.unix()),
	}
	if !c.actor.IsEmpty() {
		attrs["participant"] = c.actor
	}
	c.notes = append(c.notes, Notification{To: to, Node: waBinary.Node{
		Tag: "notification", Attrs: attrs, Content: nodes(children...),
	}})
}

// gp2 queues a w:gp2 change from group g to the given users.
func (c *call) gp2(g *group, to []types.JID, children ...waBinary.Node) {
	c.push("w:gp2", g.jid(), to, children...)
}

// gp2Members queues a w:gp2 change to every current member of g.
func (c *call) gp2Members(g *group, children ...waBinary.Node) {
	c.gp2(g, g.memberJIDs(), children...)
}

// joined tells users they are now in g. A single <create> child is what
// parseGroupNotification turns into events.JoinedGroup, whose doc says it is
// "emitted when you join or are added to a group". reason "invite" marks a
// link join (events.JoinedGroup.Reason); kind "new" marks a new group.
func (c *call) joined(g *group, to []types.JID, reason, kind, key string) {
	attrs := waBinary.Attrs{}
	if reason != "" {
		attrs["reason"] = reason
	}
	if kind != "" {
		attrs["type"] = kind
	}
	if key != "" {
		attrs["key"] = key
	}
	c.gp2(g, to, waBinary.Node{Tag: "create", Attrs: attrs, Content: []waBinary.Node{groupNode(g, fullGroup)}})
}

// participantList renders members for add/remove/promote/demote changes
// (parseParticipantList reads jid and, for phone JIDs, lid).
func participantList(tag string, ms []*member, attrs waBinary.Attrs) waBinary.Node {
	ch := make([]waBinary.Node, len(ms))
	for i, m := range ms {
		ch[i] = participantNode(m, false, false)
	}
	return waBinary.Node{Tag: tag, Attrs: attrs, Content: nodes(ch...)}
}

func jidsOf(ms []*member) []types.JID {
	out := make([]types.JID, len(ms))
	for i, m := range ms {
		out[i] = m.JID
	}
	return out
}

func dedupeUsers(in []types.JID) []types.JID {
	seen := make(map[types.JID]bool, len(in))
	out := make([]types.JID, 0, len(in))
	for _, j := range in {
		j = j.ToNonAD()
		if j.IsEmpty() || seen[j] {
			continue
		}
		seen[j] = true
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].String() < out[k].String() })
	return out
}
