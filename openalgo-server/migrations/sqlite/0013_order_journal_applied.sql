-- The order journal's side files (`store/sidelog.rs`): the sequence number of the last record
-- moved into order_log and paper_events, written in the same transaction as its rows.
CREATE TABLE IF NOT EXISTS order_journal_applied (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO order_journal_applied (id, seq) VALUES (1, 0);
