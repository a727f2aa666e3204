-- Fewer pages written per group commit: no AUTOINCREMENT bookkeeping (sqlite_sequence) and no
-- secondary index on the paper journal, which is only read whole, once, at startup. The order
-- log gets an index on mode: /analyzer counts the analyzer log (its analyze-mode rows).
CREATE TABLE paper_events_v2 (
    id      INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    body    TEXT NOT NULL
);
INSERT INTO paper_events_v2 (id, account, body) SELECT id, account, body FROM paper_events;
DROP TABLE paper_events;
ALTER TABLE paper_events_v2 RENAME TO paper_events;

CREATE TABLE order_log_v2 (
    id         INTEGER PRIMARY KEY,
    api_type   TEXT    NOT NULL,
    mode       TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    response   TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
INSERT INTO order_log_v2 (id, api_type, mode, request, status, response, created_at)
    SELECT id, api_type, mode, request, status, response, created_at FROM order_log;
DROP TABLE order_log;
ALTER TABLE order_log_v2 RENAME TO order_log;
CREATE INDEX order_log_mode ON order_log (mode);
