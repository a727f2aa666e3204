//! The live broker's session for brokers with a login, over the registry's
//! [`LiveSession`]: the login URL, the login's completion, the broker's token encrypted at rest
//! with Fernet(main) in the user's `broker_tokens` row keyed by the entry's name (revoked with
//! the dashboard session), restore on restart, and the master contract downloaded at login and
//! cached under the entry's file name with the reference's rule (platform §2, §7.5). A new
//! master contract rebuilds both accounts over it.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveTime;
use openalgo_brokers::paper::PaperBroker;
use openalgo_brokers::registry::{BrokerEntry, LiveSession, LoginParams};
use openalgo_core::clock::Clock;
use openalgo_core::sandbox::SandboxConfig;
use openalgo_core::{Broker, BrokerError, SymbolTable};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::ApiKeys;
use crate::journal::{JournalWriter, RestoreError, StoreSink, restore_account};
use crate::state::{AccountBook, Accounts, Analyzer, Trading};
use crate::store::Store;

/// Settings key of the last master-contract download: `<broker> <epoch ms>`.
const MASTER_KEY: &str = "master_contract_download";
/// Analyzer order ids start here (as at startup), so they never collide with live ones.
const ANALYZER_SEQ_BASE: u64 = 50_000_000;

/// Everything needed to log in, keep the token and rebuild the accounts.
pub struct BrokerSession {
    /// The broker's registry entry (its name keys the stored token and the master download).
    pub entry: &'static BrokerEntry,
    /// The adapter's session.
    pub session: Arc<dyn LiveSession>,
    /// The adapter as timed by the latency monitor (what the accounts use).
    pub live: Arc<dyn Broker>,
    store: Arc<dyn Store>,
    keys: Arc<ApiKeys>,
    writer: JournalWriter,
    clock: Arc<dyn Clock>,
    sandbox_config: SandboxConfig,
    cache: PathBuf,
    cutoff: NaiveTime,
}

impl std::fmt::Debug for BrokerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerSession")
            .field("broker", &self.entry.name)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Why a login or a master download failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The broker refused or failed.
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// Persistence failed.
    #[error("{0}")]
    Store(String),
    /// The blocking part of the login (store, master parsing, journal replay) did not finish.
    #[error("the login could not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The analyzer account could not be restored over the new master.
    #[error(transparent)]
    Restore(#[from] RestoreError),
}

/// Where the session of a broker keeps what it needs besides the broker itself.
#[allow(missing_debug_implementations)]
#[derive(Clone)]
pub struct SessionParts {
    /// Persistence (tokens, settings, the analyzer's journal).
    pub store: Arc<dyn Store>,
    /// The cipher of tokens at rest.
    pub keys: Arc<ApiKeys>,
    /// The group-commit writer of the analyzer's journal.
    pub writer: JournalWriter,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// The analyzer's sandbox settings.
    pub sandbox_config: SandboxConfig,
}

impl BrokerSession {
    /// A session manager for `entry`'s `session`, trading through `live` (the timed adapter);
    /// the master cache lives in `data_dir`, refreshed by the `cutoff` rule.
    #[must_use]
    pub fn new(
        entry: &'static BrokerEntry,
        session: Arc<dyn LiveSession>,
        live: Arc<dyn Broker>,
        parts: SessionParts,
        data_dir: &std::path::Path,
        cutoff: NaiveTime,
    ) -> Self {
        let cache = entry
            .master
            .cache_file()
            .map_or_else(|| format!("{}_master", entry.name), str::to_owned);
        Self {
            entry,
            session,
            live,
            store: parts.store,
            keys: parts.keys,
            writer: parts.writer,
            clock: parts.clock,
            sandbox_config: parts.sandbox_config,
            cache: data_dir.join(cache),
            cutoff,
        }
    }

    /// The broker's hosted login page, for redirect logins.
    #[must_use]
    pub fn login_url(&self) -> Option<String> {
        self.session.login_url()
    }

    /// Whether the broker session is up.
    #[must_use]
    pub fn has_session(&self) -> bool {
        self.session.has_session()
    }

