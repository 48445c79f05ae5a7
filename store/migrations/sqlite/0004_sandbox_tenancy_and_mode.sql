-- Sandbox tenancy and the database's mode (SQLite). Keep in step with ../postgres/0004_*.sql.

-- switchboard_settings holds facts about the database itself, one value per name: "mode" is "sandbox" or
-- "live", recorded at first start (store/mode.go) so a sandbox start cannot log out real devices.
CREATE TABLE switchboard_settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- sandbox_phones: each simulated phone belongs to the account that created or paired it; the
-- /sandbox routes answer 404 for anyone else's (httpapi/sandbox_tenancy.go).
CREATE TABLE sandbox_phones (
    phone      TEXT    NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sandbox_phones_account_id_idx ON sandbox_phones (account_id);
