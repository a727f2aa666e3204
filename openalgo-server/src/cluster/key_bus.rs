//! The API-key cache's invalidation between instances. Rotating a key publishes a nonce on
//! `<prefix>apikeys:rotated`; every instance's listener drops its verdict cache and confirms on
//! `<prefix>apikeys:ack:<nonce>`; the rotation returns once every instance that received the
//! message has confirmed (bounded), so the old key is refused everywhere when it returns.
//! Only the nonce travels: no key, no hash.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::RngCore;

use super::Redis;
use crate::auth::{ApiKeys, KeyCacheBus};

/// How long a rotation waits for the other instances' confirmations.
const ACK_WAIT: Duration = Duration::from_secs(2);
/// How long a confirmation list lives.
const ACK_TTL_MS: u64 = 30_000;
/// The pause before a lost listener reconnects.
const RECONNECT: Duration = Duration::from_secs(1);

/// Announces rotations over Redis.
#[derive(Debug)]
pub struct RedisKeyBus {
    redis: Arc<Redis>,
}

impl RedisKeyBus {
    /// A bus over `redis`.
    #[must_use]
    pub const fn new(redis: Arc<Redis>) -> Self {
        Self { redis }
    }
}

fn channel(redis: &Redis) -> String {
    redis.key("apikeys:rotated")
}

fn ack_key(redis: &Redis, nonce: &str) -> String {
    redis.key(&format!("apikeys:ack:{nonce}"))
}

impl KeyCacheBus for RedisKeyBus {
    fn announce(&self) -> Result<(), String> {
        // Called from a blocking thread (the key was just written to the store): a dedicated,
        // synchronous connection with bounded reads, so no runtime is needed.
        let timeout = self.redis.timeout();
        let mut con = self
            .redis
            .client()
            .get_connection_with_timeout(timeout)
            .map_err(|e| e.to_string())?;
        con.set_read_timeout(Some(ACK_WAIT + timeout))
            .and_then(|()| con.set_write_timeout(Some(timeout)))
            .map_err(|e| e.to_string())?;
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let nonce = hex::encode(nonce);
        let receivers: u64 = redis::cmd("PUBLISH")
            .arg(channel(&self.redis))
            .arg(&nonce)
            .query(&mut con)
            .map_err(|e| e.to_string())?;
        let acks = ack_key(&self.redis, &nonce);
        let deadline = Instant::now() + ACK_WAIT;
        let mut confirmed = 0;
        while confirmed < receivers {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "{confirmed} of {receivers} instances confirmed the rotation"
                ));
            }
            let popped: Option<(String, String)> = redis::cmd("BLPOP")
                .arg(&acks)
                .arg(left.as_secs_f64().max(0.01))
                .query(&mut con)
                .map_err(|e| e.to_string())?;
            if popped.is_some() {
                confirmed += 1;
            }
        }
        let _: Result<(), _> = redis::cmd("DEL").arg(&acks).query(&mut con);
        Ok(())
    }
}

/// Listens for rotations announced by any instance (this one included) and drops `keys`'
/// cached verdicts; also drops them on every (re)connection, since rotations may have been
/// missed meanwhile. Runs until aborted.
pub async fn listen(redis: Arc<Redis>, keys: Arc<ApiKeys>) {
    loop {
        match subscribe(&redis).await {
            Ok(pubsub) => {
                keys.forget_cached();
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    keys.forget_cached();
                    let Ok(nonce) = msg.get_payload::<String>() else {
                        continue;
                    };
                    let acks = ack_key(&redis, &nonce);
                    let confirmed = redis
                        .run(|mut c| async move {
                            redis::pipe()
                                .cmd("RPUSH")
                                .arg(&acks)
                                .arg(1)
                                .ignore()
                                .cmd("PEXPIRE")
                                .arg(&acks)
                                .arg(ACK_TTL_MS)
                                .ignore()
                                .query_async::<()>(&mut c)
                                .await
                        })
                        .await;
                    if let Err(e) = confirmed {
                        tracing::warn!(error = %e, "cannot confirm an API-key rotation");
                    }
                }
                tracing::warn!("API-key rotation listener lost its Redis connection");
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for API-key rotations"),
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn subscribe(redis: &Redis) -> Result<redis::aio::PubSub, super::RedisError> {
    let timeout = redis.timeout();
    tokio::time::timeout(timeout, async {
        let mut pubsub = redis.client().get_async_pubsub().await?;
        pubsub.subscribe(channel(redis)).await?;
        Ok(pubsub)
    })
    .await
    .map_err(|_| super::RedisError::Timeout(timeout))?
}
