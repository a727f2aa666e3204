-- Security (platform §1, §2, §5, §6): bans, web sessions, TOTP, broker tokens, login attempts
-- and the traffic log. Secrets are stored encrypted (Fernet) or as hashes, never in plain text.
CREATE TABLE ip_bans (
    ip            TEXT PRIMARY KEY,
    reason        TEXT    NOT NULL,
    ban_count     INTEGER NOT NULL,
    banned_at_ms  INTEGER NOT NULL,
    expires_at_ms INTEGER,
    created_by    TEXT    NOT NULL
);

-- A web session: the cookie holds a random token, the table only its SHA-256.
CREATE TABLE web_sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);

CREATE TABLE user_totp (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id),
    secret_encrypted TEXT    NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 0,
    -- The last accepted 30-second step: a code is good once.
    last_step        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE broker_tokens (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    broker          TEXT    NOT NULL,
    token_encrypted TEXT    NOT NULL,
    feed_encrypted  TEXT,
    created_at_ms   INTEGER NOT NULL,
    revoked         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, broker)
);

CREATE TABLE login_attempts (
    id             INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    username       TEXT    NOT NULL,
    ip             TEXT,
    user_agent     TEXT,
    status         TEXT    NOT NULL,
    login_type     TEXT    NOT NULL,
    failure_reason TEXT
);

CREATE TABLE traffic_log (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    ip          TEXT,
    method      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    host        TEXT
);
-- No index on at_ms: rows arrive in time order, so retention finds its cut by binary search
-- over the rowid, and every logged request costs one B-tree insert.
