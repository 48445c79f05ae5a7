package switchboard

import (
	"context"
	"fmt"
	"strings"
)

// LinkStatus is the outcome of one group in a link or unlink batch.
type LinkStatus string

const (
	LinkStatusLinked        LinkStatus = "linked"
	LinkStatusAlreadyLinked LinkStatus = "already_linked"
	LinkStatusUnlinked      LinkStatus = "unlinked"
	LinkStatusFailed        LinkStatus = "failed"
)

// LinkReason is the machine-readable cause of a failed group.
type LinkReason string

const (
	ReasonInvalidJID        LinkReason = "invalid_jid"
	ReasonNotFound          LinkReason = "not_found"
	ReasonNotAdmin          LinkReason = "not_admin"
	ReasonLinkedElsewhere   LinkReason = "linked_elsewhere"
	ReasonAnnouncementGroup LinkReason = "announcement_group"
	ReasonCommunityFull     LinkReason = "community_full"
	ReasonRateLimited       LinkReason = "rate_limited"
	ReasonWhatsAppError     LinkReason = "whatsapp_error"
	ReasonNotLinked         LinkReason = "not_linked"
)

// DefaultMaxSubGroups is WhatsApp's documented cap of subgroups per community, the
// announcement group not counted.
const DefaultMaxSubGroups = 50

// LinkResult is one distinct group of a batch, in request order.
type LinkResult struct {
	JID     string // the normalised JID, or the input as given when it does not parse
	Status  LinkStatus
	Reason  LinkReason // empty unless Status is failed
	Message string
}

// Succeeded reports whether the group ends up in the state the batch asked for. It names the
// statuses that succeed, so a result left without a status (a bug) never counts as done.
func (r LinkResult) Succeeded() bool {
	switch r.Status {
	case LinkStatusLinked, LinkStatusAlreadyLinked, LinkStatusUnlinked:
		return true
	}
	return false
}

// LinkBatch describes one link or unlink request.
type LinkBatch struct {
	InstanceID   int64
	Community    JID
	Groups       []string // as the client sent them
	MaxSubGroups int      // 0 means DefaultMaxSubGroups
	// Progress, if set, is called after each group gets its final result (for async jobs).
	Progress func(done, total int)
}

// CommunityLinker runs link and unlink batches: it checks what can be known before writing to
// WhatsApp, then writes one group at a time through the instance's pacer, and stops the batch at
// WhatsApp's first rate-limit answer.
type CommunityLinker struct {
	// Pacer is the instance's write schedule (Sessions.Pacer), shared with every other writer of
	// that instance. Nil writes without pacing.
	Pacer *Pacer
}

// batchState carries a batch's results while it runs.
type batchState struct {
	results []LinkResult
	index   map[string]int // normalised JID -> position in results
	batch   LinkBatch
	done    int
}

func newBatchState(b LinkBatch) *batchState {
	st := &batchState{index: map[string]int{}, batch: b}
	seen := map[string]bool{}
	for _, raw := range b.Groups {
		j, err := NormalizeGroupJID(raw)
		if err != nil {
			key := strings.TrimSpace(raw)
			if seen["raw:"+key] {
				continue
			}
			seen["raw:"+key] = true
			st.results = append(st.results, LinkResult{JID: key, Status: LinkStatusFailed,
				Reason: ReasonInvalidJID, Message: fmt.Sprintf("invalid group jid: %v", err)})
			continue
		}
		key := j.String()
		if _, dup := st.index[key]; dup {
			continue
		}
		st.index[key] = len(st.results)
		st.results = append(st.results, LinkResult{JID: key})
	}
	for _, r := range st.results {
		if r.Status != "" {
			st.done++
		}
	}
	if b.Progress != nil {
		b.Progress(st.done, len(st.results))
	}
	return st
}

// pending lists the groups that have no result yet, in request order.
func (st *batchState) pending() []JID {
	var out []JID
	for _, r := range st.results {
		if r.Status == "" {
			j, _ := ParseJID(r.JID)
			out = append(out, j)
		}
	}
	return out
}

func (st *batchState) set(j JID, status LinkStatus, reason LinkReason, msg string) {
	i := st.index[j.String()]
	if st.results[i].Status != "" {
		return
	}
	st.results[i].Status, st.results[i].Reason, st.results[i].Message = status, reason, msg
	st.done++
	if st.batch.Progress != nil {
		st.batch.Progress(st.done, len(st.results))
	}
}

