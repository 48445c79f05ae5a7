package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/redislimit"
)

// clustered says whether the configuration asks for cluster mode.
func (c Config) clustered() bool { return c.ClusterSecret != "" }

// validateCluster refuses a cluster configuration that could not keep one session per device:
// SQLite is one process's database, and nodes that cannot reach each other cannot forward.
func (c Config) validateCluster() []error {
	var errs []error
	sqlite := !strings.HasPrefix(c.DSN, "postgres://") && !strings.HasPrefix(c.DSN, "postgresql://")
	if c.clustered() {
		if sqlite {
			errs = append(errs, errors.New("cluster mode (SWITCHBOARD_CLUSTER_SECRET) needs PostgreSQL: SQLite is a single-process database; set SWITCHBOARD_DB to a postgres:// DSN"))
		}
		if c.RedisURL == "" {
			errs = append(errs, errors.New("cluster mode needs SWITCHBOARD_REDIS_URL, so that the rate limits are one budget across the nodes"))
		}
		if u, err := url.Parse(c.ClusterAddr); c.ClusterAddr == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("cluster mode needs SWITCHBOARD_CLUSTER_ADDR, this node's internal base URL such as http://10.0.0.5:8080 (got %q)", c.ClusterAddr))
		}
		if c.ClusterLease < 3e9 {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_CLUSTER_LEASE must be at least 3s, got %s", c.ClusterLease))
		}
	}
	if (c.Sandbox) && c.clustered() {
		errs = append(errs, errors.New("cluster mode cannot use the embedded simulator (--sandbox): point every node at one standalone simulator with --sandbox-url"))
	}
	return errs
}

// redactURL shows a URL without its password.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// limiter is the rate limiter of the API: in Redis when configured (falling back to memory
// while Redis is away), else in memory.
func (a *App) limiter(ctx context.Context, cfg Config) (switchboard.RateLimiter, error) {
	local := httpapi.NewLocalLimiter(nil)
	if cfg.RedisURL == "" {
		return local, nil
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("SWITCHBOARD_REDIS_URL: %w", err)
	}
	a.redis = redis.NewClient(opts)
	if err := a.redis.Ping(ctx).Err(); err != nil {
		// Not fatal: the limiter falls back to this node's memory until Redis answers.
		a.log.Warn("Redis does not answer at start; rate limits count on this node until it does", "err", err)
	}
	return redislimit.New(a.redis, redislimit.Options{Fallback: local, Logger: a.log.With("component", "ratelimit")}), nil
}

// joinCluster registers this node and wraps the session writes with its lease epochs.
func (a *App) joinCluster(cfg Config) (*cluster.Node, error) {
	return cluster.New(cluster.Options{
		DB:        a.store.DB(),
		NodeID:    cfg.NodeID,
		Address:   strings.TrimRight(cfg.ClusterAddr, "/"),
		Instances: a.store,
		Sessions:  lateSessions{a},
		Logger:    a.log.With("component", "cluster"),
		Lease:     cfg.ClusterLease,
	})
}

// lateSessions hands the node the session manager, which is built after the node (the manager
// writes through the node's fence).
type lateSessions struct{ a *App }

func (l lateSessions) Adopt(ctx context.Context, inst *switchboard.Instance) {
	l.a.sessions.Adopt(ctx, inst)
}
func (l lateSessions) Release(inst *switchboard.Instance) { l.a.sessions.Release(inst) }
func (l lateSessions) Status(inst *switchboard.Instance) switchboard.ConnectionStatus {
	return l.a.sessions.Status(inst)
}
