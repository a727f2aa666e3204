-- The Action Center's queue (semi-auto mode): order requests waiting for approval, without the
-- API key, and what became of them.
CREATE TABLE IF NOT EXISTS pending_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL,
    api_type        TEXT    NOT NULL,
    order_data      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    decided_ms      INTEGER,
    decided_by      TEXT,
    rejected_reason TEXT,
    broker_order_id TEXT,
    broker_status   TEXT
);
CREATE INDEX IF NOT EXISTS pending_orders_by_user_status ON pending_orders (user_id, status);
CREATE INDEX IF NOT EXISTS pending_orders_by_created ON pending_orders (created_ms);
