-- The history of delivery attempts (PostgreSQL). Keep in step with ../sqlite/0012_webhook_attempts.sql.
-- webhook_deliveries keeps only the latest attempt's outcome; this table keeps each attempt (when,
-- the receiver's status code, the error, how long it took, what the dispatcher decided), so the
-- delivery log can show why an event was retried. Bounded: RecordAttempt keeps the newest
-- store.AttemptHistory rows of each delivery, and the rows go with their delivery (an event
-- purged after the retention, a webhook or instance deleted).
CREATE TABLE webhook_attempts (
    id          BIGSERIAL PRIMARY KEY,
    webhook_id  BIGINT  NOT NULL,
    event_id    TEXT    NOT NULL,
    at          BIGINT  NOT NULL, -- when the attempt ended (unix ms)
    status_code INTEGER NOT NULL, -- 0 when no answer came
    error       TEXT    NOT NULL DEFAULT '',
    latency_ms  BIGINT  NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('pending', 'retrying', 'delivered', 'dead')),
    FOREIGN KEY (webhook_id, event_id) REFERENCES webhook_deliveries (webhook_id, event_id) ON DELETE CASCADE
);

CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (event_id, webhook_id, id);
