//! Which instance holds the accounts. A paper account (the simulator's, the analyzer) is one
//! engine in one process; with several instances exactly one of them holds the accounts, under
//! the renewed, expiring lease `<prefix>accounts:holder` whose value names the holder and its
//! address (`CLUSTER_ADVERTISE_URL`). The others serve market data, the feed and the dashboard's
//! static files themselves and forward every other request to the holder ([`super::forward`]).
//!
//! An instance that takes the lease first restores the accounts from the shared store (the
//! journal is committed before any order is answered, so nothing acknowledged is missing) and
//! only then serves them; until then it answers 503. An instance that cannot renew its lease for
//! [`STEP_DOWN`] stops serving the accounts before the lease can expire in Redis, so two
//! instances never serve the same account at once (barring a process paused for longer than
//! the margin, which the lease cannot detect).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::RngCore;
use tokio::sync::watch;

use super::Redis;

/// How often the lease is renewed.
const RENEW: Duration = Duration::from_millis(1_000);
/// How long the lease lives in Redis without a renewal.
const LEASE_MS: u64 = 3_000;
/// A holder that has not renewed for this long stops serving (before the lease expires).
pub const STEP_DOWN: Duration = Duration::from_millis(2_000);

/// Takes the lease when free or renews it when ours; answers the holder either way.
/// `KEYS[1]` the lease, `ARGV[1]` this instance's value, `ARGV[2]` its life in ms.
const LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return holder
";

/// Gives the lease up when it is ours.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// This instance's part in serving the accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Another instance holds them, at this address (`None`: nobody does yet, or Redis is out
    /// of reach).
    Follower(Option<String>),
    /// This instance took the lease and is restoring the accounts.
    Restoring,
    /// This instance serves the accounts.
    Holder,
}

/// Restores the accounts from the store and installs them (on taking the lease), or installs
/// dormant ones (on losing it).
pub trait Installer: Send + Sync {
    /// Restores and installs the accounts; an error gives the lease back.
    ///
    /// # Errors
    /// A description of what failed.
    fn restore(&self) -> Result<(), String>;
    /// Replaces the accounts with dormant ones, which journal nothing.
    fn dormant(&self);
}

/// The accounts' lease for this instance.
pub struct AccountHolder {
    redis: Arc<Redis>,
    /// `<instance id> <address>`: unique per process, so a restarted instance is a new holder.
    value: String,
    role: watch::Sender<Role>,
}

impl std::fmt::Debug for AccountHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountHolder")
            .field("value", &self.value)
            .field("role", &*self.role.borrow())
            .finish_non_exhaustive()
    }
}

/// The address in a lease value.
fn address_of(value: &str) -> Option<String> {
    value
        .split_once(' ')
        .map(|(_, url)| url.to_owned())
        .filter(|u| !u.is_empty())
}

impl AccountHolder {
    /// A holder for the instance reachable at `address` (e.g. `http://10.0.0.5:5000`); nothing
    /// runs until [`AccountHolder::run`].
    #[must_use]
    pub fn new(redis: Arc<Redis>, address: &str) -> Arc<Self> {
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        Arc::new(Self {
            redis,
            value: format!("{} {}", hex::encode(id), address.trim_end_matches('/')),
            role: watch::channel(Role::Follower(None)).0,
        })
    }

    /// The current role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role.borrow().clone()
    }

    /// Changes of the role.
    #[must_use]
    pub fn watch(&self) -> watch::Receiver<Role> {
        self.role.subscribe()
    }

    fn lease_key(&self) -> String {
        self.redis.key("accounts:holder")
    }

    async fn renew(&self) -> Result<String, super::RedisError> {
        let key = self.lease_key();
        let script = redis::Script::new(LEASE);
        self.redis
            .run(|mut con| {
                let mut call = script.prepare_invoke();
                call.key(&key).arg(&self.value).arg(LEASE_MS);
                async move { call.invoke_async::<String>(&mut con).await }
            })
            .await
    }

    /// Holds or seeks the lease until aborted, restoring the accounts through `installer` when
    /// it is taken and making them dormant when it is lost.
    pub async fn run(self: Arc<Self>, installer: Arc<dyn Installer>) {
        let mut last_renewed: Option<Instant> = None;
        loop {
            let asked = Instant::now();
            match self.renew().await {
                Ok(holder) if holder == self.value => {
                    last_renewed = Some(asked);
                    if self.is_follower() {
                        self.role.send_replace(Role::Restoring);
                        tracing::info!("this instance took the accounts' lease; restoring them");
                        let inst = Arc::clone(&installer);
                        let restored = tokio::task::spawn_blocking(move || inst.restore())
                            .await
                            .unwrap_or_else(|e| Err(e.to_string()));
                        match restored {
                            // Restoring took longer than the lease can be trusted: start over.
                            Ok(()) if asked.elapsed() < STEP_DOWN => {
                                self.role.send_replace(Role::Holder);
                                tracing::info!("this instance serves the accounts");
                            }
                            Ok(()) => {
                                tracing::info!("accounts restored; renewing before serving");
                                self.role.send_replace(Role::Restoring);
                                last_renewed = None;
                                continue;
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "cannot restore the accounts; giving the lease back");
                                installer.dormant();
                                self.release().await;
                                self.role.send_replace(Role::Follower(None));
                            }
                        }
                    } else if self.role() == Role::Restoring {
                        self.role.send_replace(Role::Holder);
                        tracing::info!("this instance serves the accounts");
                    }
                }
                Ok(holder) => {
                    if !self.is_follower() {
                        tracing::warn!(
                            "another instance holds the accounts; this one stops serving them"
                        );
                        installer.dormant();
                    }
                    self.role.send_replace(Role::Follower(address_of(&holder)));
                    last_renewed = None;
                }
                Err(e) => {
                    let stale = last_renewed.is_none_or(|t| t.elapsed() >= STEP_DOWN);
                    if stale && !self.is_follower() {
                        tracing::warn!(error = %e, "accounts' lease not renewed; this instance stops serving them");
                        installer.dormant();
                        self.role.send_replace(Role::Follower(None));
                    } else if self.is_follower() {
                        tracing::warn!(error = %e, "cannot learn which instance holds the accounts");
                        self.role.send_replace(Role::Follower(None));
                    }
                }
            }
            tokio::time::sleep(RENEW.saturating_sub(asked.elapsed())).await;
        }
    }

    fn is_follower(&self) -> bool {
        matches!(*self.role.borrow(), Role::Follower(_))
    }

    /// Gives the lease back when it is ours (a graceful stop: another instance takes over at
    /// once instead of after the lease expires).
    pub async fn release(&self) {
        let key = self.lease_key();
        let script = redis::Script::new(RELEASE);
        let done = self
            .redis
            .run(|mut con| {
                let mut call = script.prepare_invoke();
                call.key(&key).arg(&self.value);
                async move { call.invoke_async::<i64>(&mut con).await }
            })
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "cannot give the accounts' lease back");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_value_carries_the_address() {
        assert_eq!(
            address_of("0011aabb http://10.0.0.5:5000").as_deref(),
            Some("http://10.0.0.5:5000")
        );
        assert_eq!(address_of("0011aabb "), None);
        assert_eq!(address_of("garbage"), None);
    }
}