    /// Restores a stored token (a restart within the trading day) and the cached master
    /// contract. Returns the master in use (empty when none is cached).
    #[must_use]
    pub fn restore(&self) -> Arc<SymbolTable> {
        let stored = self.store.admin_id().ok().flatten().and_then(|admin| {
            self.store
                .broker_token(admin, self.entry.name)
                .ok()
                .flatten()
        });
        if let Some((encrypted, _)) = stored
            && let Some(token) = self
                .keys
                .cipher()
                .decrypt(&encrypted)
                .filter(|t| !t.is_empty())
        {
            self.session.restore(&SecretString::from(token));
        }
        if self.last_download().is_some()
            && let Ok(bytes) = std::fs::read(&self.cache)
        {
            match self.session.install_master(&bytes) {
                Ok((table, report)) => {
                    tracing::info!(
                        instruments = report.converted,
                        "cached master contract loaded"
                    );
                    return table;
                }
                Err(e) => tracing::warn!(error = %e, "cached master contract unusable"),
            }
        }
        self.session.symbols()
    }

    fn last_download(&self) -> Option<i64> {
        let text = self.store.setting(MASTER_KEY).ok().flatten()?;
        let (broker, ms) = text.split_once(' ')?;
        (broker == self.entry.name)
            .then(|| ms.parse().ok())
            .flatten()
    }

    /// The reference's smart rule: download when never downloaded (or by another broker), when
    /// the last download was on an earlier IST day, or earlier today before the cut-off.
    #[must_use]
    pub fn master_is_stale(&self) -> bool {
        let Some(last_ms) = self.last_download() else {
            return true;
        };
        if !self.cache.exists() {
            return true;
        }
        let last = openalgo_core::clock::ist_from_ms(last_ms);
        let now = self.clock.now_ist();
        last.date() < now.date() || last.time() < self.cutoff
    }

    /// Completes a login from the callback's or form's `params`, stores the token encrypted
    /// for `user_id`, and makes sure the master contract is current. Returns the new accounts
    /// when the master changed.
    ///
    /// # Errors
    /// [`SessionError`] when the broker refuses or persistence fails.
    pub async fn login(
        self: &Arc<Self>,
        user_id: i64,
        params: &LoginParams,
    ) -> Result<Option<Accounts>, SessionError> {
        let token = self.session.complete_login(params).await?;
        let encrypted = self.keys.cipher().encrypt(token.expose_secret());
        // Store calls, master parsing and the journal replay run off the async workers.
        let this = Arc::clone(self);
        let fresh = tokio::task::spawn_blocking(move || {
            this.store
                .save_broker_token(
                    user_id,
                    this.entry.name,
                    &encrypted,
                    None,
                    this.clock.now_ms(),
                )
                .map_err(|e| SessionError::Store(e.to_string()))?;
            Ok::<_, SessionError>(!this.master_is_stale() && !this.session.symbols().is_empty())
        })
        .await??;
        if fresh {
            return Ok(None);
        }
        let bytes = self.session.fetch_master().await?;
        let this = Arc::clone(self);
        let accounts = tokio::task::spawn_blocking(move || this.install_master(&bytes)).await??;
        Ok(Some(accounts))
    }

    /// Installs a downloaded master contract: parsed, cached, its download time kept, and the
    /// accounts rebuilt over it.
    fn install_master(&self, bytes: &[u8]) -> Result<Accounts, SessionError> {
        let (table, report) = self.session.install_master(bytes)?;
        if let Err(e) = std::fs::write(&self.cache, bytes) {
            tracing::warn!(error = %e, "master contract not cached");
        }
        self.store
            .set_setting(
                MASTER_KEY,
                &format!("{} {}", self.entry.name, self.clock.now_ms()),
            )
            .map_err(|e| SessionError::Store(e.to_string()))?;
        tracing::info!(
            instruments = report.converted,
            skipped = report.skipped,
            "master contract downloaded"
        );
        // A login is served by the instance that owns the accounts (with several instances,
        // the one holding their lease: the others forward it).
        Ok(self.accounts(table, crate::journal::Restore::Owner)?)
    }

    /// Forgets the session and revokes `user_id`'s stored broker tokens.
    ///
    /// # Errors
    /// When the store fails.
    pub fn revoke(&self, user_id: i64) -> Result<(), SessionError> {
        self.session.clear_session();
        self.store
            .revoke_broker_tokens(user_id)
            .map_err(|e| SessionError::Store(e.to_string()))
    }

