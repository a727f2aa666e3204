-- The analyzer log is the order log's analyze-mode rows: counted by /analyzer.
CREATE INDEX IF NOT EXISTS order_log_mode ON order_log (mode);
