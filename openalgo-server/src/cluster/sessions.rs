//! Dashboard sessions in Redis: `<prefix>session:<sha256 of the token>` holds
//! `<user id>:<expiry ms>` and expires with the session; `<prefix>user-sessions:<user id>` is the
//! set of a user's session hashes, so that logout (every device) and a password change end them
//! all. The token itself is never stored.

use std::sync::Arc;

use super::{Redis, RedisError};
use crate::security::sessions::{NewSession, SessionError, SessionStore};
use crate::store::security::SessionRow;

/// Deletes every session of a user: `KEYS[1]` the user's set, `ARGV[1]` the session key prefix.
const END_USER: &str = r"
local hashes = redis.call('SMEMBERS', KEYS[1])
for _, h in ipairs(hashes) do
  redis.call('DEL', ARGV[1] .. h)
end
redis.call('DEL', KEYS[1])
return #hashes
";

/// Sessions shared by every instance through Redis.
#[derive(Debug)]
pub struct RedisSessions {
    redis: Arc<Redis>,
    end_user: redis::Script,
}

impl RedisSessions {
    /// Sessions in `redis`.
    #[must_use]
    pub fn new(redis: Arc<Redis>) -> Self {
        Self {
            redis,
            end_user: redis::Script::new(END_USER),
        }
    }

    fn session_key(&self, token_hash: &str) -> String {
        self.redis.key(&format!("session:{token_hash}"))
    }

    fn user_key(&self, user_id: i64) -> String {
        self.redis.key(&format!("user-sessions:{user_id}"))
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(unavailable)`
fn unavailable(e: RedisError) -> SessionError {
    SessionError::Unavailable(e.to_string())
}

fn parse(value: &str) -> Option<SessionRow> {
    let (user, expires) = value.split_once(':')?;
    Some(SessionRow {
        user_id: user.parse().ok()?,
        expires_at_ms: expires.parse().ok()?,
    })
}

#[async_trait::async_trait]
impl SessionStore for RedisSessions {
    async fn create(&self, s: NewSession) -> Result<(), SessionError> {
        // Relative to the server's clock: Redis drops the session when it ends.
        let ttl_ms = (s.expires_at_ms - s.now_ms).max(1);
        let key = self.session_key(&s.token_hash);
        let user_key = self.user_key(s.user_id);
        let value = format!("{}:{}", s.user_id, s.expires_at_ms);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("SET")
            .arg(&key)
            .arg(value)
            .arg("PX")
            .arg(ttl_ms)
            .ignore()
            .cmd("SADD")
            .arg(&user_key)
            .arg(&s.token_hash)
            .ignore()
            // Every session of a user ends at the same daily boundary: the newest lasts longest.
            .cmd("PEXPIRE")
            .arg(&user_key)
            .arg(ttl_ms)
            .ignore();
        self.redis
            .run(|mut c| async move { pipe.query_async::<()>(&mut c).await })
            .await
            .map_err(unavailable)
    }

    async fn get(&self, token_hash: &str) -> Result<Option<SessionRow>, SessionError> {
        let key = self.session_key(token_hash);
        let value: Option<String> = self
            .redis
            .run(|mut c| async move { redis::cmd("GET").arg(&key).query_async(&mut c).await })
            .await
            .map_err(unavailable)?;
        Ok(value.as_deref().and_then(parse))
    }

    async fn end_user(&self, user_id: i64) -> Result<(), SessionError> {
        let user_key = self.user_key(user_id);
        let session_prefix = self.redis.key("session:");
        let script = &self.end_user;
        self.redis
            .run(|mut c| async move {
                script
                    .key(&user_key)
                    .arg(&session_prefix)
                    .invoke_async::<i64>(&mut c)
                    .await
            })
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_parse_back() {
        assert_eq!(
            parse("7:1764000000000"),
            Some(SessionRow {
                user_id: 7,
                expires_at_ms: 1_764_000_000_000
            })
        );
        assert_eq!(parse("7"), None);
        assert_eq!(parse("x:1"), None);
    }
}
