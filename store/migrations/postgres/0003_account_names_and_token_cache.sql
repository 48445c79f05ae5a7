-- Account names are unique: the CLI addresses accounts by name (rotate-token, update), so two
-- accounts of one name would make those commands ambiguous. A database created before this
-- version may already hold duplicates; all but the oldest of each name get " #<id>" appended, so
-- the migration cannot fail and no account is lost (the operator can rename them later).
UPDATE accounts SET name = name || ' #' || id
WHERE id NOT IN (SELECT MIN(id) FROM accounts GROUP BY name);

ALTER TABLE accounts ADD CONSTRAINT accounts_name_key UNIQUE (name);

-- Cross-process token-cache invalidation (store/tokencache_notify.go). Every change or removal of
-- an accounts or instances row, by any process and by any SQL (cascades included), notifies
-- channel switchboard_token_cache with "<schema>.<table>:<id>" when its transaction commits;
-- every Store listening drops that row's cached entry. A trigger rather than a NOTIFY in Go, so
-- no write path can forget it.
CREATE FUNCTION switchboard_token_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchboard_token_cache', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME || ':' || OLD.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER accounts_token_cache_notify AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION switchboard_token_cache_notify();
CREATE TRIGGER instances_token_cache_notify AFTER UPDATE OR DELETE ON instances
    FOR EACH ROW EXECUTE FUNCTION switchboard_token_cache_notify();
