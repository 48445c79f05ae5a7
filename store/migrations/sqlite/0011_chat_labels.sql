-- Chat labels, their chats and favorite chats per instance (SQLite). Keep in step with
-- ../postgres/0011_chat_labels.sql. WhatsApp syncs label and favorites changes as app state but
-- keeps no copy a client can read back, so the gateway records what the API wrote and what
-- the phone's patches said. Deleted labels stay, flagged, so that their ids are not reused.
CREATE TABLE chat_labels (
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    color       INTEGER NOT NULL,
    deleted     INTEGER NOT NULL,
    predefined  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, id)
) STRICT;

CREATE TABLE chat_label_links (
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    label_id    TEXT    NOT NULL,
    chat        TEXT    NOT NULL,
    PRIMARY KEY (instance_id, label_id, chat)
) STRICT;

-- position keeps WhatsApp's order of the Favorites list (insertion order).
CREATE TABLE chat_favorites (
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    chat        TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (instance_id, chat)
) STRICT;

-- The poll route reads a poll's votes, stored as messages quoting it.
CREATE INDEX messages_quoted ON messages (instance_id, quoted_id) WHERE quoted_id <> '';
