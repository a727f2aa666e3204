//! [`SecurityStore`] for [`SqliteStore`].

use std::net::IpAddr;

use rusqlite::{OptionalExtension, params};

use super::security::Ban;
use super::security::{LoginAttempt, SecurityStore, SessionRow, TotpRow, TrafficEntry};
use super::{SqliteStore, StoreError};

impl SecurityStore for SqliteStore {
    fn bans(&self) -> Result<Vec<(IpAddr, Ban)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT ip, reason, ban_count, banned_at_ms, expires_at_ms, created_by FROM ip_bans",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Ban {
                    reason: r.get(1)?,
                    ban_count: r.get(2)?,
                    banned_at_ms: r.get(3)?,
                    expires_at_ms: r.get(4)?,
                    created_by: r.get(5)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (ip, ban) = row?;
            // A row that does not parse cannot be enforced; skip it rather than fail startup.
            if let Ok(ip) = ip.parse() {
                out.push((ip, ban));
            }
        }
        Ok(out)
    }

    fn save_ban(&self, ip: IpAddr, ban: &Ban) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO ip_bans (ip, reason, ban_count, banned_at_ms, expires_at_ms, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![ip.to_string(), ban.reason, ban.ban_count, ban.banned_at_ms, ban.expires_at_ms, ban.created_by],
        )?;
        Ok(())
    }

    fn delete_ban(&self, ip: IpAddr) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM ip_bans WHERE ip = ?1", [ip.to_string()])?;
        Ok(())
    }

    fn user_by_name(&self, username: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, password_hash FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn username(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, hash],
        )?;
        Ok(())
    }

    fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM web_sessions WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        conn.execute(
            "INSERT INTO web_sessions (token_hash, user_id, created_at_ms, expires_at_ms, ip, user_agent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, user_id, now_ms, expires_at_ms, ip, user_agent],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT user_id, expires_at_ms FROM web_sessions WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(SessionRow {
                        user_id: r.get(0)?,
                        expires_at_ms: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_user_sessions(&self, user_id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM web_sessions WHERE user_id = ?1", [user_id])?;
        Ok(())
    }

    fn totp(&self, user_id: i64) -> Result<Option<TotpRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT secret_encrypted, enabled, last_step FROM user_totp WHERE user_id = ?1",
                [user_id],
                |r| {
                    Ok(TotpRow {
                        secret_encrypted: r.get(0)?,
                        enabled: r.get(1)?,
                        last_step: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn set_totp(&self, user_id: i64, secret_encrypted: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO user_totp (user_id, secret_encrypted, enabled, last_step) VALUES (?1, ?2, 0, 0)",
            params![user_id, secret_encrypted],
        )?;
        Ok(())
    }

    fn enable_totp(&self, user_id: i64, enabled: bool) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE user_totp SET enabled = ?2 WHERE user_id = ?1",
            params![user_id, enabled],
        )?;
        Ok(())
    }

    fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "UPDATE user_totp SET last_step = ?2 WHERE user_id = ?1 AND last_step < ?2",
            params![user_id, step],
        )?;
        Ok(changed == 1)
    }

    fn save_broker_token(
        &self,
        user_id: i64,
        broker: &str,
        token_encrypted: &str,
        feed_encrypted: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO broker_tokens (user_id, broker, token_encrypted, feed_encrypted, created_at_ms, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![user_id, broker, token_encrypted, feed_encrypted, now_ms],
        )?;
        Ok(())
    }

    fn broker_token(
        &self,
        user_id: i64,
        broker: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT token_encrypted, feed_encrypted FROM broker_tokens WHERE user_id = ?1 AND broker = ?2 AND revoked = 0",
                params![user_id, broker],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn revoke_broker_tokens(&self, user_id: i64) -> Result<(), StoreError> {
        // The encrypted tokens go too: a revoked token has no reason to stay on disk.
        self.conn().execute(
            "UPDATE broker_tokens SET revoked = 1, token_encrypted = '', feed_encrypted = NULL WHERE user_id = ?1",
            [user_id],
        )?;
        Ok(())
    }

    fn record_login_attempt(&self, a: &LoginAttempt) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO login_attempts (at_ms, username, ip, user_agent, status, login_type, failure_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![a.at_ms, a.username, a.ip, a.user_agent, a.status, a.login_type, a.failure_reason],
        )?;
        Ok(())
    }

    fn login_attempts(&self, limit: usize) -> Result<Vec<LoginAttempt>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at_ms, username, ip, user_agent, status, login_type, failure_reason FROM login_attempts ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(LoginAttempt {
                at_ms: r.get(0)?,
                username: r.get(1)?,
                ip: r.get(2)?,
                user_agent: r.get(3)?,
                status: r.get(4)?,
                login_type: r.get(5)?,
                failure_reason: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn append_traffic(&self, entries: &[TrafficEntry]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO traffic_log (at_ms, ip, method, path, status, duration_us, host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in entries {
                stmt.execute(params![
                    e.at_ms,
                    e.ip,
                    e.method,
                    e.path,
                    e.status,
                    i64::try_from(e.duration_us).unwrap_or(i64::MAX),
                    e.host
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn traffic(&self, limit: usize) -> Result<Vec<TrafficEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at_ms, ip, method, path, status, duration_us, host FROM traffic_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(TrafficEntry {
                at_ms: r.get(0)?,
                ip: r.get(1)?,
                method: r.get(2)?,
                path: r.get(3)?,
                status: r.get(4)?,
                duration_us: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                host: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn purge_login_attempts(&self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM login_attempts WHERE at_ms < ?1", [before_ms])?)
    }

    fn purge_order_log(&self, before_ms: i64) -> Result<usize, StoreError> {
        // created_at is UTC text as SQLite's `datetime('now')` writes it.
        let conn = self.conn_applied()?;
        let mut stmt = conn.prepare(
            "DELETE FROM order_log WHERE created_at < datetime(?1 / 1000, 'unixepoch') RETURNING mode",
        )?;
        let mut rows = stmt.query([before_ms])?;
        let mut tally = self.tally();
        let mut purged = 0;
        while let Some(row) = rows.next()? {
            let mode: String = row.get(0)?;
            tally.deleted(&mode);
            purged += 1;
        }
        Ok(purged)
    }

    fn purge_traffic(&self, before_ms: i64, max_rows: u64) -> Result<usize, StoreError> {
        let conn = self.conn();
        let bounds: (Option<i64>, Option<i64>) =
            conn.query_row("SELECT MIN(id), MAX(id) FROM traffic_log", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let (Some(mut lo), Some(max)) = bounds else {
            return Ok(0);
        };
        // Rows are appended in time order: the first row at or after the cut, by binary search
        // over the rowid (no index on the time needed).
        let mut hi = max + 1;
        let mut at = conn.prepare_cached(
            "SELECT id, at_ms FROM traffic_log WHERE id >= ?1 ORDER BY id LIMIT 1",
        )?;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (id, at_ms): (i64, i64) = at.query_row([mid], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if at_ms < before_ms {
                lo = id + 1;
            } else {
                hi = mid;
            }
        }
        let keep_from = lo.max(max + 1 - i64::try_from(max_rows).unwrap_or(i64::MAX));
        Ok(conn.execute("DELETE FROM traffic_log WHERE id < ?1", [keep_from])?)
    }
}
