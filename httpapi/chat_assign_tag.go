package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type assignTagRequest struct {
	Number string `json:"number"`
	TagID  string `json:"tagId"`
}

func (r *assignTagRequest) chatNumber() string { return r.Number }

type assignTagResponse struct {
	envelope
	TagID   string `json:"tag_id"`
	ChatJID string `json:"chat_jid,omitempty"`
}

// handleChatAssignTag puts a label on a chat (RyzeAPI §2.7.7); already there is a success.
func (s *Server) handleChatAssignTag(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req assignTagRequest
	c, err := s.decodeChat(r, inst, &req)
	if err != nil {
		return err
	}
	return s.labelChat(w, r, inst, c, strings.TrimSpace(req.TagID), "tagId is required", true)
}

// handleChatUnassignTag takes a label off a chat (RyzeAPI §2.7.8), parameters in the query;
// a label not on the chat is a success.
func (s *Server) handleChatUnassignTag(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("number")) == "" {
		return invalid("number query parameter is required")
	}
	mc, chat, err := s.chatTarget(r, inst, q.Get("number"))
	if err != nil {
		return err
	}
	return s.labelChat(w, r, inst, chatCall{ctx: r.Context(), mc: mc, chat: chat}, strings.TrimSpace(q.Get("tagId")), "tagId query parameter is required", false)
}

func (s *Server) labelChat(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, c chatCall, tagID, missing string, on bool) error {
	if tagID == "" || len(tagID) > 64 {
		return invalid(missing)
	}
	if s.cfg.Labels == nil {
		return switchboard.Errorf(switchboard.CodeUnavailable, msgLabelsDisabled)
	}
	if _, err := liveLabel(r, s.cfg.Labels, inst, tagID); err != nil {
		return err
	}
	if err := c.mc.LabelChat(r.Context(), c.chat, tagID, on); err != nil {
		return sessionFailed("Failed to update the chat's tags", err)
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	if err := s.cfg.Labels.SetChatLabel(ctx, inst.ID, tagID, c.chat, on); err != nil {
		return err
	}
	msg := "Tag assigned successfully"
	if !on {
		msg = "Tag removed successfully"
	}
	writeJSON(w, http.StatusOK, assignTagResponse{envelope: ok(msg), TagID: tagID, ChatJID: c.chat.String()})
	return nil
}
