//! The order path's commit over SQLite: an append-only file beside the database.
//!
//! A group commit into SQLite costs two WAL pages (the order log's and the paper journal's
//! last leaf), four `fcntl` locks and a B-tree walk per table, ~18 µs per group of ~2 orders,
//! and it holds every other order call back while it runs (`docs/performance.md`). Here a
//! group is one framed record written with one `write` to a file the server alone appends to;
//! once `write` returns, the record survives the process being killed, exactly as a WAL commit
//! with `synchronous=NORMAL` does (neither survives an OS crash unsynced). A background
//! thread then moves the records into SQLite in large transactions, each also storing the
//! sequence number of its last record, so a record is applied once even when the server dies
//! between that commit and the file's truncation.
//!
//! Two files take turns: appends go to one while the records of the other, all applied, are
//! synced into SQLite's WAL and the file is truncated. On open, records after the applied
//! sequence number are applied in order, stopping at the first gap or damaged frame (a torn
//! last write), and both files start empty.
//!
//! Frame: payload length (u32 LE), CRC-32 of the payload (u32 LE), payload. Payload: the
//! sequence number (u64 LE), then the paper rows (count, then account, row count, rows), then
//! the order-log rows (count, then api_type, mode, request, status u16, response,
//! created_at); strings and blobs are a u32 LE length and the bytes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Bytes after which the appends move to the other file (the applied one is then truncated).
const ROTATE_BYTES: u64 = 8 << 20;

/// An order-log row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LogRow {
    pub(super) api_type: String,
    pub(super) mode: String,
    pub(super) request: String,
    pub(super) status: u16,
    pub(super) response: String,
    pub(super) created_at: String,
}

/// One group commit: paper rows per account and order-log rows, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) seq: u64,
    pub(super) paper: Vec<(String, Vec<Vec<u8>>)>,
    pub(super) log: Vec<LogRow>,
}

#[derive(Debug)]
struct State {
    files: [File; 2],
    /// The file appends go to.
    current: usize,
    /// Bytes in the current file.
    written: u64,
    /// The other file is empty (truncated after its records were applied and synced).
    spare_empty: bool,
    /// The other file, left by appends, to truncate once a drain's records are applied.
    retiring: Option<usize>,
    next_seq: u64,
    /// A failed write could not be cut off: appends fail.
    broken: bool,
    /// Records written and not yet applied, in order.
    pending: Vec<Record>,
    frame: Vec<u8>,
}

/// The two files and the records not yet in SQLite.
#[derive(Debug)]
pub(super) struct SideLog {
    state: Mutex<State>,
}

/// What a drain took: the records to apply, and the file to truncate once they are applied
/// and synced (the one appends just left).
#[derive(Debug)]
pub(super) struct Drain {
    pub(super) records: Vec<Record>,
    retired: Option<usize>,
}

impl Drain {
    /// Whether applying this drain empties a file.
    pub(super) fn retires(&self) -> bool {
        self.retired.is_some()
    }
}

impl SideLog {
    /// Opens (creating) the two files beside `db`, taking them for this process, and reads
    /// the records to apply (see [`SideLog::read`]); call [`SideLog::recovered`] once those
    /// are applied. `None` when another process has them (a second server on the same data
    /// directory, or a command-line tool while the server runs): that process writes to the
    /// tables directly.
    ///
    /// # Errors
    /// When a file cannot be opened, locked or read.
    pub(super) fn open(db: &Path, applied: u64) -> std::io::Result<Option<(Self, Vec<Record>)>> {
        let paths = paths_of(db);
        let open = |p: &Path| {
            OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(p)
        };
        let files = [open(&paths[0])?, open(&paths[1])?];
        match files[0].try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let records = Self::read(db, applied)?;
        let next_seq = records.last().map_or(applied, |r| r.seq) + 1;
        let log = Self {
            state: Mutex::new(State {
                files,
                current: 0,
                written: 0,
                spare_empty: false,
                retiring: None,
                next_seq,
                broken: false,
                pending: Vec::new(),
                frame: Vec::new(),
            }),
        };
        Ok(Some((log, records)))
    }

    /// The records in the files beside `db`, in order of sequence number, from `applied + 1`
    /// up to the first gap or damaged frame.
    ///
    /// # Errors
    /// When a file cannot be read.
    pub(super) fn read(db: &Path, applied: u64) -> std::io::Result<Vec<Record>> {
        let mut found = Vec::new();
        for p in paths_of(db) {
            let bytes = match std::fs::read(&p) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            found.extend(frames(&bytes).filter(|r| r.seq > applied));
        }
        found.sort_by_key(|r| r.seq);
        // Contiguous from `applied + 1`: nothing after a gap is trusted.
        Ok((applied + 1..)
            .zip(found)
            .take_while(|(next, r)| r.seq == *next)
            .map(|(_, r)| r)
            .collect())
    }

    /// Empties both files: what they held is applied (and synced by the caller).
    ///
    /// # Errors
    /// When a file cannot be truncated.
    pub(super) fn recovered(&self) -> std::io::Result<()> {
        let mut s = self.state();
        for f in &s.files {
            f.set_len(0)?;
        }
        s.current = 0;
        s.written = 0;
        s.spare_empty = true;
        Ok(())
    }

