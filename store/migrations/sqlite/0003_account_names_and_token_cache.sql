-- Account names are unique: the CLI addresses accounts by name (rotate-token, update), so two
-- accounts of one name would make those commands ambiguous. A database created before this
-- version may already hold duplicates; all but the oldest of each name get " #<id>" appended, so
-- the migration cannot fail and no account is lost (the operator can rename them later).
UPDATE accounts SET name = name || ' #' || id
WHERE id NOT IN (SELECT MIN(id) FROM accounts GROUP BY name);

CREATE UNIQUE INDEX accounts_name_key ON accounts (name);

-- SQLite has no cross-process notification: the token cache of another process keeps its TTL
-- (store/tokencache.go). PostgreSQL's 0003 adds the invalidation triggers.