func (st *batchState) failAll(reason LinkReason, msg string) {
	for _, j := range st.pending() {
		st.set(j, LinkStatusFailed, reason, msg)
	}
}

// reasonFor maps a WhatsApp error from the whatsapp adapter to a batch reason.
func reasonFor(err error) LinkReason {
	switch ErrorCodeOf(err) {
	case CodeNotFound:
		return ReasonNotFound
	case CodeForbidden:
		return ReasonNotAdmin
	case CodeRateLimited:
		return ReasonRateLimited
	default:
		return ReasonWhatsAppError
	}
}

// isAdmin reports whether own is an admin of g.
func isAdmin(g *Group, own JID) bool {
	for _, p := range g.Participants {
		if p.IsAdmin || p.IsSuperAdmin {
			if samePerson(p, own) {
				return true
			}
		}
	}
	return false
}

// samePerson matches a participant against the instance's own JID by phone or LID.
func samePerson(p Participant, own JID) bool {
	own = own.ToNonAD()
	for _, j := range []JID{p.JID, p.PhoneNumber, p.LID} {
		if !j.IsZero() && j.ToNonAD() == own {
			return true
		}
	}
	return false
}

// checkCommunity reads the community and fails every group if the instance cannot manage it.
// It returns the announcement group and the linked subgroups.
func checkCommunity(ctx context.Context, gc GroupClient, st *batchState, community JID) (announce JID, linked map[JID]bool, ok bool) {
	info, err := gc.GroupInfo(ctx, community)
	if err != nil {
		st.failAll(reasonFor(err), "community: "+ErrorMessageOf(err))
		return JID{}, nil, false
	}
	if !info.IsCommunity {
		st.failAll(ReasonNotFound, community.String()+" is not a community")
		return JID{}, nil, false
	}
	if !isAdmin(info, gc.OwnJID()) {
		st.failAll(ReasonNotAdmin, "the instance is not an admin of the community")
		return JID{}, nil, false
	}
	subs, err := gc.SubGroups(ctx, community)
	if err != nil {
		st.failAll(reasonFor(err), "community subgroups: "+ErrorMessageOf(err))
		return JID{}, nil, false
	}
	linked = map[JID]bool{}
	for _, s := range subs {
		if s.IsDefault {
			announce = s.JID
			continue
		}
		linked[s.JID] = true
	}
	return announce, linked, true
}

// write runs the paced WhatsApp writes for the candidates. It stops at WhatsApp's first
// rate-limit answer (writing on would only prolong the throttling) and at a "community full"
// answer (every later link would get the same), and marks the remaining groups with that reason
// without writing them.
func (l *CommunityLinker) write(ctx context.Context, st *batchState, candidates []JID,
	do func(context.Context, JID) error, reason func(error) LinkReason, okStatus LinkStatus) {
	pacer := l.Pacer
	if pacer == nil {
		pacer = NewPacer(0)
	}
	for i, g := range candidates {
		done, err := pacer.Wait(ctx)
		if err != nil {
			for _, rest := range candidates[i:] {
				st.set(rest, LinkStatusFailed, ReasonWhatsAppError, "request cancelled before this group was written")
			}
			return
		}
		err = do(ctx, g)
		done()
		if err == nil {
			st.set(g, okStatus, "", "")
			continue
		}
		why := reason(err)
		st.set(g, LinkStatusFailed, why, ErrorMessageOf(err))
		var rest string
		switch why {
		case ReasonRateLimited:
			rest = "not attempted: WhatsApp rate-limited an earlier group of this batch"
		case ReasonCommunityFull:
			rest = "not attempted: WhatsApp reported the community full"
		default:
			continue
		}
		for _, g := range candidates[i+1:] {
			st.set(g, LinkStatusFailed, why, rest)
		}
		return
	}
}

// linkReason is reasonFor for link writes: the only limit a link can hit is the community's
// subgroup count, which WhatsApp answers with 419 resource-limit (a conflict in domain terms).
// It happens when the pre-check could not see every subgroup (WhatsApp lists only those the
// instance is in) or a concurrent request filled the community first.
func linkReason(err error) LinkReason {
	if ErrorCodeOf(err) == CodeConflict {
		return ReasonCommunityFull
	}
	return reasonFor(err)
}

