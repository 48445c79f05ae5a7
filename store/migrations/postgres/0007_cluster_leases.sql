-- Cluster mode: the nodes sharing this database, and one lease per instance whose WhatsApp
-- session a node runs. Lease times come from the database's clock (now()), never a node's.

CREATE TABLE cluster_nodes (
    id           TEXT        PRIMARY KEY,
    address      TEXT        NOT NULL, -- internal base URL other nodes forward requests to
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE instance_leases (
    instance_id BIGINT      PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    node_id     TEXT        NOT NULL,
    epoch       BIGINT      NOT NULL CHECK (epoch > 0), -- the fencing token: raised by every takeover
    expires_at  TIMESTAMPTZ NOT NULL,
    status      TEXT        NOT NULL DEFAULT '' -- the owner's live view (JSON), for the other nodes' lists
);

CREATE INDEX instance_leases_node_idx ON instance_leases (node_id);

-- Fencing in the database itself: a lease never goes back to an older epoch, and it changes
-- hands only with a higher one, whatever statement a stale node sends.
CREATE FUNCTION instance_leases_fence() RETURNS trigger AS $$
BEGIN
    IF NEW.epoch < OLD.epoch OR (NEW.node_id <> OLD.node_id AND NEW.epoch <= OLD.epoch) THEN
        RAISE EXCEPTION 'stale lease epoch % for instance % (current epoch %)', NEW.epoch, OLD.instance_id, OLD.epoch
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER instance_leases_fence BEFORE UPDATE ON instance_leases
    FOR EACH ROW EXECUTE FUNCTION instance_leases_fence();

-- Session writes carry the writer's epoch: an instance's device columns change only when the
-- epoch written matches its lease (or the instance has no lease: a single node, or a pairing
-- before any node claimed it). A node that lost its lease and still writes is refused.
ALTER TABLE instances ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION instances_session_fence() RETURNS trigger AS $$
DECLARE
    current BIGINT;
BEGIN
    IF NEW.session_epoch = 0 THEN
        RETURN NEW; -- not a fenced write (single node)
    END IF;
    SELECT epoch INTO current FROM instance_leases WHERE instance_id = NEW.id;
    IF current IS NOT NULL AND current <> NEW.session_epoch THEN
        RAISE EXCEPTION 'session write with epoch % for instance % refused: its lease is at epoch %', NEW.session_epoch, NEW.id, current
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER instances_session_fence BEFORE UPDATE OF session_epoch ON instances
    FOR EACH ROW EXECUTE FUNCTION instances_session_fence();
