package whatsapp

import (
	"encoding/hex"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// messageEvent turns one WhatsApp message (received, or sent by this account from any device)
// into message.exchange's `data.message`; ok is false for messages without content for a
// receiver (sender key distribution, app-state key shares, other protocol messages), which are
// dropped. Poll votes are filled in by the caller, which can decrypt them.
func messageEvent(info types.MessageInfo, msg *waE2E.Message, source string) (ev switchboard.MessageEvent, ok bool) {
	ev = switchboard.MessageEvent{
		ID: info.ID, Direction: "incoming", Timestamp: info.Timestamp.UTC(), FromMe: info.IsFromMe,
		Source: source, Chat: chatOf(info), Sender: senderOf(info),
	}
	if info.IsFromMe {
		ev.Direction = "outgoing"
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = time.Now().UTC()
	}
	if pm := msg.GetProtocolMessage(); pm != nil {
		switch pm.GetType() {
		case waE2E.ProtocolMessage_REVOKE:
			ev.Type = switchboard.EventMessageRevoke
			ev.Revoke = &switchboard.EventTarget{MessageID: pm.GetKey().GetID()}
			return ev, true
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			_, text := classifyMessage(pm.GetEditedMessage())
			ev.Type, ev.IsEdit = switchboard.EventMessageEdit, true
			ev.Edit = &switchboard.EventEdit{MessageID: pm.GetKey().GetID(), Text: text}
			ev.Content = &switchboard.EventContent{Text: text}
			return ev, true
		}
		return ev, false
	}
	if msg.GetPollUpdateMessage() != nil {
		ev.Type = switchboard.EventPollVoteType
		ev.Content = &switchboard.EventContent{PollVote: &switchboard.EventPollVote{
			PollID: msg.GetPollUpdateMessage().GetPollCreationMessageKey().GetID(), Options: []string{}, OptionHashes: []string{},
		}}
		return ev, true
	}
	typ, text := classifyMessage(msg)
	content := &switchboard.EventContent{Text: text}
	switch {
	case typ == "":
		typ, content = interactiveReply(msg)
		if typ == "" {
			return ev, false
		}
	case typ == switchboard.MessageLocation:
		l := msg.GetLocationMessage()
		content = &switchboard.EventContent{Location: &switchboard.EventLocation{
			Latitude: l.GetDegreesLatitude(), Longitude: l.GetDegreesLongitude(), Name: l.GetName(), Address: l.GetAddress(),
		}}
	case typ == switchboard.MessageContact:
		content = &switchboard.EventContent{Contacts: contactsOf(msg)}
	case typ == switchboard.MessageReaction:
		r := msg.GetReactionMessage()
		content = &switchboard.EventContent{Reaction: &switchboard.EventReaction{
			MessageID: r.GetKey().GetID(), Emoji: r.GetText(), Removed: r.GetText() == "",
		}}
	case typ == switchboard.MessagePoll:
		content = &switchboard.EventContent{Poll: pollOf(msg)}
	case typ.IsMedia():
		ev.Media = eventMediaOf(mediaRefOf(typ, msg))
		if text == "" {
			content = nil
		}
	}
	ev.Type, ev.Content = string(typ), content
	if ci := contextInfoOf(msg); ci != nil {
		if q := ci.GetStanzaID(); q != "" {
			ev.ReplyTo = &switchboard.EventTarget{MessageID: q}
		}
		ev.Mentions = ci.GetMentionedJID()
	}
	return ev, true
}

// interactiveReply reads a click on a button or a list row: a reply message carrying the
// button's or row's id (RyzeAPI: it comes back as a reply message with the id).
func interactiveReply(msg *waE2E.Message) (switchboard.MessageType, *switchboard.EventContent) {
	switch {
	case msg.GetButtonsResponseMessage() != nil:
		r := msg.GetButtonsResponseMessage()
		return "buttons_response", &switchboard.EventContent{Text: r.GetSelectedDisplayText(), SelectedID: r.GetSelectedButtonID()}
	case msg.GetTemplateButtonReplyMessage() != nil:
		r := msg.GetTemplateButtonReplyMessage()
		return "buttons_response", &switchboard.EventContent{Text: r.GetSelectedDisplayText(), SelectedID: r.GetSelectedID()}
	case msg.GetListResponseMessage() != nil:
		r := msg.GetListResponseMessage()
		return "list_response", &switchboard.EventContent{Text: r.GetTitle(), SelectedID: r.GetSingleSelectReply().GetSelectedRowID()}
	case msg.GetInteractiveResponseMessage() != nil:
		r := msg.GetInteractiveResponseMessage()
		return "interactive_response", &switchboard.EventContent{Text: r.GetBody().GetText(), SelectedID: r.GetNativeFlowResponseMessage().GetParamsJSON()}
	case msg.GetButtonsMessage() != nil:
		return "buttons", &switchboard.EventContent{Text: msg.GetButtonsMessage().GetContentText()}
	case msg.GetListMessage() != nil:
		return "list", &switchboard.EventContent{Text: msg.GetListMessage().GetDescription()}
	case msg.GetInteractiveMessage() != nil:
		return "interactive", &switchboard.EventContent{Text: msg.GetInteractiveMessage().GetBody().GetText()}
	}
	return "", nil
}

func contactsOf(msg *waE2E.Message) []switchboard.EventContact {
	if c := msg.GetContactMessage(); c != nil {
		return []switchboard.EventContact{{DisplayName: c.GetDisplayName(), VCard: c.GetVcard()}}
	}
	var out []switchboard.EventContact
	for _, c := range msg.GetContactsArrayMessage().GetContacts() {
		out = append(out, switchboard.EventContact{DisplayName: c.GetDisplayName(), VCard: c.GetVcard()})
	}
	return out
}

func pollOf(msg *waE2E.Message) *switchboard.EventPoll {
	p := msg.GetPollCreationMessage()
	if p == nil {
		p = msg.GetPollCreationMessageV3()
	}
	out := &switchboard.EventPoll{Name: p.GetName(), Options: []string{}, SelectableCount: int(p.GetSelectableOptionsCount())}
	for _, o := range p.GetOptions() {
		out.Options = append(out.Options, o.GetOptionName())
	}
	return out
}

// eventMediaOf describes an attachment without its keys; the bytes (or a link to them) are added
// at delivery time.
func eventMediaOf(ref *switchboard.MediaRef) *switchboard.EventMedia {
	if ref == nil {
		return nil
	}
	typ := string(ref.Type)
	if ref.Type == switchboard.MessageAudio && ref.PTT {
		typ = "ptt"
	}
	return &switchboard.EventMedia{
		Type: typ, Mimetype: ref.Mimetype, FileName: ref.FileName, Size: ref.FileLength,
		Seconds: ref.Seconds, SHA256: hex.EncodeToString(ref.FileSHA256),
	}
}

// chatOf names the chat: its phone-number JID and, when WhatsApp addressed it by hidden id, that
// too. A private chat with someone else carries their push name.
func chatOf(info types.MessageInfo) switchboard.EventChat {
	chat := info.Chat.ToNonAD()
	c := switchboard.EventChat{Type: chatType(chat)}
	if c.Type != "private" {
		c.JID = chat.String()
		return c
	}
	alt := info.SenderAlt
	if info.IsFromMe {
		alt = info.RecipientAlt
	} else {
		c.Name = info.PushName
	}
	p := personOf(chat, alt, "")
	c.JID, c.LID = p.JID, p.LID
	return c
}

func senderOf(info types.MessageInfo) switchboard.EventPerson {
	return personOf(info.Sender, info.SenderAlt, info.PushName)
}

// personOf puts a user's phone-number JID first and its hidden id (LID) beside it, whichever of
// the two WhatsApp addressed the message by.
func personOf(j, alt types.JID, name string) switchboard.EventPerson {
	j, alt = j.ToNonAD(), alt.ToNonAD()
	p := switchboard.EventPerson{JID: j.String(), Name: name}
	switch {
	case j.Server == types.HiddenUserServer && !alt.IsEmpty():
		p.JID, p.LID = alt.String(), j.String()
	case j.Server == types.HiddenUserServer:
		p.LID = j.String()
	case alt.Server == types.HiddenUserServer:
		p.LID = alt.String()
	}
	return p
}

func chatType(chat types.JID) string {
	switch chat.Server {
	case types.GroupServer:
		return "group"
	case types.NewsletterServer:
		return "newsletter"
	case types.BroadcastServer:
		return "broadcast"
	}
	return "private"
}

// optionHashes renders poll option hashes as hex, the form receivers can compute from names.
func optionHashes(hashes [][]byte) []string {
	out := make([]string, 0, len(hashes))
	for _, h := range hashes {
		out = append(out, strings.ToLower(hex.EncodeToString(h)))
	}
	return out
}
