-- The schema SQLite reached with its migrations 0001-0010, in PostgreSQL types: BIGINT ids and
-- times (epoch ms), BOOLEAN flags, BYTEA journal rows, and UTC `TIMESTAMP`s where SQLite keeps
-- `datetime('now')` text (read back in the same `YYYY-MM-DD HH:MM:SS` form).

-- Users and their OpenAlgo API keys (Argon2id hashes, plus a Fernet-encrypted copy).
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT      NOT NULL UNIQUE,
    password_hash TEXT      NOT NULL,
    is_admin      BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL DEFAULT date_trunc('second', timezone('UTC', now()))
);

CREATE TABLE api_keys (
    id                BIGSERIAL PRIMARY KEY,
    user_id           BIGINT    NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    api_key_hash      TEXT      NOT NULL,
    api_key_encrypted TEXT      NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL DEFAULT date_trunc('second', timezone('UTC', now()))
);

-- Server-wide settings as key/value text.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT      NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT date_trunc('second', timezone('UTC', now()))
);

-- Paper accounts: a base snapshot each and the journal of command rows after it.
CREATE TABLE paper_snapshots (
    account    TEXT PRIMARY KEY,
    body       TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT date_trunc('second', timezone('UTC', now()))
);

CREATE TABLE paper_events (
    id      BIGSERIAL PRIMARY KEY,
    account TEXT  NOT NULL,
    body    BYTEA NOT NULL
);
CREATE INDEX paper_events_by_account ON paper_events (account, id);

-- Every order request (API key removed) with its answer.
CREATE TABLE order_log (
    id         BIGSERIAL PRIMARY KEY,
    api_type   TEXT      NOT NULL,
    mode       TEXT      NOT NULL,
    request    TEXT      NOT NULL,
    status     INTEGER   NOT NULL,
    response   TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT date_trunc('second', timezone('UTC', now()))
);
CREATE INDEX order_log_mode ON order_log (mode);
CREATE INDEX order_log_created ON order_log (created_at);

-- First answers of order requests sent with an Idempotency-Key, per user and endpoint.
CREATE TABLE idempotency_keys (
    user_id     BIGINT  NOT NULL,
    endpoint    TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_ms  BIGINT  NOT NULL,
    PRIMARY KEY (user_id, endpoint, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms);

-- Security: bans, web sessions (token hashes), TOTP, broker tokens (encrypted), login attempts
-- and the traffic log.
CREATE TABLE ip_bans (
    ip            TEXT PRIMARY KEY,
    reason        TEXT   NOT NULL,
    ban_count     BIGINT NOT NULL,
    banned_at_ms  BIGINT NOT NULL,
    expires_at_ms BIGINT,
    created_by    TEXT   NOT NULL
);

CREATE TABLE web_sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);

CREATE TABLE user_totp (
    user_id          BIGINT PRIMARY KEY REFERENCES users (id),
    secret_encrypted TEXT    NOT NULL,
    enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    last_step        BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE broker_tokens (
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    broker          TEXT    NOT NULL,
    token_encrypted TEXT    NOT NULL,
    feed_encrypted  TEXT,
    created_at_ms   BIGINT  NOT NULL,
    revoked         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, broker)
);

CREATE TABLE login_attempts (
    id             BIGSERIAL PRIMARY KEY,
    at_ms          BIGINT NOT NULL,
    username       TEXT   NOT NULL,
    ip             TEXT,
    user_agent     TEXT,
    status         TEXT   NOT NULL,
    login_type     TEXT   NOT NULL,
    failure_reason TEXT
);
CREATE INDEX login_attempts_at ON login_attempts (at_ms);

CREATE TABLE traffic_log (
    id          BIGSERIAL PRIMARY KEY,
    at_ms       BIGINT  NOT NULL,
    ip          TEXT,
    method      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    duration_us BIGINT  NOT NULL,
    host        TEXT
);

-- Webhook strategies and the alerts they received.
CREATE TABLE webhook_strategies (
    id         BIGSERIAL PRIMARY KEY,
    webhook_id TEXT   NOT NULL UNIQUE,
    source     TEXT   NOT NULL,
    platform   TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE strategy_alerts (
    id          BIGSERIAL PRIMARY KEY,
    strategy_id BIGINT  NOT NULL,
    at_ms       BIGINT  NOT NULL,
    payload     TEXT    NOT NULL,
    ok          BOOLEAN NOT NULL,
    outcome     TEXT    NOT NULL
);
CREATE INDEX strategy_alerts_by_strategy ON strategy_alerts (strategy_id, id);
