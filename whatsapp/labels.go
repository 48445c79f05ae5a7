package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard"
)

// Labels and Favorites are app state too (regular and regular_low collections).

func (c *messageClient) EditLabel(ctx context.Context, l switchboard.Label) error {
	return c.sendAppState(ctx, appstate.BuildLabelEdit(l.ID, l.Name, int32(l.Color), l.Deleted))
}

func (c *messageClient) LabelChat(ctx context.Context, chat switchboard.JID, labelID string, on bool) error {
	return c.sendAppState(ctx, appstate.BuildLabelChat(toWAJID(chat), labelID, on))
}

// SetFavoriteChats writes WhatsApp's favorites value, which is the whole ordered list (index
// ["favorites"]); whatsmeow has no builder for it.
func (c *messageClient) SetFavoriteChats(ctx context.Context, chats []switchboard.JID) error {
	action := &waSyncAction.FavoritesAction{}
	for _, j := range chats {
		action.Favorites = append(action.Favorites, &waSyncAction.FavoritesAction_Favorite{ID: proto.String(toWAJID(j).String())})
	}
	return c.sendAppState(ctx, appstate.PatchInfo{
		Type: appstate.WAPatchRegularLow,
		Mutations: []appstate.MutationInfo{{
			Index: []string{appstate.IndexFavorites}, Version: 1,
			Value: &waSyncAction.SyncActionValue{FavoritesAction: action},
		}},
	})
}

// recordLabelEvent keeps labels made or assigned on the phone (or any linked device) in the
// label store, so that the tag routes list them beside the API's own.
func (m *Manager) recordLabelEvent(s *session, evt any) {
	if m.opts.Labels == nil {
		return
	}
	var err error
	switch e := evt.(type) {
	case *events.LabelEdit:
		ctx, cancel := context.WithTimeout(m.ctx, storeWriteTimeout)
		defer cancel()
		a := e.Action
		err = m.opts.Labels.SaveLabel(ctx, s.id, switchboard.Label{ID: e.LabelID, Name: a.GetName(), Color: int(a.GetColor()),
			Deleted: a.GetDeleted(), Predefined: int(a.GetPredefinedID())})
		if err == nil && a.GetDeleted() {
			err = m.opts.Labels.SetChatLabel(ctx, s.id, e.LabelID, switchboard.JID{}, false)
		}
	case *events.LabelAssociationChat:
		ctx, cancel := context.WithTimeout(m.ctx, storeWriteTimeout)
		defer cancel()
		err = m.opts.Labels.SetChatLabel(ctx, s.id, e.LabelID, toDomainJID(e.JID.ToNonAD()), e.Action.GetLabeled())
	default:
		return
	}
	if err != nil {
		s.log.Warn("storing a label change", "err", err)
	}
}

// RefreshLabels fetches the regular collection (labels and their chats) from WhatsApp; its
// events update the label store through recordLabelEvent.
func (c *messageClient) RefreshLabels(ctx context.Context) error {
	if err := c.waitAppStateKey(ctx); err != nil {
		return err
	}
	if err := c.cli.FetchAppState(ctx, appstate.WAPatchRegular, false, false); err != nil {
		return translate(err)
	}
	return nil
}