// Link links the batch's groups to the community and returns one result per distinct group.
func (l *CommunityLinker) Link(ctx context.Context, gc GroupClient, b LinkBatch) []LinkResult {
	st := newBatchState(b)
	announce, linked, ok := checkCommunity(ctx, gc, st, b.Community)
	if !ok {
		return st.results
	}
	limit := b.MaxSubGroups
	if limit <= 0 {
		limit = DefaultMaxSubGroups
	}
	free := limit - len(linked)
	own := gc.OwnJID()
	var candidates []JID
	for _, g := range st.pending() {
		switch {
		case g == b.Community:
			st.set(g, LinkStatusFailed, ReasonInvalidJID, "a community cannot be linked to itself")
			continue
		case g == announce:
			st.set(g, LinkStatusFailed, ReasonAnnouncementGroup, "the announcement group already belongs to the community")
			continue
		case linked[g]:
			st.set(g, LinkStatusAlreadyLinked, "", "already linked to this community")
			continue
		}
		info, err := gc.GroupInfo(ctx, g)
		if err != nil {
			if reasonFor(err) == ReasonRateLimited {
				st.failAll(ReasonRateLimited, "not attempted: WhatsApp rate-limited this batch")
				return st.results
			}
			st.set(g, LinkStatusFailed, reasonFor(err), ErrorMessageOf(err))
			continue
		}
		switch {
		case info.IsCommunity:
			st.set(g, LinkStatusFailed, ReasonInvalidJID, "a community cannot be linked as a subgroup")
		case info.LinkedParent == b.Community:
			st.set(g, LinkStatusAlreadyLinked, "", "already linked to this community")
		case !info.LinkedParent.IsZero():
			st.set(g, LinkStatusFailed, ReasonLinkedElsewhere, "linked to community "+info.LinkedParent.String()+"; unlink it first")
		case !isAdmin(info, own):
			st.set(g, LinkStatusFailed, ReasonNotAdmin, "the instance is not an admin of the group")
		case free <= 0:
			st.set(g, LinkStatusFailed, ReasonCommunityFull, fmt.Sprintf("the community is full (at most %d subgroups, the announcement group not counted)", limit))
		default:
			free--
			candidates = append(candidates, g)
		}
	}
	l.write(ctx, st, candidates, func(ctx context.Context, g JID) error {
		return gc.LinkGroup(ctx, b.Community, g)
	}, linkReason, LinkStatusLinked)
	return st.results
}

// Unlink detaches the batch's groups from the community.
func (l *CommunityLinker) Unlink(ctx context.Context, gc GroupClient, b LinkBatch) []LinkResult {
	st := newBatchState(b)
	announce, linked, ok := checkCommunity(ctx, gc, st, b.Community)
	if !ok {
		return st.results
	}
	var candidates []JID
	for _, g := range st.pending() {
		switch {
		case g == announce:
			st.set(g, LinkStatusFailed, ReasonAnnouncementGroup, "the announcement group cannot be unlinked")
		case linked[g]:
			candidates = append(candidates, g)
		default:
			// WhatsApp lists only the subgroups the instance is in; ask the group itself.
			info, err := gc.GroupInfo(ctx, g)
			switch {
			case err != nil && reasonFor(err) != ReasonNotFound:
				st.set(g, LinkStatusFailed, reasonFor(err), ErrorMessageOf(err))
			case err == nil && info.LinkedParent == b.Community:
				candidates = append(candidates, g)
			case err != nil:
				st.set(g, LinkStatusFailed, ReasonNotFound, ErrorMessageOf(err))
			default:
				st.set(g, LinkStatusFailed, ReasonNotLinked, "the group is not linked to this community")
			}
		}
	}
	l.write(ctx, st, candidates, func(ctx context.Context, g JID) error {
		return gc.UnlinkGroup(ctx, b.Community, g)
	}, reasonFor, LinkStatusUnlinked)
	return st.results
}

// Refuse gives every distinct group of b the same failure without calling WhatsApp, for a batch
// that cannot run at all (say, linking to a community WhatsApp refused to create). Invalid JIDs
// keep their own reason.
func Refuse(b LinkBatch, reason LinkReason, message string) []LinkResult {
	st := newBatchState(b)
	st.failAll(reason, message)
	return st.results
}

// DistinctGroups is how many results a batch of these groups will have: one per distinct group
// after normalisation, invalid entries included.
func DistinctGroups(groups []string) int {
	return len(newBatchState(LinkBatch{Groups: groups}).results)
}
