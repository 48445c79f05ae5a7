-- Browser origins each account allows (CORS). Keep in step with ../sqlite/0002_allowed_origins.sql.

CREATE TABLE account_allowed_origins (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    origin     TEXT   NOT NULL,
    PRIMARY KEY (account_id, origin)
);

CREATE INDEX account_allowed_origins_origin_idx ON account_allowed_origins (origin);
