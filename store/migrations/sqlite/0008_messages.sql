-- Messages sent and received by instances (SQLite). Keep in step with ../postgres/0008_messages.sql.
-- One row per (instance, WhatsApp message id). content is the text form shown in history;
-- payload is the JSON the API echoes; media holds download keys and paths (never bytes);
-- poll_secret decrypts votes on the instance's own polls. Rows older than
-- SWITCHBOARD_MESSAGE_RETENTION are purged hourly by timestamp.
CREATE TABLE messages (
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    chat        TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    from_me     INTEGER NOT NULL,
    ts          INTEGER NOT NULL, -- Unix milliseconds
    type        TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    payload     BLOB,
    source      TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    media       BLOB,
    poll_secret BLOB,
    quoted_id   TEXT    NOT NULL,
    edited      INTEGER NOT NULL,
    revoked     INTEGER NOT NULL,
    stored_at   INTEGER NOT NULL, -- Unix nanoseconds of the first insert: orders messages of the same second
    PRIMARY KEY (instance_id, id)
) STRICT;

-- history: one chat, newest first.
CREATE INDEX messages_chat_ts ON messages (instance_id, chat, ts DESC, stored_at DESC);
-- retention purge.
CREATE INDEX messages_ts ON messages (ts);
