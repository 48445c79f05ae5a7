package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/wasim"
)

// sandbox returns what serves the /sandbox routes: the embedded simulator, or the standalone
// one's control API with --sandbox-url; nil outside sandbox mode, which leaves the routes out.
func (a *App) sandbox(cfg Config) httpapi.Sandbox {
	switch {
	case a.sim != nil:
		return newSimSandbox(a.sim)
	case cfg.SandboxURL != "":
		return newRemoteSandbox(cfg.SandboxURL, cfg.SandboxToken)
	}
	return nil
}

// openSandbox decides where instances connect. Outside sandbox mode it returns nil: whatsmeow
// dials WhatsApp and trusts only WhatsApp's real certificate root, which this process never
// replaces. In sandbox mode the simulator's root becomes whatsmeow's trust root, process-wide,
// and the returned client carries every websocket to the simulator.
func (a *App) openSandbox(ctx context.Context, cfg Config) (*http.Client, error) {
	switch {
	case cfg.SandboxURL != "":
		u, err := url.Parse(cfg.SandboxURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("--sandbox-url %q: want http://HOST:PORT", cfg.SandboxURL)
		}
		root, err := wasim.FetchRootKey(ctx, cfg.SandboxURL)
		if err != nil {
			return nil, err
		}
		if cfg.SandboxRoot == nil {
			wasim.InstallTrustRoot(root)
		} else if root != *cfg.SandboxRoot.Pub {
			return nil, fmt.Errorf("the simulator at %s has another root than the one installed", cfg.SandboxURL)
		}
		a.log.Info("sandbox: instances connect to a standalone simulator", "url", cfg.SandboxURL)
		return wasim.HTTPClientFor(u.Host), nil
	case cfg.Sandbox:
		sim, err := wasim.New(wasim.Config{
			Logger:          a.log.With("component", "wasim"),
			RootKey:         cfg.SandboxRoot,
			DB:              a.store.DB(),
			Dialect:         a.store.Dialect(),
			MaxSubGroups:    cfg.SandboxMaxSubGroups,
			NoLinkBootstrap: cfg.SandboxNoLinkBootstrap,
		})
		if err != nil {
			return nil, fmt.Errorf("start the simulator: %w", err)
		}
		a.sim = sim
		// The embedded simulator listens on loopback only, for this process's whatsmeow clients.
		// It mounts no control API (Config.ControlToken is empty): the /sandbox routes drive it
		// in-process, with each account's tenancy, so its port is not worth logging.
		if err := sim.Listen("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start the simulator: %w", err)
		}
		if cfg.SandboxRoot == nil {
			wasim.InstallTrustRoot(sim.RootPublicKey())
		}
		a.log.Info("sandbox: instances connect to the embedded simulator")
		return sim.HTTPClient(), nil
	}
	return nil, nil
}
