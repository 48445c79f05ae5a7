package wasim

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// PhoneMedia is an attachment a phone sends.
type PhoneMedia struct {
	// Kind is image, video, audio, voice (a push-to-talk note), document or sticker.
	Kind     string
	Data     []byte
	Mimetype string
	FileName string // documents
	Caption  string // image, video, document
}

// PhoneSendMedia uploads an attachment to the media host, encrypted as
// whatsmeow's Upload does, and sends the matching message (see PhoneSend).
func (s *Server) PhoneSendMedia(ctx context.Context, from string, to types.JID, media PhoneMedia) (string, error) {
	m, err := s.mediaMessage(media)
	if err != nil {
		return "", err
	}
	return s.PhoneSend(ctx, from, to, m)
}

func (s *Server) mediaMessage(media PhoneMedia) (*waE2E.Message, error) {
	appInfo, mms := whatsmeow.MediaImage, "image"
	switch media.Kind {
	case "image", "sticker":
	case "video":
		appInfo, mms = whatsmeow.MediaVideo, "video"
	case "audio", "voice":
		appInfo, mms = whatsmeow.MediaAudio, "audio"
	case "document":
		appInfo, mms = whatsmeow.MediaDocument, "document"
	default:
		return nil, fmt.Errorf("wasim: unknown media kind %q", media.Kind)
	}
	up, err := s.uploadAsPhone(media.Data, appInfo, mms)
	if err != nil {
		return nil, err
	}
	url := "https://" + MediaHost + up.directPath
	var caption *string
	if media.Caption != "" {
		caption = proto.String(media.Caption)
	}
	mime := proto.String(media.Mimetype)
	switch media.Kind {
	case "image":
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{URL: &url, DirectPath: &up.directPath, MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, FileSHA256: up.fileSHA256, FileLength: &up.fileLength, Mimetype: mime, Caption: caption}}, nil
	case "sticker":
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{URL: &url, DirectPath: &up.directPath, MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, FileSHA256: up.fileSHA256, FileLength: &up.fileLength, Mimetype: mime}}, nil
	case "video":
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{URL: &url, DirectPath: &up.directPath, MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, FileSHA256: up.fileSHA256, FileLength: &up.fileLength, Mimetype: mime, Caption: caption}}, nil
	case "audio", "voice":
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{URL: &url, DirectPath: &up.directPath, MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, FileSHA256: up.fileSHA256, FileLength: &up.fileLength, Mimetype: mime,
			PTT: proto.Bool(media.Kind == "voice")}}, nil
	default:
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{URL: &url, DirectPath: &up.directPath, MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, FileSHA256: up.fileSHA256, FileLength: &up.fileLength, Mimetype: mime,
			FileName: proto.String(media.FileName), Caption: caption}}, nil
	}
}
