package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestEventMessageStatus: a message sent through the API is delivered to the contact's phone
// and read there; the receiver gets message.status delivered and read for that message id,
// from the contact.
func TestEventMessageStatus(t *testing.T) {
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"message.status"})
	id := s.e.Do("POST", "/api/message/text/shop", s.acc, map[string]any{"number": s.phone, "message": "read me"}).Want(http.StatusOK).Str("messageId")
	contact := s.phone + "@s.whatsapp.net"
	for _, status := range []string{switchboard.ReceiptDelivered, switchboard.ReceiptRead} {
		if status == switchboard.ReceiptRead {
			if err := s.sim().PhoneMarkRead(s.phone, s.ownJID(), []string{id}); err != nil {
				t.Fatal(err)
			}
		}
		d := waitData(s, switchboard.EventMessageStatus, status+" of "+id, func(d switchboard.MessageStatusData) bool {
			return d.Status == status && slices.Contains(d.MessageIDs, id)
		})
		if d.Chat.JID != contact || d.From.JID != contact || d.Timestamp.IsZero() {
			t.Fatalf("%s receipt: %+v", status, d)
		}
	}
}

// TestEventCallUpdate: the contact's phone calls the instance and hangs up; the receiver gets
// call.update offer then terminated, with the call id and the caller.
func TestEventCallUpdate(t *testing.T) {
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"call.update"})
	callID, err := s.sim().PhoneCall(s.phone, s.ownJID(), "offer", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.sim().PhoneCall(s.phone, s.ownJID(), "terminate", callID); err != nil {
		t.Fatal(err)
	}
	contact := s.phone + "@s.whatsapp.net"
	for _, status := range []string{switchboard.CallOffer, switchboard.CallTerminated} {
		d := waitData(s, switchboard.EventCallUpdate, "call "+status, func(d switchboard.CallUpdateData) bool {
			return d.Status == status && d.CallID == callID
		})
		if d.From.JID != contact || d.Creator.JID != contact {
			t.Fatalf("call %s: %+v", status, d)
		}
	}
	if got := deliveredOfType[switchboard.CallUpdateData](t, s.rcv, switchboard.EventCallUpdate); got[0].Status != switchboard.CallOffer {
		t.Fatalf("first call event %+v, want the offer", got[0])
	}
}

// TestEventGroupFlow: the instance creates a group with the contact (joined), renames it
// (update), adds, promotes, demotes and removes a second user, then makes a community of it
// and unlinks it; each change reaches the receiver as a group.flow event saying what changed.
func TestEventGroupFlow(t *testing.T) {
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"group.flow"})
	res := s.e.Do("POST", "/api/group/create/shop", s.acc, map[string]any{"name": "Team", "participants": []string{s.phone}}).Want(http.StatusCreated)
	group := res.Str("group.jid")
	joined := waitData(s, switchboard.EventGroupFlow, "joined", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupJoined && d.Group == group
	})
	if joined.Name == nil || *joined.Name != "Team" || !slices.Contains(joined.Participants, s.phone+"@s.whatsapp.net") {
		t.Fatalf("joined: %+v", joined)
	}

	s.e.Do("PUT", "/api/group/update/shop", s.acc, map[string]any{"identifier": group, "name": "Team B"}).Want(http.StatusOK)
	waitData(s, switchboard.EventGroupFlow, "renamed", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupUpdate && d.Group == group && d.Name != nil && *d.Name == "Team B"
	})

	bobJID, err := s.sim().RegisterPhone("", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	bob := bobJID.String()
	for _, step := range []struct{ api, action string }{
		{"add", switchboard.GroupAdd}, {"promote", switchboard.GroupPromote},
		{"demote", switchboard.GroupDemote}, {"remove", switchboard.GroupLeave},
	} {
		s.e.Do("POST", "/api/group/participants/shop", s.acc, map[string]any{"action": step.api, "identifier": group, "participants": []string{bobJID.User}}).Want(http.StatusOK)
		d := waitData(s, switchboard.EventGroupFlow, step.action, func(d switchboard.GroupFlowData) bool {
			return d.Action == step.action && d.Group == group && slices.Contains(d.Participants, bob)
		})
		if d.Author != s.ownJID().String() {
			t.Fatalf("%s: author %q, want the instance %s", step.action, d.Author, s.ownJID())
		}
	}

	community := s.e.Do("POST", "/api/community/create/shop", s.acc, map[string]any{"name": "Street", "groupJid": []string{group}}).Want(http.StatusCreated).Str("group.jid")
	waitData(s, switchboard.EventGroupFlow, "linked", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupLinked && (d.Group == group && d.LinkedGroup == community || d.Group == community && d.LinkedGroup == group)
	})
	s.e.Do("POST", "/api/community/unlink/shop", s.acc, map[string]any{"communityJid": community, "groupJid": []string{group}}).Want(http.StatusOK)
	waitData(s, switchboard.EventGroupFlow, "unlinked", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupUnlinked && (d.Group == group && d.LinkedGroup == community || d.Group == community && d.LinkedGroup == group)
	})
}

// TestEventLabelUpdate: the account's phone creates a label and puts it on a chat (app-state
// patches synced to the instance); the receiver gets label.update edit with the name and colour,
// then add with the chat.
func TestEventLabelUpdate(t *testing.T) {
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"label.update"})
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	if err := s.sim().PhoneWriteAppState(ctx, s.own, appstate.BuildLabelEdit("7", "VIP", 3, false)); err != nil {
		t.Fatal(err)
	}
	chat := types.NewJID(s.phone, types.DefaultUserServer)
	if err := s.sim().PhoneWriteAppState(ctx, s.own, appstate.BuildLabelChat(chat, "7", true)); err != nil {
		t.Fatal(err)
	}
	edit := waitData(s, switchboard.EventLabelUpdate, "label edit", func(d switchboard.LabelUpdateData) bool {
		return d.Action == switchboard.LabelEdited && d.LabelID == "7"
	})
	if edit.Name != "VIP" || edit.Color == nil || *edit.Color != 3 || edit.Deleted {
		t.Fatalf("label edit: %+v", edit)
	}
	waitData(s, switchboard.EventLabelUpdate, "label on chat", func(d switchboard.LabelUpdateData) bool {
		return d.Action == switchboard.LabelAdded && d.LabelID == "7" && d.Chat == chat.String()
	})
}
