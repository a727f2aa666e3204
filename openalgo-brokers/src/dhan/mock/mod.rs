//! A local mock of DhanHQ v2, built from the documented formats: the REST API under `/v2`
//! (orders, books, positions, holdings, funds, market quotes, charts), the consent-login
//! endpoints, the public scrip master CSV, all on one port, the binary live market feed
//! WebSocket on another and the order-update WebSocket on a third. Tests point [`super::DhanConfig`] at it, inspect the requests it
//! received, inject errors and expire sessions.

mod data;
mod feed;
mod orders;
mod rest;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;
use serde_json::Value;
use tokio::sync::broadcast;

pub use data::{MockInstrument, default_instruments, generate_master_csv, master_csv};

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query pairs (decoded).
    pub query: Vec<(String, String)>,
    /// The JSON body, when there was one.
    pub body: Option<Value>,
    /// `access-token` header.
    pub access_token: Option<String>,
    /// `client-id` header.
    pub client_id: Option<String>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// `Accept` header.
    pub accept: Option<String>,
    /// `app_id` header (consent endpoints).
    pub app_id: Option<String>,
    /// `app_secret` header (consent endpoints).
    pub app_secret: Option<String>,
}

/// An error the mock answers the next matching request with, in Dhan's envelope.
#[derive(Debug, Clone)]
pub struct Injected {
    /// HTTP method to match.
    pub method: String,
    /// Path prefix to match.
    pub path_prefix: String,
    /// HTTP status.
    pub status: u16,
    /// `errorCode` (`DH-9xx`).
    pub code: String,
    /// `errorType`.
    pub error_type: String,
    /// `errorMessage`.
    pub message: String,
}

/// An order in the mock's book.
#[derive(Debug, Clone)]
pub(crate) struct MockOrder {
    pub(crate) order_id: String,
    pub(crate) status: String,
    pub(crate) security_id: u32,
    pub(crate) segment: String,
    pub(crate) trading_symbol: String,
    pub(crate) transaction_type: String,
    pub(crate) order_type: String,
    pub(crate) product_type: String,
    pub(crate) validity: String,
    pub(crate) quantity: u64,
    pub(crate) filled: u64,
    pub(crate) price: Decimal,
    pub(crate) trigger_price: Decimal,
    pub(crate) average: Decimal,
    pub(crate) disclosed: u64,
    pub(crate) correlation_id: Option<String>,
    pub(crate) time: String,
}

/// A fill.
#[derive(Debug, Clone)]
pub(crate) struct MockTrade {
    pub(crate) order_id: String,
    pub(crate) security_id: u32,
    pub(crate) segment: String,
    pub(crate) trading_symbol: String,
    pub(crate) product_type: String,
    pub(crate) order_type: String,
    pub(crate) transaction_type: String,
    pub(crate) quantity: u64,
    pub(crate) price: Decimal,
    pub(crate) time: String,
}

/// Everything the mock knows.
#[derive(Debug)]
pub(crate) struct MockState {
    pub(crate) client_id: String,
    pub(crate) app_key: String,
    pub(crate) app_secret: String,
    pub(crate) access_tokens: HashSet<String>,
    pub(crate) consents: HashSet<String>,
    pub(crate) token_ids: HashSet<String>,
    pub(crate) issued: u64,
    pub(crate) instruments: Vec<MockInstrument>,
    pub(crate) csv: Arc<String>,
    pub(crate) prices: HashMap<u32, Decimal>,
    pub(crate) orders: Vec<MockOrder>,
    pub(crate) trades: Vec<MockTrade>,
    pub(crate) next_order: u64,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) injected: Vec<Injected>,
    pub(crate) feed_messages: Vec<String>,
    pub(crate) feed_connections: u64,
    /// `order_alert` messages for the order-update socket.
    pub(crate) order_alerts: broadcast::Sender<String>,
}

impl MockState {
    pub(crate) fn instrument(&self, segment: &str, security_id: u32) -> Option<&MockInstrument> {
        self.instruments
            .iter()
            .find(|i| i.security_id == security_id && i.dhan_segment() == Some(segment))
    }

    pub(crate) fn price(&self, security_id: u32) -> Decimal {
        self.prices
            .get(&security_id)
            .copied()
            .unwrap_or(Decimal::ONE_HUNDRED)
    }
}

/// Commands to live feed connections.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FeedCommand {
    /// Close every connection (tests reconnects).
    DropAll,
    /// Send a disconnect packet with this reason, then close.
    Disconnect(u16),
}

/// A running mock DhanHQ. Dropping the last clone stops it.
#[derive(Debug, Clone)]
pub struct MockDhan {
    state: Arc<Mutex<MockState>>,
    rest: SocketAddr,
    ws: SocketAddr,
    orders: SocketAddr,
    commands: broadcast::Sender<FeedCommand>,
    _tasks: Arc<TaskGuard>,
}

