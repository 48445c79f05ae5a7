package whatsapp

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard"
)

// DeleteForMe writes WhatsApp's deleteMessageForMe action. whatsmeow has no builder for it;
// the index is the one every message action uses: chat, id, from-me flag, and the author in a
// group ("0" otherwise), as in whatsmeow's BuildStar.
func (c *messageClient) DeleteForMe(ctx context.Context, m switchboard.MessageKey, sent time.Time) error {
	return c.sendAppState(ctx, appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   messageActionIndex(appstate.IndexDeleteMessageForMe, m),
			Version: 3,
			Value: &waSyncAction.SyncActionValue{DeleteMessageForMeAction: &waSyncAction.DeleteMessageForMeAction{
				DeleteMedia: proto.Bool(true), MessageTimestamp: proto.Int64(sent.Unix()),
			}},
		}},
	})
}

func (c *messageClient) SetStarred(ctx context.Context, m switchboard.MessageKey, starred bool) error {
	patch := appstate.BuildStar(toWAJID(m.Chat), c.cli.Store.GetJID().ToNonAD(), m.ID, m.FromMe, starred)
	patch.Mutations[0].Index = messageActionIndex(appstate.IndexStar, m)
	return c.sendAppState(ctx, patch)
}

func (c *messageClient) DeleteChat(ctx context.Context, chat switchboard.JID, deleteMedia bool) error {
	return c.sendAppState(ctx, appstate.BuildDeleteChat(toWAJID(chat), time.Time{}, nil, deleteMedia))
}

func messageActionIndex(kind string, m switchboard.MessageKey) []string {
	fromMe, participant := "0", "0"
	if m.FromMe {
		fromMe = "1"
	}
	if m.Chat.IsGroup() && !m.FromMe && !m.Sender.IsZero() {
		participant = toWAJID(m.Sender.ToNonAD()).String()
	}
	return []string{kind, toWAJID(m.Chat).String(), m.ID, fromMe, participant}
}
