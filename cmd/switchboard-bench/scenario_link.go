package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim"
)

// linkInterval is the gateway's default pause between two link writes of one instance
// (SWITCHBOARD_LINK_INTERVAL); the benchmark sets it explicitly so the floor it computes is the
// one the gateway applies.
const linkInterval = time.Second

// runLink times POST /api/community/link/{instance} with N groups, which the gateway links one
// at a time with linkInterval between two links, so (N-1) intervals are the floor; the rest is
// the gateway's overhead. The baseline is a bare whatsmeow client making the same N LinkGroup
// calls with the same pauses. The community and the groups are created by each side's phone in
// the simulator, so the instance (or the bare client) is their admin.
func runLink(ctx context.Context, e *benchEnv) (result, error) {
	n := e.opts.n
	dsn := "sqlite:" + e.path("link.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return result{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"), "SWITCHBOARD_LINK_INTERVAL="+linkInterval.String())
	if err != nil {
		return result{}, err
	}
	defer g.kill()
	paired, err := pairInstances(ctx, e, g.api, token, 1)
	if err != nil {
		return result{}, err
	}
	inst := paired[0]
	community, groups, err := createCommunity(e.sim, inst.device.ToNonAD(), n)
	if err != nil {
		return result{}, err
	}
	progress("linking %d groups through the gateway (interval %s)", n, linkInterval)
	gwSeconds, err := linkThroughGateway(ctx, g.api, inst, community, groups)
	if err != nil {
		return result{}, err
	}
	if err := requireLinked(e.sim, community, groups); err != nil {
		return result{}, fmt.Errorf("gateway: %w", err)
	}
	if _, err := g.stop(); err != nil {
		return result{}, err
	}

	progress("baseline: a bare whatsmeow client links %d groups with the same pauses", n)
	baseSeconds, err := linkBare(ctx, e, n)
	if err != nil {
		return result{}, err
	}
	return linkResult(n, gwSeconds, baseSeconds), nil
}

// createCommunity creates, as owner's phone, a community and n groups outside it.
func createCommunity(sim *wasim.Server, owner types.JID, n int) (types.JID, []types.JID, error) {
	parent, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: "Bench community", IsCommunity: true})
	if err != nil {
		return types.JID{}, nil, fmt.Errorf("create the community: %w", err)
	}
	groups := make([]types.JID, n)
	for i := range groups {
		view, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: fmt.Sprintf("Bench group %d", i+1)})
		if err != nil {
			return types.JID{}, nil, fmt.Errorf("create group %d: %w", i+1, err)
		}
		groups[i] = view.JID
	}
	return parent.JID, groups, nil
}

// errNoLinkRoute says the gateway under test has no link route yet.
var errNoLinkRoute = errors.New("the gateway has no POST /api/community/link route (404 Route not found)")

// linkThroughGateway sends the documented request with the instance's token and times it.
func linkThroughGateway(ctx context.Context, api *apiClient, inst pairedInstance, community types.JID, groups []types.JID) (float64, error) {
	body := map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)}
	var answer struct {
		Success bool              `json:"success"`
		Message string            `json:"message"`
		Linked  []string          `json:"linked"`
		Failed  []json.RawMessage `json:"failed"`
	}
	begin := time.Now()
	err := api.call(ctx, http.MethodPost, "/api/community/link/"+url.PathEscape(inst.name), inst.token, body, &answer)
	took := time.Since(begin).Seconds()
	var apiErr *apiError
	if errors.As(err, &apiErr) && isRouteNotFound(apiErr) {
		return 0, errNoLinkRoute
	}
	if err != nil {
		return 0, err
	}
	if !answer.Success || len(answer.Linked) != len(groups) || len(answer.Failed) != 0 {
		return 0, fmt.Errorf("the gateway linked %d of %d groups: %s (failed: %s)", len(answer.Linked), len(groups), answer.Message, answer.Failed)
	}
	return took, nil
}

