package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store"
)

// setting is one knob of `switchboard serve`, declared once: its flag, its environment variable,
// its default and its meaning. Parse reads every setting the same way (flag over environment over
// default) and LogEffective prints them all, so a new knob is one line in settings and a field in
// Config, and cannot get a default, a zero meaning or a boolean syntax of its own.
type setting struct {
	flag  string
	env   string
	def   string
	usage string
	// show renders the value for the start-up log; nil prints it as is. Secrets are masked.
	show func(string) string
	// field points at the Config field the setting fills: *string, *bool, *int (non-negative),
	// *time.Duration (non-negative; "0" allowed) or *[]string (comma-separated).
	field func(*Config) any
}

// settings is every knob of `switchboard serve`. Zero means zero: "0" turns a duration or a
// pacing off where the usage says so, and nothing silently replaces it with a default.
var settings = []setting{
	{flag: "addr", env: "SWITCHBOARD_ADDR", def: ":8080", usage: "listen address",
		field: func(c *Config) any { return &c.Addr }},
	{flag: "db", env: "SWITCHBOARD_DB", def: DefaultDSN, usage: "database: sqlite:PATH or postgres://...",
		show: store.RedactDSN, field: func(c *Config) any { return &c.DSN }},
	{flag: "sandbox", env: "SWITCHBOARD_SANDBOX", def: "false", usage: "run an embedded simulated WhatsApp; no phone, no real number",
		field: func(c *Config) any { return &c.Sandbox }},
	{flag: "sandbox-url", env: "SWITCHBOARD_SANDBOX_URL", usage: "connect instances to a standalone simulator (switchboard wasim) at this URL",
		field: func(c *Config) any { return &c.SandboxURL }},
	{flag: "sandbox-token", env: "SWITCHBOARD_WASIM_TOKEN", usage: "the standalone simulator's control secret (its --control-token), required with --sandbox-url",
		show: maskSecret, field: func(c *Config) any { return &c.SandboxToken }},
	{flag: "allow-mode-change", env: store.AllowModeChangeEnv, def: "false", usage: "start a database recorded in the other mode (live or sandbox) and record this one",
		field: func(c *Config) any { return &c.AllowModeChange }},
	{flag: "log-level", env: "SWITCHBOARD_LOG_LEVEL", def: "info", usage: "log level: debug, info, warn or error",
		field: func(c *Config) any { return &c.LogLevel }},
	{flag: "rate-limit", env: "SWITCHBOARD_RATE_LIMIT", def: "100", usage: "requests per minute per token (RyzeAPI's Global bucket; at least 1)",
		field: func(c *Config) any { return &c.RateLimit }},
	{flag: "rate-limit-create", env: "SWITCHBOARD_RATE_LIMIT_CREATE", def: "20", usage: "POST /api/instance/new per minute per token, on top of the Global bucket (at least 1)",
		field: func(c *Config) any { return &c.CreateRateLimit }},
	{flag: "link-interval", env: "SWITCHBOARD_LINK_INTERVAL", def: "1s", usage: "least time between two community link/unlink writes of one instance; 0 turns pacing off",
		field: func(c *Config) any { return &c.LinkInterval }},
	{flag: "send-interval", env: "SWITCHBOARD_SEND_INTERVAL", def: "500ms", usage: "least time between two message sends of one instance (burst protection); 0 turns spacing off",
		field: func(c *Config) any { return &c.SendInterval }},
	{flag: "message-retention", env: "SWITCHBOARD_MESSAGE_RETENTION", def: "720h", usage: "how long sent and received messages stay in the message store before the hourly purge; 0 keeps them",
		field: func(c *Config) any { return &c.MessageRetention }},
	{flag: "media-max", env: "SWITCHBOARD_MEDIA_MAX", def: "67108864", usage: "largest image, video, audio or sticker a send accepts, in bytes (documents: the larger of this and 100 MiB)",
		field: func(c *Config) any { return &c.MediaMax }},
	{flag: "boot-concurrency", env: "SWITCHBOARD_BOOT_CONCURRENCY", def: "8", usage: "saved sessions reconnected at once at start (at least 1)",
		field: func(c *Config) any { return &c.BootConcurrency }},
	{flag: "boot-jitter", env: "SWITCHBOARD_BOOT_JITTER", def: "0", usage: "upper bound of the random pause before each reconnect at start; 0 for none",
		field: func(c *Config) any { return &c.BootJitter }},
	{flag: "token-cache-ttl", env: "SWITCHBOARD_TOKEN_CACHE_TTL", def: "2s", usage: "how long a token lookup may be answered from memory; 0 turns the cache off",
		field: func(c *Config) any { return &c.TokenCacheTTL }},
	{flag: "secret-key-previous", env: "SWITCHBOARD_SECRET_KEY_PREVIOUS", usage: "comma-separated retired sealing keys that still open what they sealed, while values are re-sealed under the new key",
		show: maskSecret, field: func(c *Config) any { return &c.SecretKeyPrevious }},
	{flag: "allow-private-proxies", env: "SWITCHBOARD_ALLOW_PRIVATE_PROXIES", def: "false", usage: "let instance proxies be on loopback and private addresses (off: SSRF guard)",
		field: func(c *Config) any { return &c.AllowPrivateProxies }},
	{flag: "rate-limit-public", env: "SWITCHBOARD_RATE_LIMIT_PUBLIC", def: "600", usage: "unauthenticated requests per minute per client address (/health, /openapi.json, preflights, 404s; at least 1)",
		field: func(c *Config) any { return &c.PublicRateLimit }},
	{flag: "trusted-proxies", env: "SWITCHBOARD_TRUSTED_PROXIES", usage: "comma-separated CIDRs (or addresses) of reverse proxies whose X-Forwarded-For names the client",
		field: func(c *Config) any { return &c.TrustedProxies }},
	{flag: "job-retention", env: "SWITCHBOARD_JOB_RETENTION", def: "168h", usage: "how long finished async jobs stay readable before the hourly purge deletes them; 0 keeps them",
		field: func(c *Config) any { return &c.JobRetention }},
	{flag: "allow-private-image-urls", env: "SWITCHBOARD_ALLOW_PRIVATE_IMAGE_URLS", def: "false", usage: "let image URLs point at loopback and private addresses (off: SSRF guard)",
		field: func(c *Config) any { return &c.AllowPrivateImageURLs }},
	{flag: "redis-url", env: "SWITCHBOARD_REDIS_URL", usage: "Redis for rate limits shared by every node (redis://[:password@]host:port/db); required in cluster mode",
		show: redactURL, field: func(c *Config) any { return &c.RedisURL }},
	{flag: "cluster-secret", env: "SWITCHBOARD_CLUSTER_SECRET", usage: "turns cluster mode on: the secret nodes authenticate forwarded requests with (same on every node; needs PostgreSQL, --redis-url and --cluster-addr)",
		show: maskSecret, field: func(c *Config) any { return &c.ClusterSecret }},
	{flag: "cluster-addr", env: "SWITCHBOARD_CLUSTER_ADDR", usage: "this node's internal base URL that other nodes forward requests to, e.g. http://10.0.0.5:8080",
		field: func(c *Config) any { return &c.ClusterAddr }},
	{flag: "node-id", env: "SWITCHBOARD_NODE_ID", usage: "this node's name in the cluster (default: random at each start)",
		field: func(c *Config) any { return &c.NodeID }},
	{flag: "cluster-lease", env: "SWITCHBOARD_CLUSTER_LEASE", def: "15s", usage: "how long a node's hold on an instance lasts unrenewed; renewed every 1/5, sessions stopped after 2/3 without renewal, taken over after 4/3",
		field: func(c *Config) any { return &c.ClusterLease }},
	{flag: "allow-private-webhook-urls", env: "SWITCHBOARD_ALLOW_PRIVATE_WEBHOOK_URLS", def: "false", usage: "let webhook URLs point at loopback and private addresses (development; off: SSRF guard)",
		field: func(c *Config) any { return &c.AllowPrivateWebhookURLs }},
	{flag: "webhook-retry-schedule", env: "SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE", def: "0s,5s,5m,30m,2h,5h,10h,14h,20h,24h", usage: "comma-separated delays before each webhook delivery attempt (±20% jitter); after the last the event is dead",
		field: func(c *Config) any { return &c.WebhookRetrySchedule }},
	{flag: "event-retention", env: "SWITCHBOARD_EVENT_RETENTION", def: "168h", usage: "how long events are kept once no webhook waits for them (and ?since= can replay); 0 keeps them",
		field: func(c *Config) any { return &c.EventRetention }},
	{flag: "event-media-max", env: "SWITCHBOARD_EVENT_MEDIA_MAX", def: "8388608", usage: "largest attachment sent inline as media.base64 to webhooks with mediaBase64 on, in bytes; larger ones carry only media.url",
		field: func(c *Config) any { return &c.EventMediaMax }},
	{flag: "events-nats-url", env: "SWITCHBOARD_EVENTS_NATS_URL", usage: "publish every event to NATS JetStream at this URL (nats://[user:pass@]host:4222), subject switchboard.<instance>.<event>; empty: off",
		show: redactURLs, field: func(c *Config) any { return &c.EventsNATSURL }},
	{flag: "events-nats-stream", env: "SWITCHBOARD_EVENTS_NATS_STREAM", def: "SWITCHBOARD_EVENTS", usage: "the JetStream stream of the NATS sink, created (subjects switchboard.>, file storage, 7 days) when missing",
		field: func(c *Config) any { return &c.EventsNATSStream }},
	{flag: "events-amqp-url", env: "SWITCHBOARD_EVENTS_AMQP_URL", usage: "publish every event to RabbitMQ at this URL (amqp://user:pass@host:5672/vhost), routing key switchboard.<instance>.<event>; empty: off",
		show: redactURLs, field: func(c *Config) any { return &c.EventsAMQPURL }},
	{flag: "events-amqp-exchange", env: "SWITCHBOARD_EVENTS_AMQP_EXCHANGE", def: "switchboard.events", usage: "the durable topic exchange of the RabbitMQ sink, declared at connect",
		field: func(c *Config) any { return &c.EventsAMQPExchange }},
	{flag: "allow-private-s3-endpoints", env: "SWITCHBOARD_ALLOW_PRIVATE_S3_ENDPOINTS", def: "false", usage: "let instances' S3 endpoints be on loopback and private addresses (development, a local MinIO; off: SSRF guard)",
		field: func(c *Config) any { return &c.AllowPrivateS3Endpoints }},
	{flag: "base-url", env: "SWITCHBOARD_BASE_URL", usage: "the gateway's public URL, sent as instanceData.baseUrl in events",
		field: func(c *Config) any { return &c.BaseURL }},
	{flag: "metrics-addr", env: "SWITCHBOARD_METRICS_ADDR", usage: "serve Prometheus metrics at /metrics on this separate address (e.g. 127.0.0.1:9090); empty turns them off",
		field: func(c *Config) any { return &c.MetricsAddr }},
	{flag: "shutdown-timeout", env: "SWITCHBOARD_SHUTDOWN_TIMEOUT", def: "25s", usage: "on SIGTERM, how long in-flight requests and async link batches may finish before they are cut; a second signal exits at once",
		field: func(c *Config) any { return &c.ShutdownTimeout }},
	{flag: "secret-key", env: "SWITCHBOARD_SECRET_KEY", usage: "32 random bytes, base64 or hex, sealing proxy passwords at rest (openssl rand -base64 32); prefer the environment to the flag",
		show: maskSecret, field: func(c *Config) any { return &c.SecretKey }},
}

