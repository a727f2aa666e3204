-- Webhook strategies (TradingView, GoCharting, Amibroker, Chartink): the strategy as JSON
-- (name, mode, schedule, mappings, active), addressed by an unguessable webhook id.
CREATE TABLE IF NOT EXISTS webhook_strategies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT    NOT NULL UNIQUE,
    source      TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- Every alert a strategy received and what came of it.
CREATE TABLE IF NOT EXISTS strategy_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    strategy_id INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    outcome     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS strategy_alerts_by_strategy ON strategy_alerts (strategy_id, id);
