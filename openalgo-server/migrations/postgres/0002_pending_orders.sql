-- The Action Center's queue (semi-auto mode): order requests waiting for approval, without the
-- API key, and what became of them (as SQLite's 0011).
CREATE TABLE pending_orders (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL,
    api_type        TEXT   NOT NULL,
    order_data      TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    created_ms      BIGINT NOT NULL,
    decided_ms      BIGINT,
    decided_by      TEXT,
    rejected_reason TEXT,
    broker_order_id TEXT,
    broker_status   TEXT
);
CREATE INDEX pending_orders_by_user_status ON pending_orders (user_id, status);
CREATE INDEX pending_orders_by_created ON pending_orders (created_ms);