    /// The live account and a fresh analyzer account (restored from its journal) over
    /// `symbols`. The analyzer's market data comes from the live broker.
    ///
    /// # Errors
    /// [`RestoreError`] when the analyzer's journal cannot be replayed.
    pub fn accounts(
        &self,
        symbols: Arc<SymbolTable>,
        mode: crate::journal::Restore,
    ) -> Result<Accounts, RestoreError> {
        let config = SandboxConfig {
            order_seq_base: ANALYZER_SEQ_BASE,
            ..self.sandbox_config.clone()
        };
        // The settings edited on the sandbox page survive a rebuilt account.
        let config =
            crate::sandbox_settings::SandboxOverrides::applied(self.store.as_ref(), config)?;
        let engine = restore_account(
            self.store.as_ref(),
            "sandbox",
            config,
            Arc::clone(&symbols),
            self.clock.now_ist(),
            mode,
        )?;
        let sink = Arc::new(StoreSink::new(self.writer.clone(), "sandbox"));
        let analyzer = Arc::new(
            PaperBroker::new(Arc::clone(&self.live), engine, Arc::clone(&self.clock))
                .with_id("sandbox")
                .with_sink(sink),
        );
        Ok(Accounts {
            live: Trading::live(Arc::clone(&self.live), Arc::clone(&symbols)),
            analyzer: Analyzer::new(analyzer, Arc::clone(&symbols)),
            symbols,
        })
    }
}

/// Installs new accounts and starts the analyzer's driver.
pub fn install(book: &AccountBook, accounts: Accounts) {
    // The driver stops by itself when the account is replaced again.
    drop(
        accounts
            .analyzer
            .paper()
            .spawn_driver(std::time::Duration::from_secs(1)),
    );
    book.install(accounts);
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_brokers::registry::{self, Connection};
    use openalgo_core::clock::{ManualClock, ms_from_ist};

    use crate::store::SqliteStore;

    /// The registry's Zerodha entry with app key `k`, as `BROKER=zerodha` would build it.
    fn session(dir: &std::path::Path, clock: Arc<ManualClock>) -> (BrokerSession, Arc<dyn Store>) {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
        let settings = registry::configure("zerodha", &|name| match name {
            "BROKER_API_KEY" => Some("k".into()),
            "BROKER_API_SECRET" => Some("s".into()),
            _ => None,
        })
        .expect("settings");
        let clock: Arc<dyn Clock> = clock;
        let Ok(Connection::Live(live_session)) = settings.connect(&clock) else {
            panic!("zerodha is a live broker");
        };
        let keys = Arc::new(ApiKeys::new(
            Arc::clone(&store),
            SecretString::from("p".repeat(40)),
            b"0123456789abcdef",
        ));
        let s = BrokerSession::new(
            settings.entry(),
            Arc::clone(&live_session),
            live_session.broker(),
            SessionParts {
                store: Arc::clone(&store),
                keys,
                writer: JournalWriter::spawn(Arc::clone(&store)),
                clock,
                sandbox_config: SandboxConfig::default(),
            },
            dir,
            NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
        );
        (s, store)
    }

    #[tokio::test]
    async fn the_master_refresh_rule_follows_the_reference() {
        let dir = std::env::temp_dir().join(format!("openalgo-bs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let at = |d: u32, h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("time")
        };
        let clock = Arc::new(ManualClock::at_ist(at(24, 10)));
        let (s, store) = session(&dir, Arc::clone(&clock));
        assert!(s.master_is_stale(), "never downloaded");
        std::fs::write(dir.join("zerodha_instruments.csv"), "x").expect("cache");
        let mark = |broker: &str, when| {
            store
                .set_setting(MASTER_KEY, &format!("{broker} {}", ms_from_ist(when)))
                .expect("setting");
        };
        mark("zerodha", at(24, 9));
        assert!(!s.master_is_stale(), "today after the cut-off: reuse");
        mark("zerodha", at(24, 7));
        assert!(s.master_is_stale(), "today before the cut-off: download");
        mark("zerodha", at(23, 15));
        assert!(s.master_is_stale(), "an earlier day: download");
        mark("dhan", at(24, 9));
        assert!(s.master_is_stale(), "another broker's master: download");
        mark("zerodha", at(24, 9));
        std::fs::remove_file(dir.join("zerodha_instruments.csv")).expect("rm");
        assert!(s.master_is_stale(), "no cached file: download");

        // The admin's token is kept encrypted and restored; revoked tokens are not.
        assert!(!s.has_session());
        let admin = store.create_admin("admin", "hash").expect("admin");
        store
            .save_broker_token(
                admin,
                "zerodha",
                &s.keys.cipher().encrypt("k:acc123"),
                None,
                1,
            )
            .expect("token");
        let _ = s.restore();
        assert_eq!(
            s.session
                .stored_token()
                .map(|t| t.expose_secret().to_owned())
                .as_deref(),
            Some("k:acc123")
        );
        s.revoke(admin).expect("revoke");
        assert!(!s.has_session());
        let _ = s.restore();
        assert!(!s.has_session(), "a revoked token is not restored");
        let _ = std::fs::remove_dir_all(dir);
    }
}
