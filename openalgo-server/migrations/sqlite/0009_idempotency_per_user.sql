-- Idempotency keys are scoped per user and endpoint, carry the request's fingerprint and
-- expire after 24 hours. Answers stored under the old global keys are dropped.
DROP TABLE IF EXISTS idempotency;
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id     INTEGER NOT NULL,
    endpoint    TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (user_id, endpoint, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_ms);
