-- The sandbox's own sealing key (SQLite). Keep in step with ../postgres/0005_sandbox_sealing_key.sql.
-- `serve --sandbox` without SWITCHBOARD_SECRET_KEY generates a random key at first start and keeps
-- it here, so proxy passwords work in the sandbox out of the box. Sandbox only: a key stored next
-- to the data it protects protects nothing against whoever can read the database, which is fine
-- for simulated instances and never used for real ones (app.sandboxSealer).
CREATE TABLE sandbox_sealing_key (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), -- one row
    key        BLOB    NOT NULL CHECK (length(key) = 32),
    created_at INTEGER NOT NULL
) STRICT;
