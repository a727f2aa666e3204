-- One WAL page less per group commit: the order log's per-mode counts are kept in memory by
-- the store (counted once, then advanced by each commit), not read through an index.
DROP INDEX IF EXISTS order_log_mode;