    /// Writes one record holding `paper` and `log`; once this returns it survives the process.
    ///
    /// # Errors
    /// When the write fails (nothing is kept then).
    pub(super) fn append(
        &self,
        paper: &[(&str, &[Vec<u8>])],
        log: Vec<LogRow>,
    ) -> std::io::Result<()> {
        let mut guard = self.state();
        let s = &mut *guard;
        let record = Record {
            seq: s.next_seq,
            paper: paper
                .iter()
                .map(|(a, rows)| ((*a).to_owned(), rows.to_vec()))
                .collect(),
            log,
        };
        s.frame.clear();
        encode(&record, &mut s.frame);
        if s.broken {
            return Err(std::io::Error::other("the order journal file is damaged"));
        }
        if let Err(e) = s.files[s.current].write_all(&s.frame) {
            // Cut a partial frame off: recovery stops at a damaged frame, so the records
            // after it would be lost. When even that fails, nothing more is accepted.
            let len = s.written;
            if s.files[s.current].set_len(len).is_err() {
                s.broken = true;
            }
            tracing::error!(error = %e, "order journal write failed");
            return Err(e);
        }
        s.written += s.frame.len() as u64;
        s.next_seq += 1;
        s.pending.push(record);
        if s.frame.capacity() > 1 << 16 {
            s.frame = Vec::new();
        }
        Ok(())
    }

    /// Takes the records not yet applied; when the current file is large and the spare is
    /// empty, appends move to the spare and the drain carries the file to truncate.
    pub(super) fn drain(&self) -> Drain {
        let mut s = self.state();
        let records = std::mem::take(&mut s.pending);
        let retired = s.retiring.take().or_else(|| {
            (s.written >= ROTATE_BYTES && s.spare_empty).then(|| {
                let old = s.current;
                s.current = 1 - old;
                s.written = 0;
                s.spare_empty = false;
                old
            })
        });
        Drain { records, retired }
    }

    /// Puts back the records of a drain whose apply failed, ahead of any written since.
    pub(super) fn restore(&self, drain: Drain) {
        let mut s = self.state();
        let mut records = drain.records;
        records.append(&mut s.pending);
        s.pending = records;
        // Its records are pending again: the next drain carries the file.
        s.retiring = drain.retired;
    }

    /// After the drain's records are applied and SQLite's copy is synced: empties the file
    /// appends left.
    ///
    /// # Errors
    /// When the file cannot be truncated (the next drain tries again).
    pub(super) fn applied(&self, drain: &Drain) -> std::io::Result<()> {
        let Some(old) = drain.retired else {
            return Ok(());
        };
        let mut s = self.state();
        match s.files[old].set_len(0) {
            Ok(()) => s.spare_empty = true,
            Err(e) => {
                s.retiring = Some(old);
                return Err(e);
            }
        }
        Ok(())
    }

    /// After a drain's records are applied but could not be synced: its file is retired
    /// again by the next drain.
    pub(super) fn retry_retire(&self, drain: &Drain) {
        if drain.retired.is_some() {
            self.state().retiring = drain.retired;
        }
    }

    /// Whether a file waits to be emptied.
    pub(super) fn has_retiring(&self) -> bool {
        self.state().retiring.is_some()
    }

    /// Whether records wait to be applied.
    pub(super) fn has_pending(&self) -> bool {
        !self.state().pending.is_empty()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The two files beside `db`.
fn paths_of(db: &Path) -> [PathBuf; 2] {
    [0, 1].map(|i| {
        let mut p = db.as_os_str().to_owned();
        p.push(format!("-orders{i}"));
        PathBuf::from(p)
    })
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

/// Appends `r`'s frame to `out`.
fn encode(r: &Record, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&r.seq.to_le_bytes());
    put_count(out, r.paper.len());
    for (account, rows) in &r.paper {
        put_bytes(out, account.as_bytes());
        put_count(out, rows.len());
        for row in rows {
            put_bytes(out, row);
        }
    }
    put_count(out, r.log.len());
    for l in &r.log {
        put_bytes(out, l.api_type.as_bytes());
        put_bytes(out, l.mode.as_bytes());
        put_bytes(out, l.request.as_bytes());
        out.extend_from_slice(&l.status.to_le_bytes());
        put_bytes(out, l.response.as_bytes());
        put_bytes(out, l.created_at.as_bytes());
    }
    let payload = &out[start + 8..];
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let crc = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Reads fields off a payload; `None` once it runs short.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u32()?).ok()
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.count()?;
        Some(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?).ok()
    }
}

