package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type sendPollRequest struct {
	sendCommon
	Question  string   `json:"question"`
	Options   []string `json:"options"`
	MaxAnswer int      `json:"maxAnswer"`
}

// handleSendPoll sends a poll of 2 to 12 options (RyzeAPI §2.6.7). maxAnswer below 1 becomes
// 1, above the option count becomes the option count. The poll's secret is stored so that
// votes can be decrypted.
func (s *Server) handleSendPoll(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendPollRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Question) == "" {
		return invalid("question is required")
	}
	if len(req.Options) < 2 || len(req.Options) > 12 {
		return invalid("options must have between 2 and 12 items")
	}
	seen := map[string]bool{}
	for _, o := range req.Options {
		o = strings.TrimSpace(o)
		if o == "" {
			return invalid("options must not be empty")
		}
		if seen[o] {
			return invalid("options must be different from each other")
		}
		seen[o] = true
	}
	selectable := min(max(req.MaxAnswer, 1), len(req.Options))
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessagePoll, false)
	if err != nil {
		return err
	}
	plan.msg.Poll = &switchboard.Poll{Question: req.Question, Options: req.Options, Selectable: selectable}
	var b strings.Builder
	b.WriteString(req.Question)
	for i, o := range req.Options {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o)
	}
	content := b.String()
	plan.content = &content
	plan.extra = map[string]any{"question": req.Question, "options": req.Options, "maxAnswer": selectable}
	return s.send(w, r, inst, plan)
}
