//! The order log's row count per mode (`live`, `analyze`), kept in memory instead of through an
//! index on `mode`: such an index put one more page into every group commit's WAL write (the
//! order path's cost, `docs/performance.md`). The first count of a process scans the table
//! once; each commit then adds its rows, and a purge makes the next count scan again.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{OrderLogEntry, StoreError};

/// Counts per mode, or not known yet (before the first count, after a purge).
#[derive(Debug, Default)]
pub(super) struct LogTally {
    counts: Option<HashMap<String, u64>>,
}

impl LogTally {
    /// The rows of `mode`, counted on `conn` when not known (the caller holds the connection,
    /// so no commit lands between the scan and the counts it sets).
    pub(super) fn count(&mut self, conn: &Connection, mode: &str) -> Result<u64, StoreError> {
        let counts = match &mut self.counts {
            Some(counts) => counts,
            None => self.counts.insert(scan(conn)?),
        };
        Ok(counts.get(mode).copied().unwrap_or(0))
    }

    /// Adds the rows of a commit that succeeded.
    pub(super) fn committed(&mut self, log: &[&OrderLogEntry]) {
        if let Some(counts) = &mut self.counts {
            for e in log {
                match counts.get_mut(e.mode.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(e.mode.clone(), 1);
                    }
                }
            }
        }
    }

    /// Rows went other than by a commit of [`LogTally::committed`]: count again when asked.
    pub(super) fn forget(&mut self) {
        self.counts = None;
    }
}

fn scan(conn: &Connection) -> Result<HashMap<String, u64>, StoreError> {
    let mut stmt = conn.prepare("SELECT mode, COUNT(*) FROM order_log GROUP BY mode")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        ))
    })?;
    Ok(rows.collect::<Result<HashMap<_, _>, _>>()?)
}
