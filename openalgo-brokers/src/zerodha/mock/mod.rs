//! A local mock of Kite Connect v3, built from the documented formats: the REST API (session,
//! orders, books, portfolio, margins, quotes, history, instruments CSV) on one port and the
//! binary ticker WebSocket on another. Tests point [`super::ZerodhaConfig`] at it, inspect the
//! requests it received, inject errors and faults ([`Fault`]: stalls, gateway pages, malformed
//! bodies, dropped connections, token expiry, throttling) and expire sessions.

mod data;
mod faults;
mod gtt;
mod rest;
mod ticker;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;
use tokio::sync::broadcast;

pub use data::{MockInstrument, default_instruments, generate_instruments_csv, instruments_csv};
pub use faults::Fault;

use faults::FaultRule;

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query pairs (decoded; `+` is a space).
    pub query: Vec<(String, String)>,
    /// Form pairs of the body, in order.
    pub form: Vec<(String, String)>,
    /// `Authorization` header.
    pub authorization: Option<String>,
    /// `X-Kite-Version` header.
    pub kite_version: Option<String>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
}

/// An error the mock answers the next matching request with.
#[derive(Debug, Clone)]
pub struct Injected {
    /// HTTP method to match.
    pub method: String,
    /// Path prefix to match.
    pub path_prefix: String,
    /// HTTP status.
    pub status: u16,
    /// `error_type`.
    pub error_type: String,
    /// `message`.
    pub message: String,
}

/// An order in the mock's book.
#[derive(Debug, Clone)]
pub(crate) struct MockOrder {
    pub(crate) order_id: String,
    pub(crate) status: String,
    pub(crate) tradingsymbol: String,
    pub(crate) exchange: String,
    pub(crate) instrument_token: u32,
    pub(crate) transaction_type: String,
    pub(crate) order_type: String,
    pub(crate) product: String,
    pub(crate) quantity: u64,
    pub(crate) filled_quantity: u64,
    pub(crate) price: Decimal,
    pub(crate) trigger_price: Decimal,
    pub(crate) average_price: Decimal,
    pub(crate) disclosed_quantity: u64,
    pub(crate) tag: Option<String>,
    pub(crate) timestamp: String,
}

/// A fill.
#[derive(Debug, Clone)]
pub(crate) struct MockTrade {
    pub(crate) trade_id: String,
    pub(crate) order_id: String,
    pub(crate) tradingsymbol: String,
    pub(crate) exchange: String,
    pub(crate) instrument_token: u32,
    pub(crate) product: String,
    pub(crate) price: Decimal,
    pub(crate) quantity: u64,
    pub(crate) transaction_type: String,
    pub(crate) timestamp: String,
}

/// Everything the mock knows.
#[derive(Debug)]
pub(crate) struct MockState {
    pub(crate) api_key: String,
    pub(crate) api_secret: String,
    pub(crate) request_tokens: HashSet<String>,
    pub(crate) access_tokens: HashSet<String>,
    pub(crate) issued: u64,
    pub(crate) instruments: Vec<MockInstrument>,
    pub(crate) csv: Arc<String>,
    pub(crate) prices: HashMap<u32, Decimal>,
    pub(crate) orders: Vec<MockOrder>,
    pub(crate) trades: Vec<MockTrade>,
    pub(crate) next_order: u64,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) injected: Vec<Injected>,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) ticker_messages: Vec<String>,
    pub(crate) ticker_connections: u64,
    /// The ticker sends nothing (neither ticks nor heartbeats) while connections stay open.
    pub(crate) ticker_silent: bool,
    /// GTT triggers, in placement order.
    pub(crate) gtts: Vec<gtt::MockGtt>,
    pub(crate) next_gtt: u64,
}

impl MockState {
    pub(crate) fn instrument(
        &self,
        exchange: &str,
        tradingsymbol: &str,
    ) -> Option<&MockInstrument> {
        self.instruments
            .iter()
            .find(|i| i.exchange == exchange && i.tradingsymbol == tradingsymbol)
    }

    pub(crate) fn by_token(&self, token: u32) -> Option<&MockInstrument> {
        self.instruments
            .iter()
            .find(|i| i.instrument_token == token)
    }

    pub(crate) fn price(&self, token: u32) -> Decimal {
        self.prices
            .get(&token)
            .copied()
            .unwrap_or(Decimal::ONE_HUNDRED)
    }
}

/// Commands to live ticker connections.
#[derive(Debug, Clone)]
pub(crate) enum TickerCommand {
    /// Close every connection (tests reconnects).
    DropAll,
    /// Send a text frame to every connection.
    Text(String),
}

/// A running mock Kite. Dropping it stops accepting connections.
#[derive(Debug, Clone)]
pub struct MockKite {
    state: Arc<Mutex<MockState>>,
    rest: SocketAddr,
    ws: SocketAddr,
    commands: broadcast::Sender<TickerCommand>,
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

impl MockKite {
    /// Starts the REST and ticker servers on free local ports with the default instruments.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(api_key: &str, api_secret: &str) -> Self {
        Self::start_with(api_key, api_secret, default_instruments()).await
    }