// isRouteNotFound recognises the gateway's answer to a path it does not serve.
func isRouteNotFound(e *apiError) bool {
	if e.status != http.StatusNotFound {
		return false
	}
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	return json.Unmarshal([]byte(e.body), &env) == nil && env.Error.Message == "Route not found"
}

// requireLinked checks the simulator's ground truth: every group's parent is the community.
func requireLinked(sim *wasim.Server, community types.JID, groups []types.JID) error {
	for _, jid := range groups {
		g, ok := sim.Group(jid)
		if !ok || g.Parent != community {
			return fmt.Errorf("group %s is not linked to %s in the simulator", jid, community)
		}
	}
	return nil
}

// linkBare pairs a bare whatsmeow client in this process, creates its community and groups,
// and times N LinkGroup calls with linkInterval between two of them.
func linkBare(ctx context.Context, e *benchEnv, n int) (float64, error) {
	st, container, err := openBareStore(ctx, e.path("link-baseline.db"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	scan := func(ctx context.Context, qr string) error {
		_, err := e.sim.ScanQR(ctx, qr, "")
		return err
	}
	cli, err := pairBare(ctx, container, e.sim.HTTPClient(), scan)
	if err != nil {
		return 0, err
	}
	defer cli.Disconnect()
	community, groups, err := createCommunity(e.sim, cli.Store.GetJID().ToNonAD(), n)
	if err != nil {
		return 0, err
	}
	begin := time.Now()
	if err := linkPaced(ctx, cli, community, groups); err != nil {
		return 0, err
	}
	took := time.Since(begin).Seconds()
	if err := requireLinked(e.sim, community, groups); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	return took, nil
}

// linkPaced is the bare loop: link, pause, link, with no pause before the first or after the last.
func linkPaced(ctx context.Context, cli *whatsmeow.Client, community types.JID, groups []types.JID) error {
	for i, g := range groups {
		if i > 0 {
			if err := sleep(ctx, linkInterval); err != nil {
				return err
			}
		}
		if err := cli.LinkGroup(ctx, community, g); err != nil {
			return fmt.Errorf("LinkGroup %s: %w", g, err)
		}
	}
	return nil
}

func jidStrings(jids []types.JID) []string {
	out := make([]string, len(jids))
	for i, j := range jids {
		out[i] = j.String()
	}
	return out
}

// linkGoalOverheadMS is the goal per group.
const linkGoalOverheadMS = 20

func linkResult(n int, gwSeconds, baseSeconds float64) result {
	floor := linkFloor(n, linkInterval.Seconds())
	over := overheadPerGroup(gwSeconds, floor, n)
	baseOver := overheadPerGroup(baseSeconds, floor, n)
	res := result{
		title:   fmt.Sprintf("link: %d groups to a community, %s between two links", n, linkInterval),
		columns: []string{"link", "gateway", "bare whatsmeow", "gateway/bare"},
	}
	res.row("total", secs(gwSeconds), secs(baseSeconds), times(ratio(gwSeconds, baseSeconds)))
	res.row("floor, (N-1) x interval", secs(floor), secs(floor), "")
	res.row("overhead per group", msec(over), msec(baseOver), "")
	res.note("the gateway is timed around one POST /api/community/link request (instance token) as its client sees it; the bare client around its %d LinkGroup calls and pauses", n)
	res.note("both results are checked against the simulator: every group's parent is the community")
	res.check(fmt.Sprintf("overhead <= %d ms per group", linkGoalOverheadMS), over <= linkGoalOverheadMS, fmt.Sprintf("%.2f ms", over))
	res.fig("scenario", "link")
	res.fig("groups", n)
	res.fig("seconds", round(gwSeconds, 3))
	res.fig("floor_seconds", floor)
	res.fig("overhead_ms_per_group", round(over, 3))
	res.fig("baseline_seconds", round(baseSeconds, 3))
	res.fig("baseline_overhead_ms_per_group", round(baseOver, 3))
	res.fig("interval_seconds", linkInterval.Seconds())
	res.fig("rate_limits_lifted", true)
	return res
}
