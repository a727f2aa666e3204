//! Real-time market data over WebSocket (websocket §2): the client protocol on its own port
//! (default 127.0.0.1:8765, any path), a fan-out hub with reference-counted upstream
//! subscriptions and per-client outboxes, and the feeds that drive it: the market broker's
//! tick stream and both accounts' order updates.

pub mod bus;
mod feed;
mod flusher;
pub mod health;
pub mod hub;
pub mod outbox;
mod session;
pub(crate) mod upgrade;
mod watchdog;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

pub use hub::{ClientId, Hub};

use openalgo_brokers::latency::LatencyMonitor;
use openalgo_core::Broker;
use openalgo_core::calendar::MarketCalendar;
use openalgo_core::clock::Clock;

use crate::auth::ApiKeys;
use crate::state::AccountBook;
use crate::store::Store;

/// Connection timing (websocket §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Unauthenticated grace (`WS_AUTH_GRACE_SECONDS`, 15 s).
    pub auth_grace: std::time::Duration,
    /// Keepalive ping interval (`WS_PING_INTERVAL`, 20 s).
    pub ping_interval: std::time::Duration,
    /// Pong deadline (`WS_PING_TIMEOUT`, 20 s).
    pub ping_timeout: std::time::Duration,
    /// Silence of the upstream market stream, while its instruments should tick, after which
    /// it is reconnected and clients are told the feed is stale (`WS_STALL_SECONDS`, 30 s).
    pub stall: std::time::Duration,
}

impl Default for Timing {
    fn default() -> Self {
        let s = std::time::Duration::from_secs;
        Self {
            auth_grace: s(15),
            ping_interval: s(20),
            ping_timeout: s(20),
            stall: s(30),
        }
    }
}

/// The upstream market stream shared between instances (Redis with `REDIS_URL`): one instance
/// (the leader of the broker session) subscribes upstream to what every instance's clients
/// hold, and hands every tick to all instances, itself included; the others subscribe nothing.
pub trait SharedFeed: Send + Sync + std::fmt::Debug {
    /// What this instance subscribes upstream: nothing unless it leads, then the union of every
    /// instance's upstream set.
    fn upstream(&self) -> Vec<openalgo_core::broker::Subscription>;
    /// Changes whenever [`SharedFeed::upstream`] may have changed (leadership, another
    /// instance's set).
    fn watch(&self) -> tokio::sync::watch::Receiver<u64>;
    /// Hands a tick received upstream to every instance (never blocks; dropped when behind).
    fn publish(&self, tick: &openalgo_core::market::Tick);
    /// Hands a shaped order update (the WebSocket message, JSON) of this instance's accounts to
    /// every instance's order subscribers, this one's included (never blocks).
    fn publish_order(&self, message: String);
}

/// What the stream's subsystems need from the rest of the server, and nothing more.
#[allow(missing_debug_implementations)]
pub struct StreamParts {
    /// The fan-out hub.
    pub hub: Arc<Hub>,
    /// The accounts (their paper engines and order updates) and their changes.
    pub book: Arc<AccountBook>,
    /// The market-data broker.
    pub market: Arc<dyn Broker>,
    /// API key verification.
    pub api_keys: Arc<ApiKeys>,
    /// Usernames of order updates.
    pub store: Arc<dyn Store>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Broker-call latencies (the stream's timings).
    pub latency: Arc<LatencyMonitor>,
    /// Exchange sessions and holidays (when the market stream should tick).
    pub calendar: Arc<MarketCalendar>,
}

/// What the connections share.
pub struct StreamContext {
    /// The fan-out hub.
    pub hub: Arc<Hub>,
    /// The accounts and their changes.
    pub book: Arc<AccountBook>,
    /// The market-data broker.
    pub market: Arc<dyn Broker>,
    /// API key verification.
    pub api_keys: Arc<ApiKeys>,
    store: Arc<dyn Store>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Broker-call latencies.
    pub latency: Arc<LatencyMonitor>,
    /// How long a connection may stay unauthenticated (`WS_AUTH_GRACE_SECONDS`).
    pub auth_grace: std::time::Duration,
    /// Keepalive ping interval (`WS_PING_INTERVAL`, 20 s).
    pub ping_interval: std::time::Duration,
    /// Time a ping may go unanswered before the connection closes (`WS_PING_TIMEOUT`, 20 s).
    pub ping_timeout: std::time::Duration,
    /// Exchange sessions and holidays (when the market stream should tick).
    pub calendar: Arc<MarketCalendar>,
    /// Upstream silence that counts as a stall (`WS_STALL_SECONDS`, 30 s).
    pub stall: std::time::Duration,
    names: Mutex<HashMap<i64, String>>,
    admin: std::sync::OnceLock<String>,
    /// The feed shared between instances; `None` subscribes upstream in process.
    shared: Option<Arc<dyn SharedFeed>>,
}

impl std::fmt::Debug for StreamContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamContext")
            .field("hub", &self.hub)
            .finish_non_exhaustive()
    }
}

