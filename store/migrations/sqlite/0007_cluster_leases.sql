-- Cluster mode runs on PostgreSQL only (SQLite is one process); these tables keep both schemas
-- at the same version and shape. See ../postgres/0010_cluster_leases.sql.

CREATE TABLE cluster_nodes (
    id           TEXT    PRIMARY KEY,
    address      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL DEFAULT 0,
    heartbeat_at INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE instance_leases (
    instance_id INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    node_id     TEXT    NOT NULL,
    epoch       INTEGER NOT NULL CHECK (epoch > 0),
    expires_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT ''
) STRICT;

ALTER TABLE instances ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
