-- Events outbox and webhooks (SQLite). Keep in step with ../postgres/0007_events.sql.
-- An event is written once, with a per-instance sequence number and a dedupe key, in the same
-- transaction as one delivery row per webhook that should receive it; dispatchers then work
-- only from webhook_deliveries, so nothing decides after the commit whether an event exists.

CREATE TABLE event_sequences (
    instance_id INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    last_seq    INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    id          TEXT    PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    dedupe_key  TEXT    NOT NULL,
    data        BLOB    NOT NULL, -- the event's `data` JSON, sent byte for byte
    occurred_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    CONSTRAINT events_instance_seq_key UNIQUE (instance_id, seq),
    CONSTRAINT events_instance_dedupe_key UNIQUE (instance_id, dedupe_key)
) STRICT;

CREATE INDEX events_created_at_idx ON events (created_at);

CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id     INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    label           TEXT    NOT NULL,
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    url             TEXT    NOT NULL DEFAULT '',
    authorization_sealed BLOB,                         -- AES-256-GCM sealed, see seal.go
    by_events       INTEGER NOT NULL DEFAULT 0 CHECK (by_events IN (0, 1)),
    events          TEXT    NOT NULL DEFAULT '[]', -- JSON array of event types; [] = all
    media_base64    INTEGER NOT NULL DEFAULT 0 CHECK (media_base64 IN (0, 1)),
    secret          BLOB,                          -- the whsec_ signing secret, sealed
    disabled_reason TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT webhooks_instance_label_key UNIQUE (instance_id, label)
) STRICT;

CREATE TABLE webhook_deliveries (
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL, -- the event's, so the ordered lane needs no join
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_latency_ms INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, event_id)
) STRICT;

-- The ordered lane (head = lowest seq) and the retry lane (earliest next_at) of each webhook.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_retrying_idx ON webhook_deliveries (webhook_id, next_at) WHERE status = 'retrying';
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- One WebSocket configuration per instance (RyzeAPI 2.5.3): it only authorises upgrades of
-- /ws/{instance}; frames come live from the outbox.
CREATE TABLE websocket_configs (
    instance_id  INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    events       TEXT    NOT NULL DEFAULT '[]',
    media_base64 INTEGER NOT NULL DEFAULT 0 CHECK (media_base64 IN (0, 1)),
    updated_at   INTEGER NOT NULL
) STRICT;
