-- Broker sinks' cursors and per-instance S3 media storage (SQLite). Keep in step with
-- ../postgres/0010_event_sinks_and_s3.sql.

-- How far each server-wide broker sink (nats, amqp) has published each instance's events:
-- everything with seq <= last_seq was confirmed by the broker. A restart resumes after it, and
-- the retention purge keeps the events a configured sink has not published yet.
CREATE TABLE event_sink_cursors (
    sink        TEXT    NOT NULL,
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    last_seq    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sink, instance_id)
) STRICT;

-- RyzeAPI 2.1.11: one S3 (or S3-compatible) bucket per instance for incoming media. Disabling
-- deletes the row, credentials included.
CREATE TABLE instance_s3 (
    instance_id   INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    region        TEXT    NOT NULL DEFAULT '',
    bucket        TEXT    NOT NULL,
    access_key    TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL, -- AES-256-GCM sealed, see seal.go; never returned
    endpoint      TEXT    NOT NULL DEFAULT '',
    path_prefix   TEXT    NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL
) STRICT;
