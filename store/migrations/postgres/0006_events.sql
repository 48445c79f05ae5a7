-- Events outbox and webhooks (PostgreSQL). Keep in step with ../sqlite/0007_events.sql.
-- An event is written once, with a per-instance sequence number and a dedupe key, in the same
-- transaction as one delivery row per webhook that should receive it; dispatchers then work
-- only from webhook_deliveries, so nothing decides after the commit whether an event exists.

CREATE TABLE event_sequences (
    instance_id BIGINT  PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    last_seq    BIGINT  NOT NULL
);

CREATE TABLE events (
    id          TEXT    PRIMARY KEY,
    instance_id BIGINT  NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    seq         BIGINT  NOT NULL,
    type        TEXT    NOT NULL,
    dedupe_key  TEXT    NOT NULL,
    data        BYTEA   NOT NULL, -- the event's `data` JSON, sent byte for byte
    occurred_at BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT events_instance_seq_key UNIQUE (instance_id, seq),
    CONSTRAINT events_instance_dedupe_key UNIQUE (instance_id, dedupe_key)
);

CREATE INDEX events_created_at_idx ON events (created_at);

CREATE TABLE webhooks (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id     BIGINT  NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    label           TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL,
    url             TEXT    NOT NULL DEFAULT '',
    authorization_sealed BYTEA,                         -- AES-256-GCM sealed, see seal.go
    by_events       BOOLEAN NOT NULL DEFAULT FALSE,
    events          TEXT    NOT NULL DEFAULT '[]', -- JSON array of event types; [] = all
    media_base64    BOOLEAN NOT NULL DEFAULT FALSE,
    secret          BYTEA,                          -- the whsec_ signing secret, sealed
    disabled_reason TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT webhooks_instance_label_key UNIQUE (instance_id, label)
);

CREATE TABLE webhook_deliveries (
    webhook_id      BIGINT  NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    seq             BIGINT  NOT NULL, -- the event's, so the ordered lane needs no join
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_latency_ms BIGINT  NOT NULL DEFAULT 0,
    last_attempt_at BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (webhook_id, event_id)
);

-- The ordered lane (head = lowest seq) and the retry lane (earliest next_at) of each webhook.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_retrying_idx ON webhook_deliveries (webhook_id, next_at) WHERE status = 'retrying';
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- One WebSocket configuration per instance (RyzeAPI 2.5.3): it only authorises upgrades of
-- /ws/{instance}; frames come live from the outbox.
CREATE TABLE websocket_configs (
    instance_id  BIGINT  PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    enabled      BOOLEAN NOT NULL,
    events       TEXT    NOT NULL DEFAULT '[]',
    media_base64 BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT  NOT NULL
);
