package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// pairedInstance is an instance of the gateway linked to a simulated phone.
type pairedInstance struct {
	name   string
	token  string    // the instance's own token
	device types.JID // the linked device, e.g. 10000000001:1@s.whatsapp.net
}

// instanceName numbers the benchmark's instances so that they sort in creation order.
func instanceName(i int) string { return fmt.Sprintf("bench-%05d", i+1) }

// pairInstances creates n instances and pairs each with a new simulated phone, as a user would:
// POST /api/instance/new, GET /api/instance/connect for the QR code, the phone scans it (here
// the in-process simulator, since a gateway on --sandbox-url has no /sandbox routes), then the
// instance's state is polled until it is connected. parallel pairings run at once.
func pairInstances(ctx context.Context, e *benchEnv, api *apiClient, accountToken string, n int) ([]pairedInstance, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]pairedInstance, n)
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	begin := time.Now()
	for range min(e.opts.parallel, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p, err := pairOne(ctx, e, api, accountToken, instanceName(i))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				out[i] = p
				done++
				if done%100 == 0 || done == n {
					progress("paired %d/%d instances (%s)", done, n, time.Since(begin).Round(time.Second))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, ctx.Err()
}

func pairOne(ctx context.Context, e *benchEnv, api *apiClient, accountToken, name string) (pairedInstance, error) {
	token, err := api.createInstance(ctx, accountToken, name)
	if err != nil {
		return pairedInstance{}, err
	}
	qr, err := api.connectQR(ctx, accountToken, name)
	if err != nil {
		return pairedInstance{}, err
	}
	device, err := e.sim.ScanQR(ctx, qr, "")
	if err != nil {
		return pairedInstance{}, fmt.Errorf("scan the QR code of %s: %w", name, err)
	}
	if err := api.waitState(ctx, accountToken, name, "connected", time.Minute); err != nil {
		return pairedInstance{}, err
	}
	return pairedInstance{name: name, token: token, device: device}, nil
}
