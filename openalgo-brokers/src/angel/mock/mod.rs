//! A local mock of Angel One SmartAPI, built from the documented formats: the REST API (login,
//! profile, orders, books, portfolio, RMS, market-data quotes, candles) and the public
//! instrument master on one port, the SmartStream v2 WebSocket (binary packets) on another.
//! Tests point [`super::AngelConfig`] at it, inspect the requests it received, inject errors
//! and throttling, and expire sessions.

mod data;
mod rest;
mod stream;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;
use tokio::sync::broadcast;

pub use data::{MockInstrument, default_instruments, generate_master_json, master_json};

/// The client code the mock accepts.
pub const CLIENT_CODE: &str = "A123456";
/// The PIN the mock accepts.
pub const PIN: &str = "1234";
/// The TOTP the mock accepts.
pub const TOTP: &str = "654321";
/// The master's path on the mock's REST port.
pub const MASTER_PATH: &str = "/OpenAPI_File/files/OpenAPIScripMaster.json";

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Every header, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The JSON body's keys, in the order sent.
    pub body_keys: Vec<String>,
    /// The JSON body (`null` without one).
    pub body: serde_json::Value,
}

impl Recorded {
    /// A header's value.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A body field as text (strings as they are, numbers as written).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<String> {
        match self.body.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// An error the mock answers the next matching request with.
#[derive(Debug, Clone)]
pub(crate) struct Injected {
    pub(crate) path_prefix: String,
    pub(crate) status: u16,
    /// `None`: a plain-text body (the throttling answer).
    pub(crate) errorcode: Option<String>,
    pub(crate) message: String,
}

/// An order in the mock's book.
#[derive(Debug, Clone)]
pub(crate) struct MockOrder {
    pub(crate) orderid: String,
    pub(crate) status: String,
    pub(crate) variety: String,
    pub(crate) tradingsymbol: String,
    pub(crate) symboltoken: String,
    pub(crate) exchange: String,
    pub(crate) transactiontype: String,
    pub(crate) ordertype: String,
    pub(crate) producttype: String,
    pub(crate) quantity: u64,
    pub(crate) filled: u64,
    pub(crate) price: Decimal,
    pub(crate) triggerprice: Decimal,
    pub(crate) averageprice: Decimal,
    pub(crate) updatetime: String,
}

/// A fill.
#[derive(Debug, Clone)]
pub(crate) struct MockTrade {
    pub(crate) orderid: String,
    pub(crate) tradingsymbol: String,
    pub(crate) symboltoken: String,
    pub(crate) exchange: String,
    pub(crate) producttype: String,
    pub(crate) transactiontype: String,
    pub(crate) price: Decimal,
    pub(crate) quantity: u64,
    pub(crate) filltime: String,
}

/// Everything the mock knows.
#[derive(Debug)]
pub(crate) struct MockState {
    pub(crate) api_key: String,
    pub(crate) jwts: HashSet<String>,
    pub(crate) feed_tokens: HashSet<String>,
    pub(crate) issued: u64,
    pub(crate) instruments: Vec<MockInstrument>,
    pub(crate) master: Arc<String>,
    pub(crate) prices: HashMap<String, Decimal>,
    pub(crate) orders: Vec<MockOrder>,
    pub(crate) trades: Vec<MockTrade>,
    pub(crate) next_order: u64,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) injected: Vec<Injected>,
    pub(crate) stream_messages: Vec<String>,
    pub(crate) stream_connections: u64,
    pub(crate) order_connections: u64,
    /// Where order updates are pushed (every order-status connection listens).
    pub(crate) commands: broadcast::Sender<StreamCommand>,
}

impl MockState {
    pub(crate) fn by_token(&self, exch_seg: &str, token: &str) -> Option<&MockInstrument> {
        self.instruments
            .iter()
            .find(|i| i.exch_seg == exch_seg && i.token == token)
    }

    pub(crate) fn price(&self, token: &str) -> Decimal {
        self.prices
            .get(token)
            .copied()
            .unwrap_or(Decimal::ONE_HUNDRED)
    }
}

/// Commands to live SmartStream connections.
#[derive(Debug, Clone)]
pub(crate) enum StreamCommand {
    /// Close every connection.
    DropAll,
    /// Send an order-status message on every order-status connection.
    Order(String),
}

/// A running mock SmartAPI. Dropping every clone stops it.
#[derive(Debug, Clone)]
pub struct MockAngel {
    state: Arc<Mutex<MockState>>,
    rest: SocketAddr,
    ws: SocketAddr,
    commands: broadcast::Sender<StreamCommand>,
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

impl MockAngel {
    /// Starts the REST and SmartStream servers on free local ports with the default
    /// instruments, accepting the private key `api_key`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(api_key: &str) -> Self {
        Self::start_with(api_key, default_instruments()).await
    }

