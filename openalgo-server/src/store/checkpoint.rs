//! WAL checkpoints off the commit path: the writing connection never checkpoints (a checkpoint
//! fsyncs and copies pages, stalling every request waiting on that commit); a background thread
//! with its own connection runs passive checkpoints, which do not block writers. Under
//! sustained writes a passive checkpoint never catches up far enough for the WAL to restart, so
//! when the log holds more than a bound a restarting checkpoint (which briefly holds writers
//! back, and is short because passive runs copied most frames already) rewinds it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

/// How often the checkpointer runs.
const INTERVAL: Duration = Duration::from_millis(200);
/// WAL frames (pages) above which a restarting checkpoint rewinds the log (16 MiB of 4 KiB
/// pages). Any pause in writes lets the log restart on its own; under sustained load this
/// rewinds it every few hundred milliseconds. A frame (24-byte header and a page) straddles
/// two pages of the file, so rewriting a frame whose file pages the kernel has dropped from
/// its cache reads them from disk first, on the commit path: with a 256 MiB bound the log's
/// head was rewritten seconds after it was written, and on a VM whose memory is reclaimed
/// proactively the journal writer read ~10 MB/s from disk (`docs/performance.md`).
const MAX_WAL_FRAMES: i64 = 4_096;
/// A passive checkpoint that left fewer frames than this behind has caught up.
const CAUGHT_UP_FRAMES: i64 = 256;

/// The writing connection's busy handler: waits in short steps (up to 5 s) so a writer held
/// back by a restarting checkpoint resumes as soon as it ends, not after SQLite's default
/// back-off of up to 100 ms per step.
pub(super) fn short_waits(attempt: i32) -> bool {
    std::thread::sleep(Duration::from_micros(50));
    attempt < 100_000
}

/// Stops the checkpointer when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts checkpointing the database at `path` (already in WAL mode).
///
/// # Errors
/// When the checkpointer's connection cannot be opened or the thread cannot start.
pub(super) fn spawn(path: &Path) -> Result<Checkpointer, super::StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let db = path.to_path_buf();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            // (frames in the log, frames copied into the database)
            let checkpoint = |mode: &str| -> rusqlite::Result<(i64, i64)> {
                conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                    Ok((r.get(1)?, r.get(2)?))
                })
            };
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(INTERVAL);
                let result = checkpoint("PASSIVE").and_then(|(frames, copied)| {
                    // Rewind only once caught up: the restart then copies almost nothing.
                    if frames > MAX_WAL_FRAMES && frames - copied < CAUGHT_UP_FRAMES {
                        // Flush both files first, outside SQLite's locks: the restart then
                        // syncs only what arrived since, and holds writers back briefly.
                        for file in [db.as_path(), wal.as_path()] {
                            if let Err(e) = std::fs::File::open(file).and_then(|f| f.sync_data()) {
                                tracing::warn!(error = %e, "pre-checkpoint sync failed");
                            }
                        }
                        // Copy what arrived during the sync, then rewind at once.
                        checkpoint("PASSIVE")?;
                        checkpoint("RESTART").map(drop)
                    } else {
                        Ok(())
                    }
                });
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
            // A final full checkpoint leaves a compact database behind.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })?;
    Ok(Checkpointer { stop })
}
