package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type sendStatusRequest struct {
	Type            string          `json:"type"`
	Message         string          `json:"message"`
	MediaURL        string          `json:"mediaUrl"`
	MimeType        string          `json:"mimeType"`
	FileName        string          `json:"fileName"`
	BackgroundColor string          `json:"backgroundColor"`
	Font            string          `json:"font"`
	IsVoice         *bool           `json:"isVoice"`
	Duration        json.RawMessage `json:"duration"`
	Waveform        json.RawMessage `json:"waveform"`
	Source          string          `json:"source"`
}

// handleSendStatus posts a status (story) to status@broadcast (RyzeAPI §2.6.13). Background
// colour and font are accepted; they are echoed, not rendered (a plain text status).
func (s *Server) handleSendStatus(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendStatusRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	typ := strings.ToLower(strings.TrimSpace(req.Type))
	if typ == "" {
		typ = "text"
	}
	common := sendCommon{Number: switchboard.StatusBroadcast.String(), Source: req.Source}
	var plan *sendPlan
	var err error
	switch typ {
	case "text":
		if strings.TrimSpace(req.Message) == "" {
			return invalid("Message is required for a text status")
		}
		if plan, err = s.prepareSend(r.Context(), inst, common, switchboard.MessageText, false); err != nil {
			return err
		}
		plan.msg.Text = req.Message
	case "image", "video", "audio":
		if strings.TrimSpace(req.MediaURL) == "" {
			return invalid("mediaUrl is required for a " + typ + " status")
		}
		mt := mediaTypes[typ]
		om, err := s.loadOutgoingMedia(r.Context(), mt, req.MediaURL, "", req.MimeType, req.FileName)
		if err != nil {
			return err
		}
		defer om.close()
		if mt == switchboard.MessageAudio {
			om.PTT = req.IsVoice == nil || *req.IsVoice
			om.Seconds = durationSeconds(req.Duration)
			if om.PTT {
				if err := om.toVoiceNote(r.Context()); err != nil {
					return err
				}
			}
		}
		if plan, err = s.prepareSend(r.Context(), inst, common, mt, false); err != nil {
			return err
		}
		plan.msg.Media, plan.msg.Text = om.OutgoingMedia, req.Message
	default:
		return invalid("type must be text, image, video or audio")
	}
	plan.content = &req.Message
	return s.send(w, r, inst, plan)
}