    /// Starts with the given instruments.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start_with(
        api_key: &str,
        api_secret: &str,
        instruments: Vec<MockInstrument>,
    ) -> Self {
        let csv = Arc::new(instruments_csv(&instruments));
        let state = Arc::new(Mutex::new(MockState {
            api_key: api_key.to_owned(),
            api_secret: api_secret.to_owned(),
            request_tokens: HashSet::new(),
            access_tokens: HashSet::new(),
            issued: 0,
            prices: instruments
                .iter()
                .map(|i| (i.instrument_token, i.price))
                .collect(),
            instruments,
            csv,
            orders: Vec::new(),
            trades: Vec::new(),
            next_order: 250_101_000_000_001,
            requests: Vec::new(),
            injected: Vec::new(),
            faults: Vec::new(),
            ticker_messages: Vec::new(),
            ticker_connections: 0,
            ticker_silent: false,
            gtts: Vec::new(),
            next_gtt: 100_000,
        }));
        let (commands, _) = broadcast::channel(64);
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock REST port");
        let ws_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock ticker port");
        let rest = rest_listener.local_addr().expect("local address");
        let ws = ws_listener.local_addr().expect("local address");
        let tasks = vec![
            tokio::spawn(rest::serve(rest_listener, Arc::clone(&state))),
            tokio::spawn(ticker::serve(
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

    /// Ticker root (`ws://127.0.0.1:<port>`).
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws)
    }

    /// Browser login page of the mock (`/connect/login`): redirects to `redirect` with a fresh
    /// `request_token`, as Kite does after a successful login.
    #[must_use]
    pub fn login_url(&self) -> String {
        format!("http://{}/connect/login", self.rest)
    }

    /// Issues a `request_token` as if the user had logged in on Kite's page.
    #[must_use]
    pub fn issue_request_token(&self) -> String {
        let mut s = self.lock();
        s.issued += 1;
        let token = format!("reqtok{:06}", s.issued);
        s.request_tokens.insert(token.clone());
        token
    }

    /// Makes a session valid without a login (tests of restore paths).
    pub fn accept_access_token(&self, token: &str) {
        self.lock().access_tokens.insert(token.to_owned());
    }

    /// Expires every session: later calls get 403 `TokenException`, new ticker connections
    /// are refused and live ones are closed.
    pub fn expire_sessions(&self) {
        self.lock().access_tokens.clear();
        let _ = self.commands.send(TickerCommand::DropAll);
    }

    /// Answers the next request matching `method` and `path_prefix` with an error envelope.
    pub fn inject_error(
        &self,
        method: &str,
        path_prefix: &str,
        status: u16,
        error_type: &str,
        message: &str,
    ) {
        self.lock().injected.push(Injected {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            status,
            error_type: error_type.to_owned(),
            message: message.to_owned(),
        });
    }

    /// Applies `fault` to the next `count` requests matching `method` and `path_prefix`
    /// (e.g. `inject_fault("POST", "/orders/regular", 1, Fault::Drop { handled: true })`).
    /// Faults are checked before injected errors and Kite's routes.
    pub fn inject_fault(&self, method: &str, path_prefix: &str, count: u32, fault: Fault) {
        if count == 0 {
            return;
        }
        self.lock().faults.push(FaultRule {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            remaining: count,
            fault,
        });
    }

    /// Disarms every fault not used yet.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Orders in the book with their tag: (order_id, tag).
    #[must_use]
    pub fn order_tags(&self) -> Vec<(String, Option<String>)> {
        self.lock()
            .orders
            .iter()
            .map(|o| (o.order_id.clone(), o.tag.clone()))
            .collect()
    }

    /// Every REST request received so far.
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

    /// Text messages the ticker received from clients, in order.
    #[must_use]
    pub fn ticker_messages(&self) -> Vec<String> {
        self.lock().ticker_messages.clone()
    }

    /// Ticker connections accepted so far.
    #[must_use]
    pub fn ticker_connections(&self) -> u64 {
        self.lock().ticker_connections
    }

    /// Closes every ticker connection (the client should reconnect and re-subscribe).
    pub fn drop_ticker_connections(&self) {
        let _ = self.commands.send(TickerCommand::DropAll);
    }

    /// Silences the ticker (test control: a half-dead feed): while `silent`, every connection,
    /// live or new, stays open and reads subscriptions but is sent nothing, not even
    /// heartbeats; `false` resumes ticking.
    pub fn silence_ticker(&self, silent: bool) {
        self.lock().ticker_silent = silent;
    }

    /// Sends a text frame (e.g. an order update) on every ticker connection.
    pub fn send_ticker_text(&self, text: &str) {
        let _ = self.commands.send(TickerCommand::Text(text.to_owned()));
    }

    /// Sets an instrument's last price (quotes, fills and ticks use it).
    pub fn set_price(&self, instrument_token: u32, price: Decimal) {
        self.lock().prices.insert(instrument_token, price);
    }

    /// Orders in the book: (order_id, status).
    #[must_use]
    pub fn order_statuses(&self) -> Vec<(String, String)> {
        self.lock()
            .orders
            .iter()
            .map(|o| (o.order_id.clone(), o.status.clone()))
            .collect()
    }
}
