-- Switchboard schema v1 (SQLite). Keep in step with ../postgres/0001_init.sql.
-- STRICT tables reject a value of the wrong type instead of storing it. Booleans are INTEGER 0/1,
-- instants are INTEGER milliseconds since the Unix epoch (UTC), token columns hold the hex SHA-256
-- of a token, never the token. AUTOINCREMENT keeps a deleted instance's id from being reused, so
-- a stale reference (a log line, a late event of a removed session) can never name a new instance.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    max_instances INTEGER NOT NULL DEFAULT 0 CHECK (max_instances >= 0), -- 0: unlimited
    token_hash    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    CONSTRAINT accounts_token_hash_key UNIQUE (token_hash)
) STRICT;

CREATE TABLE instances (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    token_hash     TEXT    NOT NULL,
    device_jid     TEXT    NOT NULL DEFAULT '',
    auto_connect   INTEGER NOT NULL DEFAULT 0 CHECK (auto_connect IN (0, 1)),
    logged_out     INTEGER NOT NULL DEFAULT 0 CHECK (logged_out IN (0, 1)),
    settings       TEXT    NOT NULL DEFAULT '{}', -- JSON of switchboard.Settings
    proxy_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (proxy_enabled IN (0, 1)),
    proxy_protocol TEXT    NOT NULL DEFAULT '',
    proxy_host     TEXT    NOT NULL DEFAULT '',
    proxy_port     TEXT    NOT NULL DEFAULT '',
    proxy_username TEXT    NOT NULL DEFAULT '',
    proxy_password BLOB,                          -- AES-256-GCM sealed, see seal.go
    created_at     INTEGER NOT NULL,
    CONSTRAINT instances_token_hash_key UNIQUE (token_hash),
    CONSTRAINT instances_account_id_name_key UNIQUE (account_id, name) -- also the account_id index
) STRICT;

-- Boot reconnects every auto-connect instance; the partial index keeps that scan small.
CREATE INDEX instances_auto_connect_idx ON instances (id) WHERE auto_connect = 1;

CREATE TABLE idempotency_keys (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    route        TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0, -- 0 while the first request runs
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) STRICT;

CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id          TEXT    PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    result      BLOB,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX jobs_instance_id_idx ON jobs (instance_id);
CREATE INDEX jobs_running_idx ON jobs (id) WHERE status = 'running';
