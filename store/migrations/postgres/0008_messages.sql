-- Messages sent and received by instances (PostgreSQL). Keep in step with ../sqlite/0008_messages.sql.
-- One row per (instance, WhatsApp message id). content is the text form shown in history;
-- payload is the JSON the API echoes; media holds download keys and paths (never bytes);
-- poll_secret decrypts votes on the instance's own polls. Rows older than
-- SWITCHBOARD_MESSAGE_RETENTION are purged hourly by timestamp.
CREATE TABLE messages (
    instance_id BIGINT   NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT     NOT NULL,
    chat        TEXT     NOT NULL,
    sender      TEXT     NOT NULL,
    from_me     BOOLEAN  NOT NULL,
    ts          BIGINT   NOT NULL, -- Unix milliseconds
    type        TEXT     NOT NULL,
    content     TEXT     NOT NULL,
    payload     BYTEA,
    source      TEXT     NOT NULL,
    status      SMALLINT NOT NULL,
    media       BYTEA,
    poll_secret BYTEA,
    quoted_id   TEXT     NOT NULL,
    edited      BOOLEAN  NOT NULL,
    revoked     BOOLEAN  NOT NULL,
    stored_at   BIGINT   NOT NULL, -- Unix nanoseconds of the first insert: orders messages of the same second
    PRIMARY KEY (instance_id, id)
);

-- history: one chat, newest first.
CREATE INDEX messages_chat_ts ON messages (instance_id, chat, ts DESC, stored_at DESC);
-- retention purge.
CREATE INDEX messages_ts ON messages (ts);