// DefaultDSN is the database when none is given: a SQLite file in the working directory.
const DefaultDSN = "sqlite:switchboard.db"

// Defaults is the configuration with every setting at its declared default.
func Defaults() Config {
	var c Config
	for _, s := range settings {
		if err := s.set(&c, s.def); err != nil {
			panic(fmt.Sprintf("app: default of %s: %v", s.env, err)) // a typo in the table above
		}
	}
	return c
}

// Parse reads the settings of `switchboard serve`: each flag in args wins over its environment
// variable (looked up with getenv), which wins over the default. A malformed value is an error
// that names the variable or flag, never a silent default. --help prints every setting to
// output and returns flag.ErrHelp.
func Parse(name string, args []string, getenv func(string) (string, bool), output io.Writer) (Config, error) {
	cfg := Defaults()
	var errs []error
	for _, s := range settings {
		if v, ok := getenv(s.env); ok && v != "" {
			if err := s.set(&cfg, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", s.env, v, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	for _, s := range settings {
		fs.Var(&settingFlag{s: s, cfg: &cfg}, s.flag, s.help())
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	return cfg, cfg.validate()
}

// validate refuses values that parse but mean nothing.
func (c Config) validate() error {
	var errs []error
	for _, n := range []struct {
		env string
		v   int
	}{{"SWITCHBOARD_RATE_LIMIT", c.RateLimit}, {"SWITCHBOARD_RATE_LIMIT_PUBLIC", c.PublicRateLimit}, {"SWITCHBOARD_RATE_LIMIT_CREATE", c.CreateRateLimit}, {"SWITCHBOARD_BOOT_CONCURRENCY", c.BootConcurrency}} {
		if n.v < 1 {
			errs = append(errs, fmt.Errorf("%s must be at least 1, got %d", n.env, n.v))
		}
	}
	if _, err := c.slogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.SandboxURL != "" && c.SandboxToken == "" {
		errs = append(errs, errors.New("--sandbox-url needs the simulator's control secret: --sandbox-token or SWITCHBOARD_WASIM_TOKEN"))
	}
	errs = append(errs, c.validateCluster()...)
	return errors.Join(errs...)
}

// LogEffective logs the configuration the process runs with, one attribute per setting under its
// environment name, secrets masked, so an operator sees what a flag or variable really did.
func (c Config) LogEffective(log *slog.Logger) {
	attrs := make([]any, 0, len(settings))
	for _, s := range settings {
		v := s.get(&c)
		if s.show != nil {
			v = s.show(v)
		}
		attrs = append(attrs, slog.String(s.env, v))
	}
	log.Info("effective configuration", attrs...)
}

// NewLogger is the process logger at the configured level: JSON lines on w.
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	level, err := c.slogLevel()
	if err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func (c Config) slogLevel() (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo, fmt.Errorf("SWITCHBOARD_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	return level, nil
}

// help is the flag's usage; package flag appends the default.
func (s setting) help() string { return s.usage + " (env " + s.env + ")" }

// set parses v into the setting's field.
func (s setting) set(c *Config, v string) error {
	switch p := s.field(c).(type) {
	case *string:
		*p = v
	case *bool:
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return errors.New("want a non-negative integer")
		}
		*p = n
	case *time.Duration:
		v = strings.TrimSpace(v)
		if v == "0" {
			*p = 0
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("want a Go duration such as 1s or 500ms, or 0")
		}
		*p = d
	case *[]string:
		*p = splitList(v)
	case *[]time.Duration:
		schedule, err := outbox.ParseSchedule(v)
		if err != nil {
			return err
		}
		*p = schedule
	case *[]netip.Prefix:
		prefixes, err := parsePrefixes(v)
		if err != nil {
			return err
		}
		*p = prefixes
	default:
		panic(fmt.Sprintf("app: setting %s has an unsupported field type %T", s.env, p))
	}
	return nil
}

// get renders the setting's current value in the syntax set accepts.
func (s setting) get(c *Config) string {
	switch p := s.field(c).(type) {
	case *string:
		return *p
	case *bool:
		return strconv.FormatBool(*p)
	case *int:
		return strconv.Itoa(*p)
	case *time.Duration:
		return p.String()
	case *[]string:
		return strings.Join(*p, ",")
	case *[]time.Duration:
		parts := make([]string, len(*p))
		for i, d := range *p {
			parts[i] = d.String()
		}
		return strings.Join(parts, ",")
	case *[]netip.Prefix:
		parts := make([]string, len(*p))
		for i, prefix := range *p {
			parts[i] = prefix.String()
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// parseBool accepts what people write in environment files, in any case: 1/0, true/false,
// yes/no, on/off. Anything else is an error rather than a silent false.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "t", "y":
		return true, nil
	case "0", "false", "no", "off", "f", "n", "":
		return false, nil
	}
	return false, errors.New("want true or false (1/0, yes/no, on/off)")
}

func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parsePrefixes reads comma-separated CIDRs, a bare address meaning just that address. A typo
// fails loudly: a mistyped trusted proxy would silently key every client by the proxy's address.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, field := range splitList(v) {
		prefix, err := netip.ParsePrefix(field)
		if err != nil {
			addr, addrErr := netip.ParseAddr(field)
			if addrErr != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an IP address", field)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, prefix.Masked())
	}
	return out, nil
}

// redactURLs is redactURL for each of comma-separated URLs (a NATS cluster's seed list).
func redactURLs(v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// maskSecret shows whether a secret is set, never what it is.
func maskSecret(v string) string {
	if v == "" {
		return ""
	}
	return "***"
}

// settingFlag adapts a setting to package flag, so that every setting is also a flag and
// `serve --help` lists them all with their variables and defaults.
type settingFlag struct {
	s   setting
	cfg *Config
}

func (f *settingFlag) String() string {
	if f.cfg == nil {
		return ""
	}
	v := f.s.get(f.cfg)
	if f.s.show != nil {
		v = f.s.show(v)
	}
	return v
}

func (f *settingFlag) Set(v string) error { return f.s.set(f.cfg, v) }

// IsBoolFlag lets a boolean setting be given as a bare --flag.
func (f *settingFlag) IsBoolFlag() bool {
	_, ok := f.s.field(&Config{}).(*bool)
	return ok
}
