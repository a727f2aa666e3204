//! Moving-window rate limits shared by every instance: one sorted set of hit times per
//! (scope, limit, client), checked and counted by one Lua script, so that concurrent requests on
//! different instances cannot both take the last slot.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Redis;
use crate::security::rate_limit::{Limit, SharedWindows};

/// `KEYS`: one sorted set per limit. `ARGV[1]` now (ms), `ARGV[2]` a member unique to this hit,
/// then `window ms, count` per limit. Prunes hits at least a window old (as the in-process
/// windows do); answers the 1-based index of the first full limit (nothing counted), or 0 after
/// counting the hit in every window. A set outlives its window by a minute (Redis's clock, not
/// the instances': the slack covers clock differences between instances); stale hits in it are
/// pruned by their time anyway.
const HIT: &str = r"
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[1 + 2 * i])
  local count = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= count then
    return i
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[1 + 2 * i]) + 60000)
end
return 0
";

/// Rate-limit windows in Redis.
#[derive(Debug)]
pub struct RedisWindows {
    redis: Arc<Redis>,
    script: redis::Script,
    /// Makes every hit's member unique across instances.
    instance: String,
    seq: AtomicU64,
}

impl RedisWindows {
    /// Windows in `redis`.
    #[must_use]
    pub fn new(redis: Arc<Redis>) -> Self {
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        Self {
            redis,
            script: redis::Script::new(HIT),
            instance: hex::encode(id),
            seq: AtomicU64::new(0),
        }
    }

    /// The sorted set of `limit` for `client` in `scope` (the scope is hashed: it holds the
    /// request's path, whose length the client chooses).
    fn key(&self, scope: &str, limit: usize, client: IpAddr) -> String {
        let digest = Sha256::digest(scope.as_bytes());
        let scope = hex::encode(digest.get(..8).unwrap_or_default());
        self.redis.key(&format!("rl:{scope}:{limit}:{client}"))
    }
}

#[async_trait::async_trait]
impl SharedWindows for RedisWindows {
    async fn hit(
        &self,
        scope: &str,
        client: IpAddr,
        limits: &[Limit],
        now_ms: i64,
    ) -> Result<Option<usize>, String> {
        let member = format!(
            "{}:{}",
            self.instance,
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        let mut call = self.script.prepare_invoke();
        for i in 0..limits.len() {
            call.key(self.key(scope, i, client));
        }
        call.arg(now_ms).arg(member);
        for l in limits {
            call.arg(l.window_ms()).arg(l.count);
        }
        let full: usize = self
            .redis
            .run(|mut c| async move { call.invoke_async(&mut c).await })
            .await
            .map_err(|e| e.to_string())?;
        Ok(full.checked_sub(1))
    }
}
