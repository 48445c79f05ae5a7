package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// runHTTP measures an authenticated read, GET /api/instance/list with an instance token,
// against a bare net/http handler that serves the same JSON document (decoded once, encoded
// on every request), each in its own process. Both are driven from this process: first at a
// fixed concurrency for a fixed time (the maximum rate), then open-loop at half of that rate
// (the latency the goal is about).
func runHTTP(ctx context.Context, e *benchEnv) (result, error) {
	dsn := "sqlite:" + e.path("http.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return result{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"))
	if err != nil {
		return result{}, err
	}
	defer g.kill()
	instToken, err := g.api.createInstance(ctx, token, "bench-http")
	if err != nil {
		return result{}, err
	}
	gwURL := g.api.base + "/api/instance/list"
	doc, err := fetchBody(ctx, gwURL, instToken)
	if err != nil {
		return result{}, err
	}
	docPath := e.path("list.json")
	if err := os.WriteFile(docPath, doc, 0o600); err != nil {
		return result{}, err
	}
	p, err := e.startBaseline("http", "-child-body", docPath)
	if err != nil {
		return result{}, err
	}
	defer p.kill()
	line, err := p.expect(ctx, "listening")
	if err != nil {
		return result{}, err
	}
	baseURL := "http://" + strings.TrimPrefix(line, "listening ") + "/api/instance/list"

	gw, base := newLoadTarget(gwURL, instToken), newLoadTarget(baseURL, "")
	c, d := e.opts.concurrency, e.opts.duration
	progress("closed loop, %d in flight for %s: gateway", c, d)
	gwMax := closedLoop(ctx, gw, c, d)
	progress("closed loop, %d in flight for %s: bare net/http", c, d)
	baseMax := closedLoop(ctx, base, c, d)
	progress("open loop at half of the gateway's rate (%.0f/s) for %s: gateway", gwMax.rps()/2, d)
	gwHalf := openLoop(ctx, gw, gwMax.rps()/2, d)
	progress("open loop at half of the bare handler's rate (%.0f/s) for %s: bare net/http", baseMax.rps()/2, d)
	baseHalf := openLoop(ctx, base, baseMax.rps()/2, d)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	if err := p.finish(); err != nil {
		return result{}, err
	}
	if _, err := g.stop(); err != nil {
		return result{}, err
	}
	return httpResult(e, gwMax, baseMax, gwHalf, baseHalf), nil
}

// fetchBody is one answer's body, which must be a 200.
func fetchBody(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", url, resp.StatusCode, body)
	}
	return body, nil
}

// httpGoalP99MS is the latency goal at half of the maximum rate.
const httpGoalP99MS = 5

func httpResult(e *benchEnv, gwMax, baseMax, gwHalf, baseHalf loadStats) result {
	r := ratio(gwMax.rps(), baseMax.rps())
	res := result{
		title:   fmt.Sprintf("http: GET /api/instance/list with an instance token, %d in flight, %s per run", e.opts.concurrency, e.opts.duration),
		columns: []string{"http", "gateway", "bare net/http", "gateway/bare"},
	}
	res.row("response body", fmt.Sprintf("%d bytes", gwMax.bytes), fmt.Sprintf("%d bytes", baseMax.bytes), "")
	res.row("max rate (closed loop)", fmt.Sprintf("%.0f req/s", gwMax.rps()), fmt.Sprintf("%.0f req/s", baseMax.rps()), times(r))
	res.row("p50 / p99 at max rate", msec(gwMax.percentileMS(50))+" / "+msec(gwMax.percentileMS(99)), msec(baseMax.percentileMS(50))+" / "+msec(baseMax.percentileMS(99)), "")
	res.row("half rate (open loop)", fmt.Sprintf("%.0f req/s", gwHalf.rps()), fmt.Sprintf("%.0f req/s", baseHalf.rps()), "")
	res.row("p50 / p99 at half rate", msec(gwHalf.percentileMS(50))+" / "+msec(gwHalf.percentileMS(99)), msec(baseHalf.percentileMS(50))+" / "+msec(baseHalf.percentileMS(99)), "")
	res.row("failed requests", fmt.Sprint(gwMax.errors+gwHalf.errors), fmt.Sprint(baseMax.errors+baseHalf.errors), "")
	res.note("each run follows a %s warm-up that is not recorded; the load generator runs in the benchmark's process on the same machine, for both servers alike", loadWarmup)
	res.note("the open loop sends at a fixed rate and measures each request from when it was due, so queueing counts")
	res.note("the bare handler serves the gateway's own answer (decoded once, JSON-encoded per request); it does no authentication, rate limiting or logging")
	res.check("ratio >= 0.5", r >= 0.5, fmt.Sprintf("ratio %.2f", r))
	p99 := gwHalf.percentileMS(99)
	res.check(fmt.Sprintf("p99 <= %d ms at half of the maximum rate", httpGoalP99MS), p99 <= httpGoalP99MS && gwHalf.requests > 0, fmt.Sprintf("p99 %.2f ms", p99))
	res.fig("scenario", "http")
	res.fig("rps", round(gwMax.rps(), 1))
	res.fig("baseline_rps", round(baseMax.rps(), 1))
	res.fig("ratio", round(r, 3))
	res.fig("p50_ms", round(gwHalf.percentileMS(50), 3))
	res.fig("p99_ms", round(p99, 3))
	res.fig("half_rate_rps", round(gwHalf.rps(), 1))
	res.fig("max_rate_p50_ms", round(gwMax.percentileMS(50), 3))
	res.fig("max_rate_p99_ms", round(gwMax.percentileMS(99), 3))
	res.fig("baseline_p99_ms", round(baseHalf.percentileMS(99), 3))
	res.fig("concurrency", e.opts.concurrency)
	res.fig("seconds_per_run", e.opts.duration.Seconds())
	res.fig("errors", gwMax.errors+gwHalf.errors+baseMax.errors+baseHalf.errors)
	res.fig("rate_limits_lifted", true)
	return res
}
