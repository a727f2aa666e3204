//! The market-data feed over the WebSocket (websocket.md): `connect` authenticates with the API
//! key, `subscribe_*` / `unsubscribe_*` send one message per instrument, and a reader task on
//! the module's runtime keeps the latest LTP / quote / depth per instrument and calls the
//! Python callbacks with the official client's message shapes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::json::to_py;
use crate::runtime::runtime;

/// How long `connect` waits for the socket, then for the authentication answer.
const CONNECT_WAIT: Duration = Duration::from_secs(5);

/// A subscription mode (websocket.md: 1 LTP, 2 Quote, 3 Depth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Ltp = 1,
    Quote = 2,
    Depth = 3,
}

impl Mode {
    const fn index(self) -> usize {
        self as usize - 1
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Ltp => "ltp",
            Self::Quote => "quote",
            Self::Depth => "depth",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// Latest data per mode, keyed `EXCHANGE:SYMBOL`, with an arrival sequence for ordering.
    latest: [HashMap<String, (u64, Value)>; 3],
    callbacks: [Option<Arc<Py<PyAny>>>; 3],
}

#[derive(Debug)]
struct Conn {
    tx: mpsc::UnboundedSender<Message>,
    tasks: [JoinHandle<()>; 2],
}

#[derive(Debug, Default)]
struct Shared {
    connected: AtomicBool,
    authenticated: AtomicBool,
    auth_answered: Notify,
    seq: AtomicU64,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One client's feed connection.
#[derive(Debug)]
pub(crate) struct Feed {
    api_key: String,
    url: String,
    verbose: bool,
    shared: Arc<Shared>,
    conn: Mutex<Option<Conn>>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Feed {
    pub(crate) fn new(api_key: String, url: String, verbose: bool) -> Self {
        Self {
            api_key,
            url,
            verbose,
            shared: Arc::default(),
            conn: Mutex::new(None),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    pub(crate) fn is_authenticated(&self) -> bool {
        self.shared.authenticated.load(Ordering::Acquire)
    }

    fn conn(&self) -> MutexGuard<'_, Option<Conn>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn log(&self, message: &str) {
        if self.verbose {
            eprintln!("[openalgo_rs feed] {message}");
        }
    }

    /// Opens the socket, sends the API key and waits for the answer (5 s each, as the
    /// official client does). True when authenticated.
    pub(crate) fn connect(&self, py: Python<'_>) -> bool {
        self.disconnect(py);
        let shared = Arc::clone(&self.shared);
        let url = self.url.clone();
        let auth = json!({"action": "authenticate", "api_key": self.api_key}).to_string();
        let result = py.detach(|| {
            runtime().block_on(async move {
                let (ws, _) =
                    tokio::time::timeout(CONNECT_WAIT, tokio_tungstenite::connect_async(url))
                        .await
                        .map_err(|_| "timed out connecting".to_owned())?
                        .map_err(|e| e.to_string())?;
                shared.connected.store(true, Ordering::Release);
                shared.authenticated.store(false, Ordering::Release);
                let (mut sink, mut stream) = ws.split();
                let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
                let writer = tokio::spawn(async move {
                    while let Some(m) = rx.recv().await {
                        let close = matches!(m, Message::Close(_));
                        if sink.send(m).await.is_err() || close {
                            break;
                        }
                    }
                });
                let reader_shared = Arc::clone(&shared);
                let reader = tokio::spawn(async move {
                    while let Some(Ok(m)) = stream.next().await {
                        match m {
                            Message::Text(t) => on_text(&reader_shared, t.as_str()),
                            Message::Close(_) => break,
                            _ => {}
                        }
                    }
                    reader_shared.connected.store(false, Ordering::Release);
                    reader_shared.authenticated.store(false, Ordering::Release);
                    reader_shared.auth_answered.notify_waiters();
                });
                let answered = shared.auth_answered.notified();
                tokio::pin!(answered);
                answered.as_mut().enable();
                let _ = tx.send(Message::text(auth));
                let _ = tokio::time::timeout(CONNECT_WAIT, answered).await;
                Ok::<Conn, String>(Conn {
                    tx,
                    tasks: [writer, reader],
                })
            })
        });
        match result {
            Ok(conn) => {
                *self.conn() = Some(conn);
                let ok = self.is_authenticated();
                self.log(if ok {
                    "authenticated"
                } else {
                    "authentication failed"
                });
                ok
            }
            Err(e) => {
                self.log(&format!("cannot connect to {}: {e}", self.url));
                false
            }
        }
    }

    /// Closes the socket and stops the tasks.
    pub(crate) fn disconnect(&self, py: Python<'_>) {
        let Some(conn) = self.conn().take() else {
            return;
        };
        let _ = conn.tx.send(Message::Close(None));
        py.detach(|| {
            runtime().block_on(async {
                let [writer, reader] = conn.tasks;
                let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
                reader.abort();
            });
        });
        self.shared.connected.store(false, Ordering::Release);
        self.shared.authenticated.store(false, Ordering::Release);
    }

    fn targets(instruments: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
        let mut out = Vec::new();
        for item in instruments.try_iter()? {
            let item = item?;
            let d = item.cast::<PyDict>()?;
            let get = |k: &str| -> PyResult<Option<String>> {
                Ok(match d.get_item(k)? {
                    Some(v) if v.is_truthy()? => Some(v.str()?.to_cow()?.into_owned()),
                    _ => None,
                })
            };
            let exchange = get("exchange")?;
            let symbol = get("symbol")?.or(get("exchange_token")?);
            if let (Some(e), Some(s)) = (exchange, symbol) {
                out.push((e, s));
            }
        }
        Ok(out)
    }

    fn sender(&self) -> Option<mpsc::UnboundedSender<Message>> {
        if !(self.is_connected() && self.is_authenticated()) {
            self.log("not connected and authenticated");
            return None;
        }
        self.conn().as_ref().map(|c| c.tx.clone())
    }

    pub(crate) fn subscribe(
        &self,
        mode: Mode,
        instruments: &Bound<'_, PyAny>,
        callback: Option<Py<PyAny>>,
    ) -> PyResult<bool> {
        let Some(tx) = self.sender() else {
            return Ok(false);
        };
        if let Some(cb) = callback
            && cb.bind(instruments.py()).is_truthy()?
        {
            self.shared.state().callbacks[mode.index()] = Some(Arc::new(cb));
        }
        for (exchange, symbol) in Self::targets(instruments)? {
            let m = json!({"action": "subscribe", "symbol": symbol, "exchange": exchange,
                           "mode": mode as u8, "depth": 5});
            if tx.send(Message::text(m.to_string())).is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(crate) fn unsubscribe(&self, mode: Mode, instruments: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Some(tx) = self.sender() else {
            return Ok(false);
        };
        for (exchange, symbol) in Self::targets(instruments)? {
            let m = json!({"action": "unsubscribe", "symbol": symbol, "exchange": exchange,
                           "mode": mode as u8});
            if tx.send(Message::text(m.to_string())).is_err() {
                return Ok(false);
            }
            self.shared.state().latest[mode.index()].remove(&format!("{exchange}:{symbol}"));
        }
        Ok(true)
    }

    /// The nested `{mode: {EXCHANGE: {SYMBOL: data}}}` view of the latest data.
    pub(crate) fn snapshot<'py>(
        &self,
        py: Python<'py>,
        mode: Mode,
        exchange: Option<&str>,
        symbol: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut rows: Vec<(u64, String, Value)> = self.shared.state().latest[mode.index()]
            .iter()
            .map(|(k, (seq, v))| (*seq, k.clone(), v.clone()))
            .collect();
        rows.sort_by_key(|r| r.0);
        let by_exchange = PyDict::new(py);
        for (_, key, data) in rows {
            let Some((ex, sym)) = key.split_once(':') else {
                continue;
            };
            if exchange.is_some_and(|e| !e.is_empty() && e != ex)
                || symbol.is_some_and(|s| !s.is_empty() && s != sym)
            {
                continue;
            }
            let inner = match by_exchange.get_item(ex)? {
                Some(d) => d.cast_into::<PyDict>()?,
                None => {
                    let d = PyDict::new(py);
                    by_exchange.set_item(ex, &d)?;
                    d
                }
            };
            inner.set_item(sym, view(py, mode, &data)?)?;
        }
        let out = PyDict::new(py);
        out.set_item(mode.name(), by_exchange)?;
        Ok(out.into_any())
    }
}

impl Drop for Feed {
    /// A client that goes away closes its socket and stops its tasks.
    fn drop(&mut self) {
        if let Some(conn) = self.conn().take() {
            let _ = conn.tx.send(Message::Close(None));
            conn.tasks[1].abort();
        }
    }
}

const QUOTE_FIELDS: [&str; 10] = [
    "open",
    "high",
    "low",
    "close",
    "ltp",
    "volume",
    "last_trade_quantity",
    "avg_trade_price",
    "change",
    "change_percent",
];

fn field<'py>(py: Python<'py>, data: &Value, key: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, data.get(key).unwrap_or(&json!(0)))
}

/// What `get_ltp` / `get_quotes` / `get_depth` show for one instrument.
fn view<'py>(py: Python<'py>, mode: Mode, data: &Value) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("timestamp", field(py, data, "timestamp")?)?;
    match mode {
        Mode::Ltp => d.set_item("ltp", field(py, data, "ltp")?)?,
        Mode::Quote => {
            for k in QUOTE_FIELDS {
                d.set_item(k, field(py, data, k)?)?;
            }
        }
        Mode::Depth => {
            d.set_item("ltp", field(py, data, "ltp")?)?;
            for (side, name) in [("buy", "buyBook"), ("sell", "sellBook")] {
                let book = PyDict::new(py);
                let levels = data
                    .get("depth")
                    .and_then(|d| d.get(side))
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                for i in 0..levels.len().max(5) {
                    let level = levels.get(i);
                    let num = |k: &str| level.and_then(|l| l.get(k));
                    let row = PyDict::new(py);
                    row.set_item("price", num("price").and_then(Value::as_f64).unwrap_or(0.0))?;
                    row.set_item(
                        "qty",
                        num("quantity").and_then(Value::as_f64).unwrap_or(0.0) as i64,
                    )?;
                    row.set_item(
                        "orders",
                        num("orders").and_then(Value::as_f64).unwrap_or(0.0) as i64,
                    )?;
                    book.set_item((i + 1).to_string(), row)?;
                }
                d.set_item(name, book)?;
            }
        }
    }
    Ok(d.into_any())
}

/// The callback message for one tick, shaped as the official client shapes it.
fn callback_message<'py>(
    py: Python<'py>,
    mode: Mode,
    exchange: &str,
    symbol: &str,
    data: &Value,
) -> PyResult<Bound<'py, PyAny>> {
    let msg = PyDict::new(py);
    msg.set_item("type", "market_data")?;
    msg.set_item("symbol", symbol)?;
    msg.set_item("exchange", exchange)?;
    msg.set_item("mode", mode as u8)?;
    let inner = PyDict::new(py);
    match mode {
        Mode::Ltp => {
            inner.set_item("ltp", field(py, data, "ltp")?)?;
            inner.set_item("timestamp", field(py, data, "timestamp")?)?;
            if let Some(ltt) = data.get("ltt") {
                inner.set_item("ltt", to_py(py, ltt)?)?;
            }
        }
        Mode::Quote => {
            for k in QUOTE_FIELDS {
                inner.set_item(k, field(py, data, k)?)?;
            }
            inner.set_item("timestamp", field(py, data, "timestamp")?)?;
        }
        Mode::Depth => {
            inner.set_item("ltp", field(py, data, "ltp")?)?;
            inner.set_item("timestamp", field(py, data, "timestamp")?)?;
            let depth = data
                .get("depth")
                .cloned()
                .unwrap_or(json!({"buy": [], "sell": []}));
            inner.set_item("depth", to_py(py, &depth)?)?;
        }
    }
    msg.set_item("data", inner)?;
    Ok(msg.into_any())
}

