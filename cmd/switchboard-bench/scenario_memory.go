package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// runMemory measures the resident memory each connected, idle instance adds to the gateway,
// and the same for a bare program holding as many whatsmeow clients with their store.
//
// Gateway: start it on an empty database, sample its RSS, pair N instances through the API,
// check they are all connected, sample again. Baseline: a child process opens its own store,
// its RSS is sampled, it pairs N bare clients (it prints each QR code, this process's simulator
// scans it), and its RSS is sampled again. Both are sampled the same way (see rss.go).
func runMemory(ctx context.Context, e *benchEnv) (result, error) {
	n := e.opts.n
	gw, err := measureGatewayMemory(ctx, e, n)
	if err != nil {
		return result{}, err
	}
	base, err := measureBaselineMemory(ctx, e, n)
	if err != nil {
		return result{}, err
	}
	return memoryResult(e, n, gw, base), nil
}

// footprint is a process's RSS with no instance and with N.
type footprint struct {
	idle, loaded uint64
}

func (f footprint) perInstance(n int) float64 { return perInstance(f.idle, f.loaded, n) }

func measureGatewayMemory(ctx context.Context, e *benchEnv, n int) (footprint, error) {
	dsn := "sqlite:" + e.path("gateway.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return footprint{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"))
	if err != nil {
		return footprint{}, err
	}
	defer g.kill()
	var f footprint
	progress("gateway idle: settling %s, then sampling RSS", e.opts.settle)
	if f.idle, err = settledRSS(ctx, g.pid(), e.opts.settle); err != nil {
		return f, err
	}
	progress("pairing %d instances through the gateway's API, %d at a time", n, e.opts.parallel)
	if _, err := pairInstances(ctx, e, g.api, token, n); err != nil {
		return f, err
	}
	if err := requireAllConnected(ctx, g.api, token, n); err != nil {
		return f, err
	}
	progress("gateway with %d instances: settling %s, then sampling RSS", n, e.opts.settle)
	if f.loaded, err = settledRSS(ctx, g.pid(), e.opts.settle); err != nil {
		return f, err
	}
	// Still connected after the quiet period: idle instances, not dropped ones, were measured.
	if err := requireAllConnected(ctx, g.api, token, n); err != nil {
		return f, err
	}
	if _, err := g.stop(); err != nil {
		return f, err
	}
	return f, nil
}

// requireAllConnected fails unless the account has exactly n instances, all connected.
func requireAllConnected(ctx context.Context, api *apiClient, token string, n int) error {
	counts, all, err := api.countStates(ctx, token)
	if err != nil {
		return err
	}
	if len(all) != n || counts["connected"] != n {
		return fmt.Errorf("want %d connected instances, the gateway lists %d: %v", n, len(all), counts)
	}
	return nil
}

func measureBaselineMemory(ctx context.Context, e *benchEnv, n int) (footprint, error) {
	var f footprint
	p, err := e.startBaseline("memory", "-child-db", e.path("baseline.db"))
	if err != nil {
		return f, err
	}
	defer p.kill()
	if _, err := p.expect(ctx, "ready"); err != nil {
		return f, err
	}
	progress("baseline idle: settling %s, then sampling RSS", e.opts.settle)
	if f.idle, err = settledRSS(ctx, p.pid(), e.opts.settle); err != nil {
		return f, err
	}
	progress("pairing %d bare whatsmeow clients in the baseline process, %d at a time", n, e.opts.parallel)
	if err := p.send(fmt.Sprintf("go %d %d", n, e.opts.parallel)); err != nil {
		return f, err
	}
	if err := scanChildQRCodes(ctx, e, p, n); err != nil {
		return f, err
	}
	progress("baseline with %d clients: settling %s, then sampling RSS", n, e.opts.settle)
	if f.loaded, err = settledRSS(ctx, p.pid(), e.opts.settle); err != nil {
		return f, err
	}
	return f, p.finish()
}

// scanChildQRCodes scans every QR code the child prints until it says "connected N".
func scanChildQRCodes(ctx context.Context, e *benchEnv, p *baselineProc, n int) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	defer wg.Wait()
	begin, scanned := time.Now(), 0
	for {
		line, err := p.next(ctx)
		if err != nil {
			return err
		}
		if qr, ok := strings.CutPrefix(line, "qr "); ok {
			if scanned++; scanned%100 == 0 {
				progress("scanned %d/%d baseline QR codes (%s)", scanned, n, time.Since(begin).Round(time.Second))
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.sim.ScanQR(ctx, qr, ""); err != nil {
					mu.Lock()
					firstErr = fmt.Errorf("scanning a baseline QR code: %w", err)
					mu.Unlock()
				}
			}()
			continue
		}
		got, _, err := parseConnected(line)
		if err != nil {
			return err
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		if got != n {
			return fmt.Errorf("the baseline connected %d clients, want %d", got, n)
		}
		return nil
	}
}

// memoryGoalBytes is the ceiling per instance: 2 MB.
const memoryGoalBytes = 2_000_000

func memoryResult(e *benchEnv, n int, gw, base footprint) result {
	g, b := gw.perInstance(n), base.perInstance(n)
	r := ratio(g, b)
	res := result{
		title:   fmt.Sprintf("memory: %d paired, connected, idle instances", n),
		columns: []string{"memory", "gateway", "bare whatsmeow", "gateway/bare"},
	}
	res.row("RSS, no instance", mib(float64(gw.idle)), mib(float64(base.idle)), "")
	res.row(fmt.Sprintf("RSS, %d instances", n), mib(float64(gw.loaded)), mib(float64(base.loaded)), "")
	res.row("growth per instance", kib(g), kib(b), times(r))
	res.note("RSS is VmRSS of /proc/PID/status: after %s without work, the smallest of %d samples %s apart; neither process is forced to collect garbage (the gateway has no such hook), so both are measured alike", e.opts.settle, rssSamples, rssEvery)
	res.note("the simulator runs in the benchmark's process, so neither figure includes it")
	res.note("the baseline is a separate process with %d bare whatsmeow clients and their sqlstore in one SQLite file (opened like the gateway's)", n)
	res.check("ratio <= 1.25", r <= 1.25, fmt.Sprintf("ratio %.2f", r))
	res.check("gateway under 2 MB per instance", g < memoryGoalBytes, fmt.Sprintf("%d bytes", int64(math.Round(g))))
	res.fig("scenario", "memory")
	res.fig("instances", n)
	res.fig("gateway_bytes_per_instance", int64(math.Round(g)))
	res.fig("baseline_bytes_per_instance", int64(math.Round(b)))
	res.fig("ratio", round(r, 3))
	res.fig("gateway_rss_idle_bytes", gw.idle)
	res.fig("gateway_rss_loaded_bytes", gw.loaded)
	res.fig("baseline_rss_idle_bytes", base.idle)
	res.fig("baseline_rss_loaded_bytes", base.loaded)
	res.fig("rate_limits_lifted", true)
	return res
}
