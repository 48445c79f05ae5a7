package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

// maxGroupsPerBatch bounds groupJid. A community holds at most 50 subgroups (WhatsApp's limit),
// so no link or unlink batch can usefully name many more; the cap keeps one request from making
// hundreds of WhatsApp reads in its pre-checks.
const maxGroupsPerBatch = 100

// The reference's messages for link and unlink (RyzeAPI section 2.2.2), and ours where it is
// silent.
var (
	errCommunityJIDRequired  = invalid("community jid is required")
	errGroupJIDRequired      = invalid("group jid is required")
	errTooManyGroups         = invalid(fmt.Sprintf("groupJid accepts at most %d groups per request", maxGroupsPerBatch))
	errCommunityNotConnected = &switchboard.Error{Code: switchboard.CodeNotConnected, Message: "Instance is not connected to WhatsApp"}
)

type communityLinkRequest struct {
	CommunityJID string   `json:"communityJid"`
	GroupJID     []string `json:"groupJid"`
}

// communityLinkResponse is RyzeAPI's CommunityLinkResponse, shared by link and unlink (whose
// `linked` holds the groups unlinked), plus Switchboard's `results`: one entry per distinct
// group, in request order, saying why each one failed.
type communityLinkResponse struct {
	envelope
	Linked  []string         `json:"linked"`
	Failed  []string         `json:"failed"`
	Results []linkResultJSON `json:"results"`
}

type linkResultJSON struct {
	JID     string `json:"jid"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// linkOutcome splits batch results the way the reference reports them.
type linkOutcome struct {
	linked, failed []string
	results        []linkResultJSON
}

func linkOutcomeOf(results []switchboard.LinkResult) linkOutcome {
	o := linkOutcome{linked: []string{}, failed: []string{}, results: make([]linkResultJSON, 0, len(results))}
	for _, r := range results {
		if r.Succeeded() {
			o.linked = append(o.linked, r.JID)
		} else {
			o.failed = append(o.failed, r.JID)
		}
		o.results = append(o.results, linkResultJSON{JID: r.JID, Status: string(r.Status), Reason: string(r.Reason), Message: r.Message})
	}
	return o
}

// parseLinkRequest validates a link or unlink body in the reference's order. The community JID
// is only checked for presence here: a malformed one is reported after the instance checks.
func parseLinkRequest(r *http.Request) (communityLinkRequest, error) {
	var req communityLinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.CommunityJID) == "" {
		return req, errCommunityJIDRequired
	}
	if len(req.GroupJID) == 0 {
		return req, errGroupJIDRequired
	}
	if len(req.GroupJID) > maxGroupsPerBatch {
		return req, errTooManyGroups
	}
	return req, nil
}

// communityGroups returns the instance's live group access, or 400 "Instance is not connected
// to WhatsApp".
func (s *Server) communityGroups(inst *switchboard.Instance) (switchboard.GroupClient, error) {
	gc, err := s.cfg.Sessions.Groups(inst)
	if err != nil {
		if switchboard.IsCode(err, switchboard.CodeNotConnected) {
			return nil, switchboard.Wrap(errCommunityNotConnected.Code, errCommunityNotConnected.Message, err)
		}
		return nil, sessionFailed("Internal server error", err)
	}
	return gc, nil
}

// handleCommunityLink links groups to a community (RyzeAPI section 2.2.2): 400 community jid
// is required, 400 group jid is required, 404 Instance not found, 400 Instance is not connected
// to WhatsApp, 500 error parse community jid: <reason>; then 200 whatever happens to each group.
func (s *Server) handleCommunityLink(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, req communityLinkRequest) error {
	return s.runLinkBatch(w, r, inst, req, true)
}

// handleCommunityUnlink detaches groups from a community (RyzeAPI section 2.2.3), with link's
// validation, pacing and answer.
func (s *Server) handleCommunityUnlink(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, req communityLinkRequest) error {
	return s.runLinkBatch(w, r, inst, req, false)
}

func (s *Server) runLinkBatch(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, req communityLinkRequest, link bool) error {
	gc, err := s.communityGroups(inst)
	if err != nil {
		return err
	}
	community, err := switchboard.NormalizeGroupJID(req.CommunityJID)
	if err != nil {
		// 500 is the reference's status for this, kept for its clients.
		return switchboard.Errorf(switchboard.CodeInternal, "error parse community jid: %v", err)
	}
	ctx := r.Context()
	batch := s.linkBatch(ctx, inst, community, req.GroupJID)
	linker := switchboard.CommunityLinker{Pacer: s.cfg.Sessions.Pacer(inst)}
	var results []switchboard.LinkResult
	if link {
		results = linker.Link(ctx, gc, batch)
	} else {
		results = linker.Unlink(ctx, gc, batch)
	}
	o := linkOutcomeOf(results)
	message := fmt.Sprintf("Linked %d of %d groups to community", len(o.linked), len(results))
	if !link {
		message = fmt.Sprintf("Unlinked %d of %d groups from community", len(o.linked), len(results))
	}
	writeJSON(w, http.StatusOK, communityLinkResponse{
		envelope: envelope{Success: len(o.linked) > 0, Message: message},
		Linked:   o.linked,
		Failed:   o.failed,
		Results:  o.results,
	})
	return nil
}

// linkBatch describes a batch on the instance's shared pacer, reporting progress to an async
// job when the request runs as one.
func (s *Server) linkBatch(ctx context.Context, inst *switchboard.Instance, community switchboard.JID, groups []string) switchboard.LinkBatch {
	return switchboard.LinkBatch{
		InstanceID:   inst.ID,
		Community:    community,
		Groups:       groups,
		MaxSubGroups: s.cfg.MaxSubGroups,
		Progress:     func(done, total int) { reportProgress(ctx, done, total) },
	}
}
