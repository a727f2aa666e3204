-- Paper-trading accounts: a base snapshot per account and the journal of events after it.
CREATE TABLE IF NOT EXISTS paper_snapshots (
    account    TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS paper_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    body    TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS paper_events_by_account ON paper_events (account, id);
