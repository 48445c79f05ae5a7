package whatsapp

import (
	"context"
	"fmt"
	"io"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard"
)

// built is a message ready for SendMessage, with what the send answer reports about it.
type built struct {
	msg        *waE2E.Message
	media      *switchboard.MediaRef
	pollSecret []byte
	source     string // the send's source tag, for its message.exchange event
}

// build turns an OutgoingMessage into whatsmeow's proto. Media is uploaded here, before the
// send takes its turn in the queue, so a slow upload does not hold up the instance's other chats.
func (c *messageClient) build(ctx context.Context, m switchboard.OutgoingMessage) (built, error) {
	ctxInfo := c.contextInfo(m)
	switch m.Type {
	case switchboard.MessageText:
		if ctxInfo == nil && !m.LinkPreview {
			return built{msg: &waE2E.Message{Conversation: proto.String(m.Text)}}, nil
		}
		ext := &waE2E.ExtendedTextMessage{Text: proto.String(m.Text), ContextInfo: ctxInfo}
		if m.LinkPreview {
			if u := firstURL(m.Text); u != "" {
				ext.MatchedText = proto.String(u)
				ext.PreviewType = waE2E.ExtendedTextMessage_NONE.Enum()
			}
		}
		return built{msg: &waE2E.Message{ExtendedTextMessage: ext}}, nil
	case switchboard.MessageImage, switchboard.MessageVideo, switchboard.MessageAudio,
		switchboard.MessageDocument, switchboard.MessageSticker:
		return c.buildMedia(ctx, m, ctxInfo)
	case switchboard.MessageLocation:
		l := m.Location
		return built{msg: &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
			DegreesLatitude: proto.Float64(l.Latitude), DegreesLongitude: proto.Float64(l.Longitude),
			Name: nonEmpty(l.Name), Address: nonEmpty(l.Address), ContextInfo: ctxInfo,
		}}}, nil
	case switchboard.MessageContact:
		return built{msg: contactMessage(m.Contacts, ctxInfo)}, nil
	case switchboard.MessageReaction:
		r := m.Reaction
		sender := toWAJID(r.TargetSender)
		if r.TargetFromMe {
			sender = c.cli.Store.GetJID().ToNonAD()
		} else if sender.IsEmpty() {
			sender = toWAJID(m.Chat) // a DM's other party wrote it
		}
		return built{msg: c.cli.BuildReaction(toWAJID(m.Chat), sender, r.TargetID, r.Emoji)}, nil
	case switchboard.MessageButtons, switchboard.MessageList, switchboard.MessageInteractive:
		return c.buildInteractive(ctx, m, ctxInfo)
	case switchboard.MessagePoll:
		msg := c.cli.BuildPollCreation(m.Poll.Question, m.Poll.Options, m.Poll.Selectable)
		if ctxInfo != nil {
			if pc := msg.GetPollCreationMessage(); pc != nil {
				pc.ContextInfo = ctxInfo
			}
		}
		return built{msg: msg, pollSecret: msg.GetMessageContextInfo().GetMessageSecret()}, nil
	}
	return built{}, switchboard.Errorf(switchboard.CodeInvalid, "unsupported message type %q", m.Type)
}

// contextInfo carries the quote and the mentions; nil when the message has neither.
func (c *messageClient) contextInfo(m switchboard.OutgoingMessage) *waE2E.ContextInfo {
	if m.Quote == nil && len(m.Mentions) == 0 && !m.Forwarded {
		return nil
	}
	ci := &waE2E.ContextInfo{}
	if m.Forwarded {
		ci.IsForwarded, ci.ForwardingScore = proto.Bool(true), proto.Uint32(1)
	}
	for _, j := range m.Mentions {
		ci.MentionedJID = append(ci.MentionedJID, toWAJID(j).String())
	}
	if q := m.Quote; q != nil {
		ci.StanzaID = proto.String(q.ID)
		sender := toWAJID(q.Sender)
		if q.FromMe || sender.IsEmpty() {
			sender = c.cli.Store.GetJID().ToNonAD()
		}
		ci.Participant = proto.String(sender.String())
		if q.Chat != m.Chat {
			ci.RemoteJID = proto.String(toWAJID(q.Chat).String()) // a private reply to a group message
		}
		ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(q.Content)}
	}
	return ci
}

var mediaKinds = map[switchboard.MessageType]whatsmeow.MediaType{
	switchboard.MessageImage:    whatsmeow.MediaImage,
	switchboard.MessageSticker:  whatsmeow.MediaImage,
	switchboard.MessageVideo:    whatsmeow.MediaVideo,
	switchboard.MessageAudio:    whatsmeow.MediaAudio,
	switchboard.MessageDocument: whatsmeow.MediaDocument,
}

