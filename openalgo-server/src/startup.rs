//! [`Application::build`]: everything from settings to a bound listener, as a library function
//! so tests can run the real server on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use openalgo_brokers::paper::PaperBroker;
use openalgo_brokers::registry::{BrokerEntry, Connection, LiveSession, PaperMarket};
use openalgo_core::calendar::MarketCalendar;
use openalgo_core::clock::{Clock, SystemClock};
use openalgo_core::sandbox::SandboxConfig;

use crate::app::{ANALYZE_KEY, AppParts, AppState};
use crate::auth::ApiKeys;
use crate::broker_session::{BrokerSession, SessionParts};
use crate::journal::{JournalWriter, Restore, RestoreError, StoreSink, restore_account};
use crate::routes;
use crate::sandbox_settings::SandboxOverrides;
use crate::settings::Settings;
use crate::state::{AccountBook, Accounts, Analyzer, Trading};
use crate::store::{PgStore, SqliteStore, Store};

/// Restores the accounts from the store (an instance taking them over).
type Rebuild = Box<dyn Fn() -> Result<Accounts, String> + Send + Sync>;

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    ws: TcpListener,
    ws_port: u16,
    stream: Arc<crate::stream::StreamContext>,
    bus: crate::stream::BusConfig,
    risk_interval: std::time::Duration,
    /// The shared Redis (`REDIS_URL`), whose listeners run with the server.
    redis: Option<Arc<crate::cluster::Redis>>,
    /// The market stream shared between instances (`REDIS_URL`).
    shared_feed: Option<Arc<crate::cluster::feed::RedisFeed>>,
    /// The accounts' lease and how to take the accounts over (`REDIS_URL`).
    holder: Option<(
        Arc<crate::cluster::holder::AccountHolder>,
        Arc<dyn crate::cluster::holder::Installer>,
    )>,
}

