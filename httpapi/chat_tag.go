package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

const msgLabelsDisabled = "The label store is not available"

type tagJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Color   int    `json:"color"`
	Type    string `json:"type"`
	Deleted bool   `json:"deleted"`
}

func tagOf(l switchboard.Label) tagJSON {
	typ := "CUSTOM"
	if l.Predefined != 0 {
		typ = "PREDEFINED"
	}
	return tagJSON{ID: l.ID, Name: l.Name, Color: l.Color, Type: typ, Deleted: l.Deleted}
}

// labelClient is the prologue of the label routes: the label store and the instance's client,
// with the chat module's 503 when either is missing.
func (s *Server) labelClient(inst *switchboard.Instance) (switchboard.LabelStore, switchboard.MessageClient, error) {
	if s.cfg.Labels == nil {
		return nil, nil, switchboard.Errorf(switchboard.CodeUnavailable, msgLabelsDisabled)
	}
	mc, err := s.chatMessageClient(inst)
	return s.cfg.Labels, mc, err
}

// liveLabel finds a label that is not deleted, with the reference's 404.
func liveLabel(r *http.Request, labels switchboard.LabelStore, inst *switchboard.Instance, id string) (*switchboard.Label, error) {
	l, err := labels.Label(r.Context(), inst.ID, id)
	if switchboard.IsCode(err, switchboard.CodeNotFound) || (err == nil && l.Deleted) {
		return nil, switchboard.Errorf(switchboard.CodeNotFound, "Tag not found")
	}
	return l, err
}

type tagListResponse struct {
	envelope
	Tags  []tagJSON `json:"tags"`
	Total int       `json:"total"`
}

// handleChatTagList lists the instance's labels: the API's and those WhatsApp's app state
// brought from the phone (RyzeAPI §2.7.4). Deleted labels are not listed: the store keeps them
// only so that their ids are not reused (the reference's transient `deleted: true` never shows,
// since a deletion here is done once WhatsApp accepted the patch).
func (s *Server) handleChatTagList(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	labels, _, err := s.labelClient(inst)
	if err != nil {
		return err
	}
	all, err := labels.Labels(r.Context(), inst.ID)
	if err != nil {
		return err
	}
	out := make([]tagJSON, 0, len(all))
	for _, l := range all {
		if !l.Deleted {
			out = append(out, tagOf(l))
		}
	}
	writeJSON(w, http.StatusOK, tagListResponse{envelope: ok("Tags retrieved successfully"), Tags: out, Total: len(out)})
	return nil
}

type createTagRequest struct {
	Name  string `json:"name"`
	Color int    `json:"color"`
}

type tagResponse struct {
	envelope
	Tag tagJSON `json:"tag"`
}

// handleChatTagCreate creates a label with the next free id and writes it to WhatsApp's app
// state (RyzeAPI §2.7.5). A color outside the palette 0–10 becomes 0, as the reference does.
func (s *Server) handleChatTagCreate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req createTagRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return invalid("Tag name is required")
	}
	if len(name) > 100 {
		return invalid("Tag name must be at most 100 characters")
	}
	color := req.Color
	if color < 0 || color > 10 {
		color = 0
	}
	labels, mc, err := s.labelClient(inst)
	if err != nil {
		return err
	}
	done, err := s.labelIDs.For(inst.ID).Wait(r.Context())
	if err != nil {
		return err
	}
	defer done()
	id, err := labels.NextLabelID(r.Context(), inst.ID)
	if err != nil {
		return err
	}
	l := switchboard.Label{ID: id, Name: name, Color: color}
	if err := mc.EditLabel(r.Context(), l); err != nil {
		return sessionFailed("Failed to create tag", err)
	}
	// Written to WhatsApp: record it even if the client has gone meanwhile.
	ctx, cancel := detached(r.Context())
	defer cancel()
	if err := labels.SaveLabel(ctx, inst.ID, l); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tagResponse{envelope: ok("Tag created successfully"), Tag: tagOf(l)})
	return nil
}

// handleChatTagDelete deletes a label and takes it off every chat (RyzeAPI §2.7.6). Deleting an
// already deleted label succeeds again.
func (s *Server) handleChatTagDelete(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id := strings.TrimSpace(r.URL.Query().Get("tagId"))
	if id == "" || len(id) > 64 {
		return invalid("tagId query parameter is required")
	}
	labels, mc, err := s.labelClient(inst)
	if err != nil {
		return err
	}
	l, err := labels.Label(r.Context(), inst.ID, id)
	if switchboard.IsCode(err, switchboard.CodeNotFound) {
		return switchboard.Errorf(switchboard.CodeNotFound, "Tag not found")
	} else if err != nil {
		return err
	}
	l.Deleted = true
	if err := mc.EditLabel(r.Context(), *l); err != nil {
		return sessionFailed("Failed to delete tag", err)
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	if err := labels.SaveLabel(ctx, inst.ID, *l); err != nil {
		return err
	}
	if err := labels.SetChatLabel(ctx, inst.ID, id, switchboard.JID{}, false); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tagResponse{envelope: ok("Tag deleted successfully"), Tag: tagJSON{ID: id, Deleted: true}})
	return nil
}