fn on_text(shared: &Shared, text: &str) {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    match message.get("type").and_then(Value::as_str) {
        Some("auth") => {
            let ok = message.get("status").and_then(Value::as_str) == Some("success");
            shared.authenticated.store(ok, Ordering::Release);
            shared.auth_answered.notify_waiters();
        }
        Some("market_data") => on_market_data(shared, &message),
        _ => {}
    }
}

fn on_market_data(shared: &Shared, message: &Value) {
    let text = |k: &str| {
        message
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(exchange), Some(symbol)) = (text("exchange"), text("symbol")) else {
        return;
    };
    let mode = match message.get("mode").and_then(Value::as_u64) {
        Some(1) => Mode::Ltp,
        Some(2) => Mode::Quote,
        Some(3) => Mode::Depth,
        _ => return,
    };
    let mut data = message.get("data").cloned().unwrap_or(json!({}));
    let required = match mode {
        Mode::Ltp => "ltp",
        Mode::Depth => "depth",
        Mode::Quote => "",
    };
    if !required.is_empty() && data.get(required).is_none() {
        return;
    }
    if let Some(obj) = data.as_object_mut() {
        obj.entry("timestamp").or_insert_with(|| json!(now_ms()));
    }
    let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
    let callback = {
        let mut state = shared.state();
        state.latest[mode.index()].insert(format!("{exchange}:{symbol}"), (seq, data.clone()));
        state.callbacks[mode.index()].clone()
    };
    if let Some(cb) = callback {
        Python::attach(|py| {
            let result = callback_message(py, mode, exchange, symbol, &data)
                .and_then(|m| cb.call1(py, (m,)));
            if let Err(e) = result {
                e.print(py);
            }
        });
    }
}