/// Startup failures.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A paper account could not be restored.
    #[error(transparent)]
    Restore(#[from] RestoreError),
    /// The calendar override file is unreadable or malformed.
    #[error("{path}: {reason}")]
    Calendar {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The live broker adapter could not be built.
    #[error(transparent)]
    Broker(#[from] openalgo_core::BrokerError),
    /// `REDIS_URL` cannot be used.
    #[error(transparent)]
    Redis(#[from] crate::cluster::RedisError),
    /// The forwarding between instances cannot be set up.
    #[error("cluster forwarding: {0}")]
    Cluster(String),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// Address.
        address: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Opens the configured store: PostgreSQL when `DATABASE_URL` names it, else the SQLite file.
///
/// # Errors
/// [`StartupError::Store`].
pub fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, StartupError> {
    use secrecy::ExposeSecret;
    if let Some(pg) = &settings.postgres {
        return Ok(Arc::new(PgStore::open(
            pg.url.expose_secret(),
            pg.pool_size,
        )?));
    }
    Ok(Arc::new(SqliteStore::open(&settings.database_path)?))
}

/// Connections of the traffic log's pool on PostgreSQL.
const LOG_POOL_SIZE: usize = 2;

/// The database of the traffic log: a file of its own beside the main one (as the reference's
/// logs database), so that logging every request never contends with order commits; in memory
/// when the main database is. On PostgreSQL, the same database through a small pool of its
/// own (the log's writes never wait for a connection the order desk holds).
///
/// # Errors
/// [`StartupError::Store`].
pub fn open_log_store(settings: &Settings) -> Result<Arc<dyn Store>, StartupError> {
    use secrecy::ExposeSecret;
    if let Some(pg) = &settings.postgres {
        return Ok(Arc::new(PgStore::open(
            pg.url.expose_secret(),
            LOG_POOL_SIZE,
        )?));
    }
    if settings.database_path.as_os_str() == ":memory:" {
        return Ok(Arc::new(SqliteStore::in_memory()?));
    }
    let path = settings
        .database_path
        .parent()
        .map_or_else(|| settings.data_dir.join("logs.db"), |d| d.join("logs.db"));
    Ok(Arc::new(SqliteStore::open_without_order_journal(&path)?))
}

/// The bundled market calendar, extended by `market_calendar.json` in the data directory.
///
/// # Errors
/// [`StartupError::Calendar`] when the file exists but cannot be used.
pub fn load_calendar(data_dir: &std::path::Path) -> Result<MarketCalendar, StartupError> {
    let mut calendar = MarketCalendar::bundled();
    let path = data_dir.join("market_calendar.json");
    let bad = |reason: String| StartupError::Calendar {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let days = calendar.merge_json(&text).map_err(|e| bad(e.to_string()))?;
            tracing::info!(days, path = %path.display(), "market calendar override loaded");
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(bad(e.to_string())),
    }
    Ok(calendar)
}

/// A broker without a login (the simulator): its market's data (timed) behind two paper
/// accounts, the live one named after the broker. Kept after startup: an instance that takes
/// the accounts over from another one restores them again from the store.
struct PaperAccounts {
    entry: &'static BrokerEntry,
    symbols: Arc<openalgo_core::SymbolTable>,
    sandbox_config: SandboxConfig,
    data: Arc<dyn openalgo_core::Broker>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    writer: JournalWriter,
}

impl PaperAccounts {
    fn new(
        entry: &'static BrokerEntry,
        paper: PaperMarket,
        store: &Arc<dyn Store>,
        clock: &Arc<dyn Clock>,
        writer: &JournalWriter,
        latency: &Arc<openalgo_brokers::latency::LatencyMonitor>,
    ) -> Self {
        // Every call to the market's broker is timed (the latency monitor).
        let data: Arc<dyn openalgo_core::Broker> = Arc::new(openalgo_brokers::latency::Timed::new(
            paper.market,
            Arc::clone(latency),
        ));
        Self {
            entry,
            symbols: paper.symbols,
            sandbox_config: SandboxConfig {
                mis_cutoffs: paper.mis_cutoffs,
                ..SandboxConfig::default()
            },
            data,
            store: Arc::clone(store),
            clock: Arc::clone(clock),
            writer: writer.clone(),
        }
    }

    fn account(
        &self,
        id: &'static str,
        order_seq_base: u64,
        mode: Restore,
    ) -> Result<Arc<PaperBroker>, StartupError> {
        let mut config = SandboxConfig {
            order_seq_base,
            ..self.sandbox_config.clone()
        };
        // The analyzer keeps the settings edited on the sandbox page.
        if id == "sandbox" {
            config = SandboxOverrides::applied(self.store.as_ref(), config)?;
        }
        let engine = restore_account(
            self.store.as_ref(),
            id,
            config,
            Arc::clone(&self.symbols),
            self.clock.now_ist(),
            mode,
        )?;
        let sink = Arc::new(StoreSink::new(self.writer.clone(), id));
        Ok(Arc::new(
            PaperBroker::new(Arc::clone(&self.data), engine, Arc::clone(&self.clock))
                .with_id(id)
                .with_sink(sink),
        ))
    }

    /// Both accounts, restored from the store (rewriting the journal only as its `mode` says).
    fn accounts(&self, mode: Restore) -> Result<Accounts, StartupError> {
        // Distinct order-id ranges: an analyzer order id never finds a live order.
        let live = Trading::new(
            self.account(self.entry.name, 0, mode)?,
            Arc::clone(&self.symbols),
        );
        let analyzer = Analyzer::new(
            self.account("sandbox", 50_000_000, mode)?,
            Arc::clone(&self.symbols),
        );
        Ok(Accounts {
            live,
            analyzer,
            symbols: Arc::clone(&self.symbols),
        })
    }
}

/// How an instance of a cluster installs the accounts when it takes them over: restored from
/// the store with their risk state and the analyzer switch, drivers started, then served.
struct Takeover {
    book: Arc<AccountBook>,
    store: Arc<dyn Store>,
    risk: crate::risk::RiskDefaults,
    simulated: bool,
    rebuild: Box<dyn Fn() -> Result<Accounts, String> + Send + Sync>,
}

impl crate::cluster::holder::Installer for Takeover {
    fn restore(&self) -> Result<(), String> {
        let accounts = (self.rebuild)()?;
        crate::risk::reload(
            self.store.as_ref(),
            self.book.risk(),
            &self.risk,
            self.simulated,
        )
        .map_err(|e| e.to_string())?;
        let analyze = self
            .store
            .setting(ANALYZE_KEY)
            .map_err(|e| e.to_string())?
            .as_deref()
            == Some("true");
        for (paper, _) in accounts.paper_accounts() {
            // Each driver stops by itself when its account is replaced.
            drop(paper.spawn_driver(std::time::Duration::from_secs(1)));
        }
        self.book.install(accounts);
        self.book.set_mode(if analyze {
            crate::state::Mode::Analyze
        } else {
            crate::state::Mode::Live
        });
        self.book.serving().set(true);
        Ok(())
    }

    fn dormant(&self) {
        self.book.serving().set(false);
    }
}

/// A broker with a login: its adapter (timed) for the live account and the analyzer's market
/// data, behind the session manager.
fn live_session(
    entry: &'static BrokerEntry,
    session: Arc<dyn LiveSession>,
    settings: &Settings,
    parts: SessionParts,
    latency: &Arc<openalgo_brokers::latency::LatencyMonitor>,
) -> Arc<BrokerSession> {
    let live: Arc<dyn openalgo_core::Broker> = Arc::new(openalgo_brokers::latency::Timed::new(
        session.broker(),
        Arc::clone(latency),
    ));
    Arc::new(BrokerSession::new(
        entry,
        session,
        live,
        parts,
        &settings.data_dir,
        settings.master_cutoff,
    ))
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens the store, builds the configured broker and binds the listener.
    ///
    /// # Errors
    /// [`StartupError`].
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let store = open_store(settings)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Self::build_with(settings, store, &clock)
    }

    /// As [`Application::build`] with a given store and clock (tests).
    ///
    /// # Errors
    /// [`StartupError::Bind`].
    pub fn build_with(
        settings: &Settings,
        store: Arc<dyn Store>,
        clock: &Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let build_started = std::time::Instant::now();
        let latency = Arc::new(openalgo_brokers::latency::LatencyMonitor::default());
        let redis = settings
            .redis
            .as_ref()
            .map(crate::cluster::Redis::new)
            .transpose()?;
        // With several instances, this one serves the accounts only once it holds their lease.
        let serving = crate::state::Serving::new(redis.is_none());
        // With several instances the journal is rewritten only by the one holding the
        // accounts (on taking them over), never by one merely starting up.
        let at_start = if redis.is_none() {
            Restore::Owner
        } else {
            Restore::ReadOnly
        };
        let writer = JournalWriter::spawn(Arc::clone(&store)).with_fence(serving.clone());
        let mut api_keys = ApiKeys::new(
            Arc::clone(&store),
            settings.pepper.clone(),
            &settings.fernet_salt,
        );
        if let Some(redis) = &redis {
            api_keys = api_keys.with_bus(Arc::new(crate::cluster::key_bus::RedisKeyBus::new(
                Arc::clone(redis),
            )));
        }
        let api_keys = Arc::new(api_keys);
        let entry = settings.broker_settings.entry();
        let (accounts, market, broker_session, rebuild) =
            match settings.broker_settings.connect(clock)? {
                Connection::Paper(paper) => {
                    let paper = PaperAccounts::new(entry, paper, &store, clock, &writer, &latency);
                    let accounts = paper.accounts(at_start)?;
                    let market = Arc::clone(&paper.data);
                    let rebuild: Rebuild =
                        Box::new(move || paper.accounts(Restore::Owner).map_err(|e| e.to_string()));
                    (accounts, market, None, rebuild)
                }
                Connection::Live(session) => {
                    let parts = SessionParts {
                        store: Arc::clone(&store),
                        keys: Arc::clone(&api_keys),
                        writer: writer.clone(),
                        clock: Arc::clone(clock),
                        sandbox_config: SandboxConfig::default(),
                    };
                    let session = live_session(entry, session, settings, parts, &latency);
                    let symbols = session.restore();
                    let accounts = session.accounts(symbols, at_start)?;
                    let again = Arc::clone(&session);
                    let rebuild: Rebuild = Box::new(move || {
                        again
                            .accounts(again.restore(), Restore::Owner)
                            .map_err(|e| e.to_string())
                    });
                    (accounts, Arc::clone(&session.live), Some(session), rebuild)
                }
            };
        let bans = crate::security::BanList::new(store.bans()?);
        let traffic = crate::security::traffic::TrafficLog::spawn(
            open_log_store(settings)?,
            Arc::clone(&store),
            settings.security.retention,
            Arc::clone(clock),
        );
        let security = Arc::new(crate::security::SecurityState::new(
            settings.security.clone(),
            bans,
            traffic,
            Arc::clone(&store),
            Arc::clone(clock),
        ));
        let analyze = store.setting(ANALYZE_KEY)?.as_deref() == Some("true");
        let simulated = accounts.live.paper.is_some();
        let gates = crate::risk::load(store.as_ref(), &settings.risk, simulated)?;
        let book = Arc::new(AccountBook::new(accounts, analyze, gates).with_serving(serving));
        let hub = Arc::new(crate::stream::Hub::new(market.id()));
        let orders = crate::orders::OrderDesk::new(
            Arc::clone(&book),
            Arc::clone(&store),
            writer,
            Arc::clone(clock),
        );
        let calendar = Arc::new(load_calendar(&settings.data_dir)?);
        let stream_parts = crate::stream::StreamParts {
            hub: Arc::clone(&hub),
            book: Arc::clone(&book),
            market: Arc::clone(&market),
            api_keys: Arc::clone(&api_keys),
            store: Arc::clone(&store),
            clock: Arc::clone(clock),
            latency: Arc::clone(&latency),
            calendar: Arc::clone(&calendar),
        };
        let state = AppState::new(AppParts {
            accounts: book,
            market,
            broker_session,
            api_keys,
            store,
            orders,
            security: Arc::clone(&security),
            clock: Arc::clone(clock),
            latency,
            hub,
            pnl: Arc::default(),
        })
        .with_calendar(calendar);
        let state = match &redis {
            Some(redis) => state.with_sessions(Arc::new(
                crate::cluster::sessions::RedisSessions::new(Arc::clone(redis)),
            )),
            None => state,
        };
        let address = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?
            .port();
        let holder = match (&redis, &settings.redis) {
            (Some(redis), Some(config)) => {
                let address = config.advertise.clone().unwrap_or_else(|| {
                    let host = match settings.host.as_str() {
                        "0.0.0.0" | "" => "127.0.0.1",
                        "::" => "[::1]",
                        h => h,
                    };
                    format!("http://{host}:{port}")
                });
                let holder =
                    crate::cluster::holder::AccountHolder::new(Arc::clone(redis), &address);
                let takeover: Arc<dyn crate::cluster::holder::Installer> = Arc::new(Takeover {
                    book: Arc::clone(&state.book),
                    store: Arc::clone(&state.store),
                    risk: settings.risk.clone(),
                    simulated,
                    rebuild,
                });
                Some((holder, takeover))
            }
            _ => None,
        };
        let forwarding = match &holder {
            Some((h, _)) => Some(
                crate::cluster::forward::Forwarding::new(
                    Arc::clone(h),
                    settings.security.app_key.clone(),
                    crate::routes::v1::table::serves_anywhere,
                )
                .map_err(|e| StartupError::Cluster(e.to_string()))?,
            ),
            None => None,
        };
        let forwarding = web::Data::new(forwarding);
        let ws_address = format!("{}:{}", settings.ws_host, settings.ws_port);
        let bind_ws = |source| StartupError::Bind {
            address: ws_address.clone(),
            source,
        };
        let ws = TcpListener::bind(&ws_address).map_err(bind_ws)?;
        let ws_port = ws.local_addr().map_err(bind_ws)?.port();
        let data = web::Data::new(state.clone());
        let mut stream_ctx = crate::stream::StreamContext::new(stream_parts, settings.ws_timing);
        let shared_feed = redis
            .as_ref()
            .map(|r| crate::cluster::feed::RedisFeed::new(Arc::clone(r), entry.name));
        if let Some(feed) = &shared_feed {
            stream_ctx = stream_ctx.with_shared_feed(Arc::clone(feed) as _);
        }
        let stream_ctx = Arc::new(stream_ctx);
        let security_data = web::Data::from(security);
        let stream_data = web::Data::new(Arc::clone(&stream_ctx));
        let started = web::Data::new(crate::routes::health::Started {
            at: std::time::Instant::now(),
            build_ms: build_started.elapsed().as_millis(),
        });
        let mut limiter = crate::rate_limit::RateLimiter::new(
            settings.rate_limits,
            crate::routes::v1::table::rate_class,
        );
        if let Some(redis) = &redis {
            limiter = limiter.with_shared(Arc::new(crate::cluster::windows::RedisWindows::new(
                Arc::clone(redis),
            )));
        }
        let limiter = web::Data::new(limiter);
        let security_config = web::Data::new(settings.security.clone());
        let metrics_access = web::Data::new(settings.metrics.clone());
        let headers = web::Data::new(crate::security::SecurityHeaders::new(&settings.security));
        let server = HttpServer::new(move || {
            use actix_web::middleware::from_fn;
            App::new()
                .app_data(data.clone())
                .app_data(limiter.clone())
                .app_data(started.clone())
                .app_data(security_config.clone())
                .app_data(headers.clone())
                .app_data(stream_data.clone())
                .app_data(security_data.clone())
                .app_data(metrics_access.clone())
                .app_data(forwarding.clone())
                .route("/ws", web::get().to(crate::stream::upgrade::route))
                .configure(crate::broker_login::configure)
                .configure(routes::configure)
                .configure(crate::web::configure)
                .configure(crate::webhooks::configure)
                // Outermost last: the metrics (every request timed), headers on every answer,
                // then the traffic log, the ban guard (before any work), CORS.
                // Innermost: account requests go to the instance holding the accounts.
                .wrap(from_fn(crate::cluster::forward::route))
                .wrap(from_fn(crate::security::cors::apply))
                .wrap(from_fn(crate::security::guard))
                .wrap(from_fn(crate::security::traffic::record))
                .wrap(from_fn(crate::security::headers::add))
                .wrap(from_fn(crate::request_id::trace))
                .wrap(from_fn(crate::metrics::http::observe))
        })
        .shutdown_timeout(2)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: format!("port {port}"),
            source,
        })?
        .run();
        Ok(Self {
            port,
            server,
            state,
            ws,
            ws_port,
            stream: stream_ctx,
            bus: settings.bus.clone(),
            risk_interval: settings.risk.pnl_interval,
            redis,
            shared_feed,
            holder,
        })
    }

    /// The bound port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// The bound WebSocket port.
    #[must_use]
    pub const fn ws_port(&self) -> u16 {
        self.ws_port
    }

    /// A handle that stops the server (graceful when `true` is passed to `stop`).
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Shared state (tests reach the broker through it).
    #[must_use]
    pub const fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until stopped; the paper engine's driver and the P&L sampler run alongside.
    ///
    /// # Errors
    /// When the HTTP server fails.
    pub async fn run(self) -> std::io::Result<()> {
        crate::stream::start(self.ws, Arc::clone(&self.stream), &self.bus)?;
        let period = std::time::Duration::from_secs(1);
        let mut drivers: Vec<_> = self
            .state
            .accounts()
            .paper_accounts()
            .into_iter()
            .map(|(account, _)| account.spawn_driver(period))
            .collect();
        drivers.push(crate::pnl::spawn_sampler(
            Arc::clone(&self.state.book),
            Arc::clone(&self.state.pnl),
            Arc::clone(&self.state.clock),
            std::time::Duration::from_secs(10),
        ));
        drivers.push(crate::orders::idempotency::spawn_purge(
            Arc::clone(&self.state.store),
            Arc::clone(&self.state.clock),
            std::time::Duration::from_secs(3_600),
        ));
        let monitor = crate::risk::monitor::Monitor {
            book: Arc::clone(&self.state.book),
            store: Arc::clone(&self.state.store),
            clock: Arc::clone(&self.state.clock),
        };
        drivers.push(tokio::spawn(monitor.run(self.risk_interval)));
        if let Some(feed) = &self.shared_feed {
            // On the feed's runtime, beside the market loop it drives.
            let rt = crate::stream::runtime()?;
            let _entered = rt.enter();
            drivers.extend(feed.run(&self.state.hub));
        }
        if let Some(redis) = &self.redis {
            drivers.push(tokio::spawn(crate::cluster::key_bus::listen(
                Arc::clone(redis),
                Arc::clone(&self.state.api_keys),
            )));
        }
        drivers.push(tokio::spawn(crate::webhooks::square_off::run(
            self.state.clone(),
            std::time::Duration::from_secs(1),
        )));
        let lease = self
            .holder
            .as_ref()
            .map(|(holder, takeover)| tokio::spawn(Arc::clone(holder).run(Arc::clone(takeover))));
        let result = self.server.await;
        if let (Some(lease), Some((holder, takeover))) = (lease, &self.holder) {
            // Stopped: the accounts go to another instance at once, not after the lease
            // expires (the renewals end first, so none takes the lease back).
            lease.abort();
            let _ = lease.await;
            takeover.dormant();
            holder.release().await;
        }
        for d in drivers {
            d.abort();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("openalgo-cal-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn the_calendar_override_file_extends_the_bundled_calendar() {
        let dir = temp_dir("ok");
        assert!(
            load_calendar(&dir)
                .expect("no file")
                .year(2027)
                .next()
                .is_none()
        );
        std::fs::write(
            dir.join("market_calendar.json"),
            r#"{"days":[{"date":"2027-01-26","description":"Republic Day","holiday_type":"TRADING_HOLIDAY"}]}"#,
        )
        .expect("write");
        assert_eq!(load_calendar(&dir).expect("override").year(2027).count(), 1);
        std::fs::write(dir.join("market_calendar.json"), "{").expect("write");
        let err = load_calendar(&dir).expect_err("malformed");
        assert!(err.to_string().contains("market_calendar.json"), "{err}");
        std::fs::remove_dir_all(dir).expect("cleanup");
    }
}
