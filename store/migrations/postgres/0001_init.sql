-- Switchboard schema v1 (PostgreSQL). Keep in step with ../sqlite/0001_init.sql.
-- Instants are BIGINT milliseconds since the Unix epoch (UTC), as on SQLite, so both engines run
-- the same queries. Token columns hold the hex SHA-256 of a token, never the token. Identity
-- columns never reuse a deleted row's id.

CREATE TABLE accounts (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT    NOT NULL,
    max_instances INTEGER NOT NULL DEFAULT 0 CHECK (max_instances >= 0), -- 0: unlimited
    token_hash    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    CONSTRAINT accounts_token_hash_key UNIQUE (token_hash)
);

CREATE TABLE instances (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    token_hash     TEXT    NOT NULL,
    device_jid     TEXT    NOT NULL DEFAULT '',
    auto_connect   BOOLEAN NOT NULL DEFAULT FALSE,
    logged_out     BOOLEAN NOT NULL DEFAULT FALSE,
    settings       TEXT    NOT NULL DEFAULT '{}', -- JSON of switchboard.Settings
    proxy_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    proxy_protocol TEXT    NOT NULL DEFAULT '',
    proxy_host     TEXT    NOT NULL DEFAULT '',
    proxy_port     TEXT    NOT NULL DEFAULT '',
    proxy_username TEXT    NOT NULL DEFAULT '',
    proxy_password BYTEA,                         -- AES-256-GCM sealed, see seal.go
    created_at     BIGINT  NOT NULL,
    CONSTRAINT instances_token_hash_key UNIQUE (token_hash),
    CONSTRAINT instances_account_id_name_key UNIQUE (account_id, name) -- also the account_id index
);

-- Boot reconnects every auto-connect instance; the partial index keeps that scan small.
CREATE INDEX instances_auto_connect_idx ON instances (id) WHERE auto_connect;

CREATE TABLE idempotency_keys (
    account_id   BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    route        TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0, -- 0 while the first request runs
    body         BYTEA,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id          TEXT    PRIMARY KEY,
    instance_id BIGINT  NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    result      BYTEA,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE INDEX jobs_instance_id_idx ON jobs (instance_id);
CREATE INDEX jobs_running_idx ON jobs (id) WHERE status = 'running';