func (c *messageClient) buildMedia(ctx context.Context, m switchboard.OutgoingMessage, ci *waE2E.ContextInfo) (built, error) {
	md := m.Media
	up, err := c.upload(ctx, md, mediaKinds[m.Type])
	if err != nil {
		return built{}, err
	}
	ref := &switchboard.MediaRef{
		Type: m.Type, URL: up.URL, DirectPath: up.DirectPath, MediaKey: up.MediaKey,
		FileSHA256: up.FileSHA256, FileEncSHA256: up.FileEncSHA256, FileLength: up.FileLength,
		Mimetype: md.Mimetype, FileName: md.FileName, PTT: md.PTT, Seconds: md.Seconds,
	}
	caption := nonEmpty(m.Text)
	msg := &waE2E.Message{}
	switch m.Type {
	case switchboard.MessageImage:
		msg.ImageMessage = &waE2E.ImageMessage{Caption: caption, Mimetype: proto.String(md.Mimetype),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, JPEGThumbnail: md.Thumbnail,
			Width: nonZero(md.Width), Height: nonZero(md.Height), ContextInfo: ci}
	case switchboard.MessageSticker:
		msg.StickerMessage = &waE2E.StickerMessage{Mimetype: proto.String(md.Mimetype),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
			Width: nonZero(md.Width), Height: nonZero(md.Height), ContextInfo: ci}
	case switchboard.MessageVideo:
		msg.VideoMessage = &waE2E.VideoMessage{Caption: caption, Mimetype: proto.String(md.Mimetype),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, Seconds: nonZero(md.Seconds),
			JPEGThumbnail: md.Thumbnail, ContextInfo: ci}
	case switchboard.MessageAudio:
		msg.AudioMessage = &waE2E.AudioMessage{Mimetype: proto.String(md.Mimetype),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, PTT: proto.Bool(md.PTT),
			Seconds: nonZero(md.Seconds), ContextInfo: ci}
	case switchboard.MessageDocument:
		name := md.FileName
		if name == "" {
			name = "file"
		}
		msg.DocumentMessage = &waE2E.DocumentMessage{Caption: caption, Mimetype: proto.String(md.Mimetype),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, FileName: proto.String(name),
			Title: proto.String(name), ContextInfo: ci}
	}
	return built{msg: msg, media: ref}, nil
}

func contactMessage(cs []switchboard.Contact, ci *waE2E.ContextInfo) *waE2E.Message {
	if len(cs) == 1 {
		return &waE2E.Message{ContactMessage: &waE2E.ContactMessage{
			DisplayName: proto.String(cs[0].FullName), Vcard: proto.String(VCard(cs[0])), ContextInfo: ci}}
	}
	arr := &waE2E.ContactsArrayMessage{DisplayName: proto.String(fmt.Sprintf("%d contacts", len(cs))), ContextInfo: ci}
	for _, c := range cs {
		arr.Contacts = append(arr.Contacts, &waE2E.ContactMessage{DisplayName: proto.String(c.FullName), Vcard: proto.String(VCard(c))})
	}
	return &waE2E.Message{ContactsArrayMessage: arr}
}

// VCard renders a contact as the vCard 3.0 WhatsApp clients read, with the waid parameter that
// makes the number tappable.
func VCard(c switchboard.Contact) string {
	esc := strings.NewReplacer("\\", "\\\\", "\n", "\\n", ",", "\\,", ";", "\\;")
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\nVERSION:3.0\n")
	b.WriteString("FN:" + esc.Replace(c.FullName) + "\n")
	if c.Organization != "" {
		b.WriteString("ORG:" + esc.Replace(c.Organization) + ";\n")
	}
	if digits := switchboard.PhoneDigits(c.Phone); digits != "" {
		b.WriteString("TEL;type=CELL;type=VOICE;waid=" + digits + ":+" + digits + "\n")
	} else if c.Phone != "" {
		b.WriteString("TEL;type=CELL:" + esc.Replace(c.Phone) + "\n")
	}
	if c.Email != "" {
		b.WriteString("EMAIL:" + esc.Replace(c.Email) + "\n")
	}
	if c.URL != "" {
		b.WriteString("URL:" + esc.Replace(c.URL) + "\n")
	}
	b.WriteString("END:VCARD")
	return b.String()
}

func firstURL(text string) string {
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
			return f
		}
	}
	return ""
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(v uint32) *uint32 {
	if v == 0 {
		return nil
	}
	return &v
}

// upload puts an attachment on WhatsApp's media host: reused when it is there already (a
// forward), encrypted from memory, or streamed from its file through a temporary file of
// whatsmeow's (the encrypted copy), so a large file never sits in memory.
func (c *messageClient) upload(ctx context.Context, md *switchboard.OutgoingMedia, kind whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	if r := md.Uploaded; r != nil {
		return whatsmeow.UploadResponse{URL: r.URL, DirectPath: r.DirectPath, MediaKey: r.MediaKey,
			FileEncSHA256: r.FileEncSHA256, FileSHA256: r.FileSHA256, FileLength: r.FileLength}, nil
	}
	var up whatsmeow.UploadResponse
	var err error
	if md.Content == nil {
		up, err = c.cli.Upload(ctx, md.Data, kind)
	} else if _, err = md.Content.Seek(0, io.SeekStart); err == nil {
		up, err = c.cli.UploadReader(ctx, md.Content, nil, kind)
	}
	if err != nil {
		return up, switchboard.Wrap(switchboard.CodeWhatsAppFailure, "The media could not be uploaded to WhatsApp", err)
	}
	return up, nil
}
