package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/switchboard/switchboard"
)

type labeledChatJSON struct {
	ChatJID string    `json:"chat_jid"`
	Labels  []tagJSON `json:"labels"`
}

type contactsByLabelResponse struct {
	envelope
	Chats          []labeledChatJSON `json:"chats"`
	TotalChats     int               `json:"total_chats"`
	TotalRows      int               `json:"total_rows"`
	Refreshed      bool              `json:"refreshed"`
	FilterLabelIDs []string          `json:"filter_label_ids"`
}

// handleChatContactsByLabel lists the chats that carry labels, each with its labels grouped
// (RyzeAPI §2.7.2). labelIds and labelNames (comma lists, names case-insensitive) filter: a
// chat is listed when it carries any of them. refresh=true fetches the labels from WhatsApp
// first, which needs the session (503 without); otherwise the label store answers alone.
func (s *Server) handleChatContactsByLabel(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if s.cfg.Labels == nil {
		return switchboard.Errorf(switchboard.CodeUnavailable, msgLabelsDisabled)
	}
	q := r.URL.Query()
	refresh := strings.EqualFold(q.Get("refresh"), "true") || q.Get("refresh") == "1"
	if refresh {
		mc, err := s.chatMessageClient(inst)
		if err != nil {
			return err
		}
		if err := mc.RefreshLabels(r.Context()); err != nil {
			return sessionFailed("Failed to refresh labels", err)
		}
	}
	labels, err := s.cfg.Labels.Labels(r.Context(), inst.ID)
	if err != nil {
		return err
	}
	byID := make(map[string]switchboard.Label, len(labels))
	for _, l := range labels {
		byID[l.ID] = l
	}
	filter := map[string]bool{}
	for _, id := range commaList(q.Get("labelIds")) {
		filter[id] = true
	}
	for _, name := range commaList(q.Get("labelNames")) {
		for _, l := range labels {
			if strings.EqualFold(l.Name, name) && !l.Deleted {
				filter[l.ID] = true
			}
		}
	}
	filtered := q.Get("labelIds") != "" || q.Get("labelNames") != ""
	links, err := s.cfg.Labels.LabeledChats(r.Context(), inst.ID)
	if err != nil {
		return err
	}
	out := contactsByLabelResponse{envelope: ok("Chats retrieved successfully"), Chats: []labeledChatJSON{}, Refreshed: refresh, FilterLabelIDs: []string{}}
	for id := range filter {
		out.FilterLabelIDs = append(out.FilterLabelIDs, id)
	}
	sortLabelIDs(out.FilterLabelIDs)
	index := map[switchboard.JID]int{}
	for _, link := range links {
		l, known := byID[link.LabelID]
		if !known || l.Deleted || (filtered && !filter[link.LabelID]) {
			continue
		}
		i, seen := index[link.Chat]
		if !seen {
			i = len(out.Chats)
			index[link.Chat] = i
			out.Chats = append(out.Chats, labeledChatJSON{ChatJID: link.Chat.String()})
		}
		out.Chats[i].Labels = append(out.Chats[i].Labels, tagOf(l))
		out.TotalRows++
	}
	out.TotalChats = len(out.Chats)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// commaList splits a comma list, dropping blanks.
func commaList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sortLabelIDs orders ids numerically when they are numbers (shorter first), as WhatsApp's are.
func sortLabelIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}
