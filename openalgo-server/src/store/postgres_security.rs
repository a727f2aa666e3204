//! [`SecurityStore`] for [`PgStore`].

use std::net::IpAddr;

use super::postgres::{limit, params};
use super::security::{Ban, LoginAttempt, SecurityStore, SessionRow, TotpRow, TrafficEntry};
use super::{PgStore, StoreError};

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl SecurityStore for PgStore {
    fn bans(&self) -> Result<Vec<(IpAddr, Ban)>, StoreError> {
        let rows = self.query(
            "SELECT ip, reason, ban_count, banned_at_ms, expires_at_ms, created_by FROM ip_bans",
            params![],
            |r| {
                let ban_count: i64 = r.try_get(2)?;
                Ok((
                    r.try_get::<_, String>(0)?,
                    Ban {
                        reason: r.try_get(1)?,
                        ban_count: u32::try_from(ban_count).unwrap_or(u32::MAX),
                        banned_at_ms: r.try_get(3)?,
                        expires_at_ms: r.try_get(4)?,
                        created_by: r.try_get(5)?,
                    },
                ))
            },
        )?;
        // A row that does not parse cannot be enforced; skip it rather than fail startup.
        Ok(rows
            .into_iter()
            .filter_map(|(ip, ban)| ip.parse().ok().map(|ip| (ip, ban)))
            .collect())
    }

    fn save_ban(&self, ip: IpAddr, ban: &Ban) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO ip_bans (ip, reason, ban_count, banned_at_ms, expires_at_ms, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (ip) DO UPDATE SET reason = excluded.reason, ban_count = excluded.ban_count,
                 banned_at_ms = excluded.banned_at_ms, expires_at_ms = excluded.expires_at_ms,
                 created_by = excluded.created_by",
            params![
                ip.to_string(),
                ban.reason.clone(),
                i64::from(ban.ban_count),
                ban.banned_at_ms,
                ban.expires_at_ms,
                ban.created_by.clone()
            ],
        )?;
        Ok(())
    }

    fn delete_ban(&self, ip: IpAddr) -> Result<(), StoreError> {
        self.execute("DELETE FROM ip_bans WHERE ip = $1", params![ip.to_string()])?;
        Ok(())
    }

    fn user_by_name(&self, username: &str) -> Result<Option<(i64, String)>, StoreError> {
        self.query_opt(
            "SELECT id, password_hash FROM users WHERE username = $1",
            params![username.to_owned()],
            |r| Ok((r.try_get(0)?, r.try_get(1)?)),
        )
    }

    fn username(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        self.query_opt(
            "SELECT username FROM users WHERE id = $1",
            params![user_id],
            |r| Ok(r.try_get(0)?),
        )
    }

    fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            params![user_id, hash.to_owned()],
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
        let token = token_hash.to_owned();
        let ip = ip.map(str::to_owned);
        let agent = user_agent.map(str::to_owned);
        self.run(move |c| {
            let expired = c.prepare("DELETE FROM web_sessions WHERE expires_at_ms <= $1")?;
            let insert = c.prepare(
                "INSERT INTO web_sessions (token_hash, user_id, created_at_ms, expires_at_ms, ip, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )?;
            let mut tx = c.client()?.transaction()?;
            tx.execute(&expired, &[&now_ms])?;
            tx.execute(
                &insert,
                &[&token, &user_id, &now_ms, &expires_at_ms, &ip, &agent],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        self.query_opt(
            "SELECT user_id, expires_at_ms FROM web_sessions WHERE token_hash = $1",
            params![token_hash.to_owned()],
            |r| {
                Ok(SessionRow {
                    user_id: r.try_get(0)?,
                    expires_at_ms: r.try_get(1)?,
                })
            },
        )
    }

    fn delete_user_sessions(&self, user_id: i64) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM web_sessions WHERE user_id = $1",
            params![user_id],
        )?;
        Ok(())
    }

    fn totp(&self, user_id: i64) -> Result<Option<TotpRow>, StoreError> {
        self.query_opt(
            "SELECT secret_encrypted, enabled, last_step FROM user_totp WHERE user_id = $1",
            params![user_id],
            |r| {
                Ok(TotpRow {
                    secret_encrypted: r.try_get(0)?,
                    enabled: r.try_get(1)?,
                    last_step: r.try_get(2)?,
                })
            },
        )
    }

    fn set_totp(&self, user_id: i64, secret_encrypted: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO user_totp (user_id, secret_encrypted, enabled, last_step) VALUES ($1, $2, FALSE, 0)
             ON CONFLICT (user_id) DO UPDATE SET secret_encrypted = excluded.secret_encrypted,
                 enabled = FALSE, last_step = 0",
            params![user_id, secret_encrypted.to_owned()],
        )?;
        Ok(())
    }

    fn enable_totp(&self, user_id: i64, enabled: bool) -> Result<(), StoreError> {
        self.execute(
            "UPDATE user_totp SET enabled = $2 WHERE user_id = $1",
            params![user_id, enabled],
        )?;
        Ok(())
    }

    fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let changed = self.execute(
            "UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2",
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
        self.execute(
            "INSERT INTO broker_tokens (user_id, broker, token_encrypted, feed_encrypted, created_at_ms, revoked)
             VALUES ($1, $2, $3, $4, $5, FALSE)
             ON CONFLICT (user_id, broker) DO UPDATE SET token_encrypted = excluded.token_encrypted,
                 feed_encrypted = excluded.feed_encrypted, created_at_ms = excluded.created_at_ms,
                 revoked = FALSE",
            params![
                user_id,
                broker.to_owned(),
                token_encrypted.to_owned(),
                feed_encrypted.map(str::to_owned),
                now_ms
            ],
        )?;
        Ok(())
    }

    fn broker_token(
        &self,
        user_id: i64,
        broker: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        self.query_opt(
            "SELECT token_encrypted, feed_encrypted FROM broker_tokens
             WHERE user_id = $1 AND broker = $2 AND NOT revoked",
            params![user_id, broker.to_owned()],
            |r| Ok((r.try_get(0)?, r.try_get(1)?)),
        )
    }

    fn revoke_broker_tokens(&self, user_id: i64) -> Result<(), StoreError> {
        // The encrypted tokens go too: a revoked token has no reason to stay stored.
        self.execute(
            "UPDATE broker_tokens SET revoked = TRUE, token_encrypted = '', feed_encrypted = NULL WHERE user_id = $1",
            params![user_id],
        )?;
        Ok(())
    }

    fn record_login_attempt(&self, a: &LoginAttempt) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO login_attempts (at_ms, username, ip, user_agent, status, login_type, failure_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![
                a.at_ms,
                a.username.clone(),
                a.ip.clone(),
                a.user_agent.clone(),
                a.status.clone(),
                a.login_type.clone(),
                a.failure_reason.clone()
            ],
        )?;
        Ok(())
    }

    fn login_attempts(&self, n: usize) -> Result<Vec<LoginAttempt>, StoreError> {
        self.query(
            "SELECT at_ms, username, ip, user_agent, status, login_type, failure_reason
             FROM login_attempts ORDER BY id DESC LIMIT $1",
            params![limit(n)],
            |r| {
                Ok(LoginAttempt {
                    at_ms: r.try_get(0)?,
                    username: r.try_get(1)?,
                    ip: r.try_get(2)?,
                    user_agent: r.try_get(3)?,
                    status: r.try_get(4)?,
                    login_type: r.try_get(5)?,
                    failure_reason: r.try_get(6)?,
                })
            },
        )
    }

    fn append_traffic(&self, entries: &[TrafficEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let at: Vec<i64> = entries.iter().map(|e| e.at_ms).collect();
        let ip: Vec<Option<String>> = entries.iter().map(|e| e.ip.clone()).collect();
        let method: Vec<String> = entries.iter().map(|e| e.method.clone()).collect();
        let path: Vec<String> = entries.iter().map(|e| e.path.clone()).collect();
        let status: Vec<i32> = entries.iter().map(|e| i32::from(e.status)).collect();
        let took: Vec<i64> = entries
            .iter()
            .map(|e| i64::try_from(e.duration_us).unwrap_or(i64::MAX))
            .collect();
        let host: Vec<Option<String>> = entries.iter().map(|e| e.host.clone()).collect();
        // One statement for the whole batch, rows in order (their ids are the time order).
        self.execute(
            "INSERT INTO traffic_log (at_ms, ip, method, path, status, duration_us, host)
             SELECT a, i, m, p, s, d, h
             FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::int8[], $7::text[])
                 WITH ORDINALITY AS t(a, i, m, p, s, d, h, n) ORDER BY n",
            params![at, ip, method, path, status, took, host],
        )?;
        Ok(())
    }

    fn traffic(&self, n: usize) -> Result<Vec<TrafficEntry>, StoreError> {
        self.query(
            "SELECT at_ms, ip, method, path, status, duration_us, host
             FROM traffic_log ORDER BY id DESC LIMIT $1",
            params![limit(n)],
            |r| {
                let status: i32 = r.try_get(4)?;
                let took: i64 = r.try_get(5)?;
                Ok(TrafficEntry {
                    at_ms: r.try_get(0)?,
                    ip: r.try_get(1)?,
                    method: r.try_get(2)?,
                    path: r.try_get(3)?,
                    status: u16::try_from(status)
                        .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
                    duration_us: u64::try_from(took).unwrap_or(0),
                    host: r.try_get(6)?,
                })
            },
        )
    }

    fn purge_login_attempts(&self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(count(self.execute(
            "DELETE FROM login_attempts WHERE at_ms < $1",
            params![before_ms],
        )?))
    }

    fn purge_order_log(&self, before_ms: i64) -> Result<usize, StoreError> {
        // The cut in whole seconds, UTC, as the SQLite store compares its text stamps.
        Ok(count(self.execute(
            "DELETE FROM order_log
             WHERE created_at < timezone('UTC', to_timestamp(div($1::int8, 1000)::float8))",
            params![before_ms],
        )?))
    }

    fn purge_traffic(&self, before_ms: i64, max_rows: u64) -> Result<usize, StoreError> {
        let max_rows = i64::try_from(max_rows).unwrap_or(i64::MAX);
        // Rows are appended in time order: everything before the first row at or after the
        // cut goes, and everything below the newest `max_rows`.
        Ok(count(self.execute(
            "DELETE FROM traffic_log WHERE id < GREATEST(
                 COALESCE((SELECT MIN(id) FROM traffic_log WHERE at_ms >= $1),
                          (SELECT MAX(id) + 1 FROM traffic_log)),
                 (SELECT MAX(id) + 1 FROM traffic_log) - $2)",
            params![before_ms, max_rows],
        )?))
    }
}