impl StreamContext {
    /// A context over `parts`.
    #[must_use]
    pub fn new(parts: StreamParts, timing: Timing) -> Self {
        parts.hub.set_latency(Arc::clone(&parts.latency));
        Self {
            hub: parts.hub,
            book: parts.book,
            market: parts.market,
            api_keys: parts.api_keys,
            store: parts.store,
            clock: parts.clock,
            latency: parts.latency,
            auth_grace: timing.auth_grace,
            ping_interval: timing.ping_interval,
            ping_timeout: timing.ping_timeout,
            calendar: parts.calendar,
            stall: timing.stall,
            names: Mutex::default(),
            admin: std::sync::OnceLock::new(),
            shared: None,
        }
    }

    /// Shares the upstream stream with other instances through `feed`.
    #[must_use]
    pub fn with_shared_feed(mut self, feed: Arc<dyn SharedFeed>) -> Self {
        self.shared = Some(feed);
        self
    }

    /// The admin's username (the single user whose orders are streamed), read once.
    pub async fn username_of_admin(&self) -> String {
        if let Some(name) = self.admin.get() {
            return name.clone();
        }
        let store = Arc::clone(&self.store);
        let id = tokio::task::spawn_blocking(move || store.admin_id())
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        match id {
            Some(id) => {
                let name = self.username(id).await;
                self.admin.get_or_init(|| name).clone()
            }
            None => String::new(),
        }
    }

    /// The username of a user id (cached; `user<id>` when it cannot be read).
    pub async fn username(&self, user_id: i64) -> String {
        if let Some(n) = self
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&user_id)
        {
            return n.clone();
        }
        let store = Arc::clone(&self.store);
        let name = tokio::task::spawn_blocking(move || store.username(user_id))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .unwrap_or_else(|| format!("user{user_id}"));
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user_id, name.clone());
        name
    }
}

/// Per-connection buffers: small, so an idle client costs little (the library's defaults are
/// 128 KiB of read buffer each); the library's own writes (pongs, a close echo) go out at once
/// (our frames do not pass through it: see `wire`); messages up to 1 MiB as in the reference.
pub(crate) fn socket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(1 << 20))
}

/// Accepts WebSocket connections on `listener` forever (any request path).
pub async fn accept(listener: tokio::net::TcpListener, ctx: Arc<StreamContext>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let ctx = Arc::clone(&ctx);
        tokio::spawn(session::serve_tcp(tcp, ctx));
    }
}

/// The optional ZeroMQ bus endpoints (`ZMQ_PUB_ENABLED` + `ZMQ_PUB_ADDRESS`,
/// `ZMQ_SUB_ENABLED` + `ZMQ_HOST`/`ZMQ_PORT`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusConfig {
    /// Where the PUB socket binds (e.g. `tcp://127.0.0.1:5556`).
    pub publish: Option<String>,
    /// Where the SUB socket binds (e.g. `tcp://127.0.0.1:5555`).
    pub subscribe: Option<String>,
}

/// Starts the bus, the feeds and the listener.
///
/// # Errors
/// When a socket cannot be set up or bound.
pub fn start(
    listener: std::net::TcpListener,
    ctx: Arc<StreamContext>,
    bus_config: &BusConfig,
) -> std::io::Result<()> {
    let publisher = match &bus_config.publish {
        Some(endpoint) => Some(bus::start_publisher(endpoint)?),
        None => None,
    };
    if let Some(endpoint) = &bus_config.subscribe {
        bus::start_subscriber(endpoint, Arc::clone(&ctx.hub))?;
    }
    listener.set_nonblocking(true)?;
    let rt = runtime()?;
    let _entered = rt.enter();
    let listener = tokio::net::TcpListener::from_std(listener)?;
    feed::spawn(&ctx, publisher);
    rt.spawn(accept(listener, ctx));
    Ok(())
}

/// The runtime the feed runs on: its own worker threads (one per core), so fan-out and the
/// connections' writers are not confined to the HTTP server's single-threaded system arbiter.
/// One per process, shared by every server in it.
pub(crate) fn runtime() -> std::io::Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, usize::from))
        .thread_name("feed")
        .enable_all()
        .build()?;
    Ok(RUNTIME.get_or_init(|| rt))
}
