-- Every order request (API key removed) with the answer it got, written before the answer is sent.
CREATE TABLE IF NOT EXISTS order_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    api_type   TEXT    NOT NULL,
    mode       TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    response   TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
