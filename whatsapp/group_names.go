package whatsapp

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// Group events and group messages name their chat (`chat.name`) with the group's subject. The
// subject is remembered per instance from what the events themselves say (joining a group, a
// rename), so most events need no request; a group seen for the first time since the process
// started is asked for once (GetGroupInfo), and a failed ask is not repeated for a while.
const (
	groupNameLookupTimeout = 5 * time.Second
	groupNameRetryAfter    = time.Minute
	maxGroupNames          = 10000 // past it the memory starts afresh
)

type groupNames struct {
	mu    sync.Mutex
	names map[types.JID]groupName
}

type groupName struct {
	name    string
	known   bool
	checked time.Time // when an ask failed (known false)
}

func (g *groupNames) set(group types.JID, name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.names == nil || len(g.names) >= maxGroupNames {
		g.names = map[types.JID]groupName{}
	}
	g.names[group.ToNonAD()] = groupName{name: name, known: true}
}

// lookup returns the group's subject: remembered, or asked of WhatsApp once.
func (g *groupNames) lookup(ctx context.Context, cli *whatsmeow.Client, group types.JID) string {
	group = group.ToNonAD()
	g.mu.Lock()
	n, ok := g.names[group]
	g.mu.Unlock()
	if ok && (n.known || time.Since(n.checked) < groupNameRetryAfter) {
		return n.name
	}
	ctx, cancel := context.WithTimeout(ctx, groupNameLookupTimeout)
	defer cancel()
	info, err := cli.GetGroupInfo(ctx, group)
	if err != nil {
		g.mu.Lock()
		if g.names == nil || len(g.names) >= maxGroupNames {
			g.names = map[types.JID]groupName{}
		}
		g.names[group] = groupName{checked: time.Now()}
		g.mu.Unlock()
		return ""
	}
	g.set(group, info.Name)
	return info.Name
}

// nameGroupChats fills chat.name of the group events and group messages among ps. An event whose
// dedupe key comes from its data gets the key first, so that a name learnt later (a redelivered
// notification after a restart) does not make it a second event.
func (m *Manager) nameGroupChats(ctx context.Context, s *session, cli *whatsmeow.Client, ps []pendingEvent) {
	freeze := func(p *pendingEvent) {
		if p.key == "" {
			if data, err := json.Marshal(p.data); err == nil {
				p.key = p.dedupeKey(data)
			}
		}
	}
	for i := range ps {
		p := &ps[i]
		switch d := p.data.(type) {
		case switchboard.MessageExchangeData:
			if d.Message.Chat.Type == "group" {
				if jid, err := types.ParseJID(d.Message.Chat.JID); err == nil {
					d.Message.Chat.Name = s.groups.lookup(ctx, cli, jid)
					p.data = d
				}
			}
		case switchboard.MessageStatusData:
			if d.Chat.Type == "group" {
				if jid, err := types.ParseJID(d.Chat.JID); err == nil {
					freeze(p)
					d.Chat.Name = s.groups.lookup(ctx, cli, jid)
					p.data = d
				}
			}
		case switchboard.GroupFlowData:
			jid, err := types.ParseJID(d.Group)
			if err != nil {
				continue
			}
			freeze(p)
			chat := switchboard.EventChat{JID: d.Group, Type: "group", IsCommunity: d.IsCommunity}
			if d.Name != nil && (d.Action == switchboard.GroupJoined || d.Action == switchboard.GroupUpdate) {
				s.groups.set(jid, *d.Name)
				chat.Name = *d.Name
			} else {
				chat.Name = s.groups.lookup(ctx, cli, jid)
			}
			d.Chat = &chat
			p.data = d
		}
	}
}
