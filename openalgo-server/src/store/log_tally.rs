//! The order log's row count per mode (`live`, `analyze`), kept in memory instead of through an
//! index on `mode`: such an index put one more page into every group commit's WAL write (the
//! order path's cost, `docs/performance.md`). The store counts the table once when it opens,
//! before it serves anyone; each commit then adds its rows and a purge takes away the rows it
//! deleted, so a count never scans while orders wait for the connection.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{OrderLogEntry, StoreError};

/// Rows per mode.
#[derive(Debug, Default)]
pub(super) struct LogTally {
    counts: HashMap<String, u64>,
}

impl LogTally {
    /// Counts the order log on `conn`.
    pub(super) fn scan(conn: &Connection) -> Result<Self, StoreError> {
        let mut stmt = conn.prepare("SELECT mode, COUNT(*) FROM order_log GROUP BY mode")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            ))
        })?;
        Ok(Self {
            counts: rows.collect::<Result<_, _>>()?,
        })
    }

    /// The rows of `mode`.
    pub(super) fn count(&self, mode: &str) -> u64 {
        self.counts.get(mode).copied().unwrap_or(0)
    }

    /// Adds the rows of a commit that succeeded.
    pub(super) fn committed(&mut self, log: &[&OrderLogEntry]) {
        for e in log {
            match self.counts.get_mut(e.mode.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.counts.insert(e.mode.clone(), 1);
                }
            }
        }
    }

    /// Takes away one deleted row of `mode`.
    pub(super) fn deleted(&mut self, mode: &str) {
        if let Some(n) = self.counts.get_mut(mode) {
            *n = n.saturating_sub(1);
        }
    }
}