fn decode(payload: &[u8]) -> Option<Record> {
    let mut r = Reader(payload);
    let seq = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let accounts = r.count()?;
    let mut paper = Vec::new();
    for _ in 0..accounts {
        let account = r.string()?;
        let n = r.count()?;
        let mut rows = Vec::new();
        for _ in 0..n {
            rows.push(r.bytes()?);
        }
        paper.push((account, rows));
    }
    let n = r.count()?;
    let mut log = Vec::new();
    for _ in 0..n {
        log.push(LogRow {
            api_type: r.string()?,
            mode: r.string()?,
            request: r.string()?,
            status: u16::from_le_bytes(r.take(2)?.try_into().ok()?),
            response: r.string()?,
            created_at: r.string()?,
        });
    }
    r.0.is_empty().then_some(Record { seq, paper, log })
}

/// The records of a file's bytes, up to the first damaged or short frame.
fn frames(mut bytes: &[u8]) -> impl Iterator<Item = Record> + '_ {
    std::iter::from_fn(move || {
        let mut r = Reader(bytes);
        let len = r.count()?;
        let crc = r.u32()?;
        let payload = r.take(len)?;
        if crc32fast::hash(payload) != crc {
            return None;
        }
        let record = decode(payload)?;
        bytes = r.0;
        Some(record)
    })
}

/// A directory of its own for a test, removed at the end.
#[cfg(test)]
#[derive(Debug)]
pub(super) struct TestDir(PathBuf);

#[cfg(test)]
impl TestDir {
    pub(super) fn new() -> Self {
        let p = std::env::temp_dir().join(format!(
            "openalgo-side-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    /// A database path inside it.
    pub(super) fn db(&self) -> PathBuf {
        self.0.join("t.db")
    }
}

#[cfg(test)]
impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u16) -> LogRow {
        LogRow {
            api_type: "placeorder".into(),
            mode: "analyze".into(),
            request: format!("{{\"n\":{i}}}"),
            status: 200 + i,
            response: "{}".into(),
            created_at: "2026-12-05 10:00:00".into(),
        }
    }

    fn db(dir: &TestDir) -> PathBuf {
        dir.db()
    }

    #[test]
    fn records_come_back_in_order_after_the_applied_one() {
        let dir = TestDir::new();
        let (log, found) = SideLog::open(&db(&dir), 0).unwrap().unwrap();
        assert!(found.is_empty());
        log.recovered().unwrap();
        for i in 0..5u16 {
            let rows = vec![vec![u8::try_from(i).unwrap(); 3]];
            log.append(&[("acct", &rows)], vec![row(i)]).unwrap();
        }
        drop(log);
        let found = SideLog::read(&db(&dir), 2).unwrap();
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(found[0].log, [row(2)]);
        assert_eq!(found[0].paper, [("acct".to_owned(), vec![vec![2u8; 3]])]);
    }

    #[test]
    fn a_torn_last_frame_is_dropped_and_the_rest_kept() {
        let dir = TestDir::new();
        let (log, _) = SideLog::open(&db(&dir), 0).unwrap().unwrap();
        log.recovered().unwrap();
        for i in 0..3 {
            log.append(&[], vec![row(i)]).unwrap();
        }
        let path = paths_of(&db(&dir))[0].clone();
        drop(log);
        let len = std::fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let found = SideLog::read(&db(&dir), 0).unwrap();
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        // A flipped byte inside the first frame: nothing after it is trusted.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        let found = SideLog::read(&db(&dir), 0).unwrap();
        assert!(found.is_empty());
    }

    #[test]
    fn appends_move_to_the_spare_and_records_survive_across_both_files() {
        let dir = TestDir::new();
        let (log, _) = SideLog::open(&db(&dir), 0).unwrap().unwrap();
        log.recovered().unwrap();
        let big = vec![vec![7u8; 1 << 20]];
        for _ in 0..9 {
            log.append(&[("a", &big)], vec![]).unwrap();
        }
        let first = log.drain();
        assert_eq!(first.records.len(), 9);
        assert_eq!(first.retired, Some(0));
        log.append(&[], vec![row(1)]).unwrap();
        // Not yet applied: a restart finds all ten, across both files, in order.
        let found = SideLog::read(&db(&dir), 0).unwrap();
        assert_eq!(found.len(), 10);
        assert_eq!(found[9].log, [row(1)]);
        log.applied(&first).unwrap();
        assert_eq!(std::fs::metadata(&paths_of(&db(&dir))[0]).unwrap().len(), 0);
        let found = SideLog::read(&db(&dir), 9).unwrap();
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [10]);
    }

    #[test]
    fn one_process_at_a_time_has_the_files() {
        let dir = TestDir::new();
        let first = SideLog::open(&db(&dir), 0).unwrap();
        assert!(first.is_some());
        assert!(SideLog::open(&db(&dir), 0).unwrap().is_none());
        drop(first);
        assert!(SideLog::open(&db(&dir), 0).unwrap().is_some());
    }

    #[test]
    fn a_failed_apply_puts_records_back_first() {
        let dir = TestDir::new();
        let (log, _) = SideLog::open(&db(&dir), 0).unwrap().unwrap();
        log.recovered().unwrap();
        log.append(&[], vec![row(1)]).unwrap();
        let d = log.drain();
        log.append(&[], vec![row(2)]).unwrap();
        log.restore(d);
        let again = log.drain();
        assert_eq!(
            again.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2]
        );
    }
}