    /// Starts with the given instruments.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start_with(api_key: &str, instruments: Vec<MockInstrument>) -> Self {
        let master = Arc::new(master_json(&instruments));
        let (commands, _) = broadcast::channel(256);
        let state = Arc::new(Mutex::new(MockState {
            api_key: api_key.to_owned(),
            jwts: HashSet::new(),
            feed_tokens: HashSet::new(),
            issued: 0,
            prices: instruments
                .iter()
                .map(|i| (i.token.clone(), i.price))
                .collect(),
            instruments,
            master,
            orders: Vec::new(),
            trades: Vec::new(),
            next_order: 261_204_000_000_001,
            requests: Vec::new(),
            injected: Vec::new(),
            stream_messages: Vec::new(),
            stream_connections: 0,
            order_connections: 0,
            commands: commands.clone(),
        }));
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock REST port");
        let ws_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock SmartStream port");
        let rest = rest_listener.local_addr().expect("local address");
        let ws = ws_listener.local_addr().expect("local address");
        let tasks = vec![
            tokio::spawn(rest::serve(rest_listener, Arc::clone(&state))),
            tokio::spawn(stream::serve(
                ws_listener,
                Arc::clone(&state),
                commands.clone(),
            )),
        ];
        Self {
            state,
            rest,
            ws,
            commands,
            _tasks: Arc::new(TaskGuard(tasks)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// REST root (`http://127.0.0.1:<port>`).
    #[must_use]
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.rest)
    }

    /// Order-status socket URL (`ws://127.0.0.1:<port>/smart-order-update`).
    #[must_use]
    pub fn order_ws_url(&self) -> String {
        format!("ws://{}/smart-order-update", self.ws)
    }

    /// Order-status connections accepted so far.
    #[must_use]
    pub fn order_connections(&self) -> u64 {
        self.lock().order_connections
    }

    /// SmartStream URL (`ws://127.0.0.1:<port>/smart-stream`).
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://{}/smart-stream", self.ws)
    }

    /// Instrument master URL.
    #[must_use]
    pub fn master_url(&self) -> String {
        format!("http://{}{MASTER_PATH}", self.rest)
    }

    /// An [`super::AngelConfig`] for `api_key` pointing at this mock (fast reconnects).
    #[must_use]
    pub fn config(&self, api_key: &str) -> super::AngelConfig {
        let mut c = super::AngelConfig::new(api_key).with_hosts(
            self.rest_url(),
            self.ws_url(),
            self.master_url(),
        );
        c.order_ws_url = Some(self.order_ws_url());
        c.reconnect_initial = std::time::Duration::from_millis(50);
        c.history_pause = std::time::Duration::from_millis(20);
        c.reconnect_max = std::time::Duration::from_millis(400);
        c
    }

    /// Makes a session valid without a login: returns (jwt, feed token).
    #[must_use]
    pub fn issue_session(&self) -> (String, String) {
        rest::issue(&mut self.lock())
    }

    /// Expires every session: later calls get `AG8001 Invalid Token`, new SmartStream
    /// connections are refused and live ones are closed.
    pub fn expire_sessions(&self) {
        {
            let mut s = self.lock();
            s.jwts.clear();
            s.feed_tokens.clear();
        }
        let _ = self.commands.send(StreamCommand::DropAll);
    }

    /// Answers the next request whose path starts with `path_prefix` with `status` and a
    /// `status: false` envelope carrying `errorcode` and `message`.
    pub fn inject_error(&self, path_prefix: &str, status: u16, errorcode: &str, message: &str) {
        self.lock().injected.push(Injected {
            path_prefix: path_prefix.to_owned(),
            status,
            errorcode: Some(errorcode.to_owned()),
            message: message.to_owned(),
        });
    }

    /// Answers the next request whose path starts with `path_prefix` with SmartAPI's plain-text
    /// throttling answer ("Access denied because of exceeding access rate") and `status`.
    pub fn inject_rate_limit(&self, path_prefix: &str, status: u16) {
        self.lock().injected.push(Injected {
            path_prefix: path_prefix.to_owned(),
            status,
            errorcode: None,
            message: "Access denied because of exceeding access rate".to_owned(),
        });
    }

    /// Every REST request received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The last request to `path`.
    #[must_use]
    pub fn last_request(&self, path: &str) -> Option<Recorded> {
        self.lock()
            .requests
            .iter()
            .rev()
            .find(|r| r.path == path)
            .cloned()
    }

    /// Text messages SmartStream received from clients, in order (pings included).
    #[must_use]
    pub fn stream_messages(&self) -> Vec<String> {
        self.lock().stream_messages.clone()
    }

    /// SmartStream connections accepted so far.
    #[must_use]
    pub fn stream_connections(&self) -> u64 {
        self.lock().stream_connections
    }

    /// Closes every SmartStream connection (the client should reconnect and re-subscribe).
    pub fn drop_stream_connections(&self) {
        let _ = self.commands.send(StreamCommand::DropAll);
    }

    /// Sets an instrument's last price (quotes, fills and ticks use it).
    pub fn set_price(&self, token: &str, price: Decimal) {
        self.lock().prices.insert(token.to_owned(), price);
    }

    /// Orders in the book: (orderid, status).
    #[must_use]
    pub fn order_statuses(&self) -> Vec<(String, String)> {
        self.lock()
            .orders
            .iter()
            .map(|o| (o.orderid.clone(), o.status.clone()))
            .collect()
    }
}
