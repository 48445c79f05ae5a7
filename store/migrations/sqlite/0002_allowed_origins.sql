-- Browser origins each account allows (CORS). One row per account and origin; origins are stored
-- normalised (switchboard.NormalizeOrigin: lower-case scheme://host[:port], no default port).
-- The origin index answers a preflight, which carries no token: "does any account allow it?".

CREATE TABLE account_allowed_origins (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    origin     TEXT    NOT NULL,
    PRIMARY KEY (account_id, origin)
) STRICT;

CREATE INDEX account_allowed_origins_origin_idx ON account_allowed_origins (origin);