#[derive(Debug)]
struct TaskGuard(Vec<tokio::task::JoinHandle<()>>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

impl MockDhan {
    /// Starts the REST and feed servers on free local ports with the default instruments, for
    /// `client_id` and the consent app (`app_key`, `app_secret`).
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(client_id: &str, app_key: &str, app_secret: &str) -> Self {
        Self::start_with(client_id, app_key, app_secret, default_instruments()).await
    }

    /// Starts with the given instruments.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start_with(
        client_id: &str,
        app_key: &str,
        app_secret: &str,
        instruments: Vec<MockInstrument>,
    ) -> Self {
        let state = Arc::new(Mutex::new(MockState {
            client_id: client_id.to_owned(),
            app_key: app_key.to_owned(),
            app_secret: app_secret.to_owned(),
            access_tokens: HashSet::new(),
            consents: HashSet::new(),
            token_ids: HashSet::new(),
            issued: 0,
            csv: Arc::new(master_csv(&instruments)),
            prices: instruments
                .iter()
                .map(|i| (i.security_id, i.price))
                .collect(),
            instruments,
            orders: Vec::new(),
            trades: Vec::new(),
            next_order: 112_111_182_001,
            requests: Vec::new(),
            injected: Vec::new(),
            feed_messages: Vec::new(),
            feed_connections: 0,
            order_alerts: broadcast::channel(256).0,
        }));
        let (commands, _) = broadcast::channel(64);
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock REST port");
        let ws_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock feed port");
        let orders_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock order-update port");
        let orders = orders_listener.local_addr().expect("local address");
        let rest = rest_listener.local_addr().expect("local address");
        let ws = ws_listener.local_addr().expect("local address");
        let tasks = vec![
            tokio::spawn(rest::serve(rest_listener, Arc::clone(&state))),
            tokio::spawn(orders::serve(orders_listener, Arc::clone(&state))),
            tokio::spawn(feed::serve(
                ws_listener,
                Arc::clone(&state),
                commands.clone(),
            )),
        ];
        Self {
            state,
            rest,
            ws,
            orders,
            commands,
            _tasks: Arc::new(TaskGuard(tasks)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// REST root (`http://127.0.0.1:<port>/v2`).
    #[must_use]
    pub fn rest_url(&self) -> String {
        format!("http://{}/v2", self.rest)
    }

    /// Consent-login host (`http://127.0.0.1:<port>`).
    #[must_use]
    pub fn auth_url(&self) -> String {
        format!("http://{}", self.rest)
    }

    /// Live feed root (`ws://127.0.0.1:<port>`).
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws)
    }

    /// Order-update socket (`ws://127.0.0.1:<port>`).
    #[must_use]
    pub fn order_ws_url(&self) -> String {
        format!("ws://{}", self.orders)
    }

    /// Scrip master URL.
    #[must_use]
    pub fn master_url(&self) -> String {
        format!("http://{}/api-data/api-scrip-master.csv", self.rest)
    }

    /// Issues an access token as Dhan's web console does (valid until sessions expire).
    #[must_use]
    pub fn issue_access_token(&self) -> String {
        let mut s = self.lock();
        s.issued += 1;
        let token = format!("eyJmock.{:06}.{}", s.issued, s.client_id);
        s.access_tokens.insert(token.clone());
        token
    }

    /// Issues a consent `tokenId` as if the user had logged in on Dhan's consent page.
    #[must_use]
    pub fn issue_token_id(&self) -> String {
        let mut s = self.lock();
        s.issued += 1;
        let token = format!("tokid-{:06}", s.issued);
        s.token_ids.insert(token.clone());
        token
    }

    /// Expires every session: later calls get 401 `DH-901`, live feed connections get a
    /// disconnect packet (807, token expired) and are closed, new ones are refused.
    pub fn expire_sessions(&self) {
        self.lock().access_tokens.clear();
        let _ = self.commands.send(FeedCommand::Disconnect(807));
    }

    /// Answers the next request matching `method` and `path_prefix` (e.g. `/v2/orders`) with
    /// Dhan's error envelope.
    pub fn inject_error(
        &self,
        method: &str,
        path_prefix: &str,
        status: u16,
        code: &str,
        error_type: &str,
        message: &str,
    ) {
        self.lock().injected.push(Injected {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            status,
            code: code.to_owned(),
            error_type: error_type.to_owned(),
            message: message.to_owned(),
        });
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The last request to `path` with `method`.
    #[must_use]
    pub fn last_request(&self, method: &str, path: &str) -> Option<Recorded> {
        self.lock()
            .requests
            .iter()
            .rev()
            .find(|r| r.method == method && r.path == path)
            .cloned()
    }

    /// Text messages the feed received from clients, in order.
    #[must_use]
    pub fn feed_messages(&self) -> Vec<String> {
        self.lock().feed_messages.clone()
    }

    /// Feed connections accepted so far.
    #[must_use]
    pub fn feed_connections(&self) -> u64 {
        self.lock().feed_connections
    }

    /// Closes every feed connection (the client should reconnect and re-subscribe).
    pub fn drop_feed_connections(&self) {
        let _ = self.commands.send(FeedCommand::DropAll);
    }

    /// Sets an instrument's last price (quotes, fills and ticks use it).
    pub fn set_price(&self, security_id: u32, price: Decimal) {
        self.lock().prices.insert(security_id, price);
    }

    /// Orders in the book: (order id, Dhan status).
    #[must_use]
    pub fn order_statuses(&self) -> Vec<(String, String)> {
        self.lock()
            .orders
            .iter()
            .map(|o| (o.order_id.clone(), o.status.clone()))
            .collect()
    }
}
