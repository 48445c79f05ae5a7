package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"path"
	"strings"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/media"
)

type sendMediaRequest struct {
	sendCommon
	MediaType   string          `json:"mediaType"`
	MediaURL    string          `json:"mediaUrl"`
	MediaBase64 string          `json:"mediaBase64"`
	Message     string          `json:"message"`
	MimeType    string          `json:"mimeType"`
	FileName    string          `json:"fileName"`
	IsVoice     *bool           `json:"isVoice"`
	Duration    json.RawMessage `json:"duration"`
	Waveform    json.RawMessage `json:"waveform"`
}

var mediaTypes = map[string]switchboard.MessageType{
	"image": switchboard.MessageImage, "video": switchboard.MessageVideo,
	"audio": switchboard.MessageAudio, "document": switchboard.MessageDocument,
}

// handleSendMedia sends an image, video, audio (a voice note unless isVoice is false) or
// document (RyzeAPI §2.6.2), from mediaUrl or mediaBase64, never both.
func (s *Server) handleSendMedia(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendMediaRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	typ, ok := mediaTypes[strings.ToLower(strings.TrimSpace(req.MediaType))]
	if !ok {
		return invalid("mediaType must be image, video, audio or document")
	}
	om, err := s.loadOutgoingMedia(r.Context(), typ, req.MediaURL, req.MediaBase64, req.MimeType, req.FileName)
	if err != nil {
		return err
	}
	defer om.close()
	if typ == switchboard.MessageAudio {
		om.PTT = req.IsVoice == nil || *req.IsVoice
		om.Seconds = durationSeconds(req.Duration)
		if om.PTT {
			if err := om.toVoiceNote(r.Context()); err != nil {
				return err
			}
		}
	} else if req.IsVoice != nil && *req.IsVoice {
		return invalid("isVoice is only for mediaType audio")
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, typ, true)
	if err != nil {
		return err
	}
	plan.msg.Media, plan.msg.Text = om.OutgoingMedia, req.Message
	if typ != switchboard.MessageAudio {
		plan.content = &req.Message
	}
	return s.send(w, r, inst, plan)
}

// loadedMedia is an outgoing attachment and what it was loaded into: close removes its
// temporary files once the send is over (async sends run the handler to its end in the job).
type loadedMedia struct {
	*switchboard.OutgoingMedia
	att *media.Attachment
}

func (m *loadedMedia) close() { _ = m.att.Close() }

// use makes att the attachment sent, closing the one it replaces.
func (m *loadedMedia) use(att *media.Attachment) {
	if m.att != att {
		_ = m.att.Close()
	}
	m.att, m.Size, m.Data, m.Content = att, att.Size(), att.Bytes(), nil
	if m.Data == nil {
		m.Content, _ = att.Reader()
	}
}

// toVoiceNote converts the audio to OGG/Opus (media.VoiceNote) and flags it as such.
func (m *loadedMedia) toVoiceNote(ctx context.Context) error {
	att, err := media.VoiceNote(ctx, m.att)
	if err != nil {
		return err
	}
	m.use(att)
	m.Mimetype = "audio/ogg; codecs=opus"
	return nil
}

// loadOutgoingMedia reads the attachment from exactly one source, within the type's size cap
// (a URL is streamed to a temporary file), and works out its MIME type (declared, else sniffed)
// and, for images, its size and a thumbnail. The caller closes the result.
func (s *Server) loadOutgoingMedia(ctx context.Context, typ switchboard.MessageType, url, b64, mimeType, fileName string) (*loadedMedia, error) {
	url, b64 = strings.TrimSpace(url), strings.TrimSpace(b64)
	limit := s.attachments.Limit(typ == switchboard.MessageDocument)
	var att *media.Attachment
	switch {
	case url != "" && b64 != "":
		return nil, invalid("send either mediaUrl or mediaBase64, not both")
	case url == "" && b64 == "":
		return nil, invalid("mediaUrl or mediaBase64 is required")
	case b64 != "":
		data, err := s.attachments.FromBase64(b64, limit)
		if err != nil {
			return nil, err
		}
		att = media.Inline(data)
	case strings.HasPrefix(strings.ToLower(url), "data:"):
		data, err := s.attachments.FromBase64(url, limit) // the newer reference accepts base64 here
		if err != nil {
			return nil, err
		}
		att = media.Inline(data)
	default:
		var err error
		if att, err = s.attachments.Download(ctx, url, limit); err != nil {
			return nil, err
		}
		if fileName == "" {
			fileName = path.Base(strings.SplitN(url, "?", 2)[0])
		}
	}
	return s.describeMedia(typ, att, mimeType, fileName)
}

// describeMedia checks an attachment against its message type and fills in what WhatsApp
// shows before the download: MIME type, file name, image size and thumbnail. It closes att
// when it refuses it.
func (s *Server) describeMedia(typ switchboard.MessageType, att *media.Attachment, mimeType, fileName string) (*loadedMedia, error) {
	mt := media.Mimetype(att.Head(), mimeType)
	var refusal error
	switch {
	case typ == switchboard.MessageImage && !strings.HasPrefix(mt, "image/"):
		refusal = invalid("mediaType image needs an image (got " + safeMime(mt) + ")")
	case typ == switchboard.MessageVideo && !strings.HasPrefix(mt, "video/"):
		refusal = invalid("mediaType video needs a video (got " + safeMime(mt) + ")")
	}
	if refusal != nil {
		_ = att.Close()
		return nil, refusal
	}
	om := &loadedMedia{OutgoingMedia: &switchboard.OutgoingMedia{Mimetype: mt}}
	om.use(att)
	if typ == switchboard.MessageDocument {
		om.FileName = fileName
	}
	if typ == switchboard.MessageImage || typ == switchboard.MessageSticker {
		om.Width, om.Height = media.ImageSize(att)
	}
	if typ == switchboard.MessageImage {
		om.Thumbnail = media.Thumbnail(att)
	}
	return om, nil
}

// safeMime keeps a MIME type short and printable before it goes into an error message.
func safeMime(mt string) string {
	if len(mt) > 60 {
		mt = mt[:60]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, mt)
}

// durationSeconds reads `duration` as a number of seconds (the playground shows an object;
// anything that is not a non-negative number is ignored).
func durationSeconds(raw json.RawMessage) uint32 {
	var f float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f < 0 || f > 86400 {
		return 0
	}
	return uint32(f)
}

type sendStickerRequest struct {
	sendCommon
	ImageURL string `json:"imageUrl"`
}

// handleSendSticker sends a sticker (RyzeAPI §2.6.3). WhatsApp shows only WebP stickers of
// 512×512: a WebP is sent as it is, PNG/JPEG/GIF are converted (media.Loader.Sticker).
func (s *Server) handleSendSticker(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendStickerRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.ImageURL) == "" {
		return invalid("imageUrl is required")
	}
	om, err := s.loadOutgoingMedia(r.Context(), switchboard.MessageSticker, req.ImageURL, "", "", "")
	if err != nil {
		return err
	}
	defer om.close()
	sticker, err := s.media.Sticker(r.Context(), om.att)
	if err != nil {
		return err
	}
	if sticker != om.att {
		om.use(sticker)
		om.Width, om.Height = 512, 512
	}
	om.Mimetype = "image/webp"
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageSticker, false)
	if err != nil {
		return err
	}
	plan.msg.Media = om.OutgoingMedia
	return s.send(w, r, inst, plan)
}
