//! `openalgo_rs.api`: the official client's methods, keyword arguments, defaults and return
//! values over one pooled HTTP connection (rest-api.md §4), plus the WebSocket feed.
//! `history` and `instruments` are wrapped in Python (`openalgo_rs/__init__.py`) to build
//! pandas DataFrames as the official client does.

mod feed;
mod gtt;
mod payload;
mod transport;

use std::time::Duration;

use pyo3::exceptions::PyDeprecationWarning;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use feed::Feed;
use payload::Payload;
use transport::Transport;

/// The native half of `openalgo_rs.api`.
#[pyclass(subclass, module = "openalgo_rs._openalgo", name = "_Client")]
#[derive(Debug)]
pub(crate) struct Client {
    api_key: String,
    transport: Transport,
    feed: Feed,
}

fn ws_url_for(host: &str, ws_port: u16) -> String {
    let rest = host
        .strip_prefix("http://")
        .or_else(|| host.strip_prefix("https://"))
        .unwrap_or(host);
    let name = rest
        .split('/')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    format!("ws://{name}:{ws_port}")
}

/// The official client's `DeprecationWarning` for an old parameter.
fn deprecated(py: Python<'_>, message: &std::ffi::CStr) -> PyResult<()> {
    PyErr::warn(py, &py.get_type::<PyDeprecationWarning>(), message, 2)
}

impl Client {
    fn payload(&self) -> Payload {
        Payload::new(&self.api_key)
    }

    fn send<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        p: Payload,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(why) = p.failure() {
            let d = PyDict::new(py);
            d.set_item("status", "error")?;
            d.set_item("message", format!("An unexpected error occurred: {why}"))?;
            d.set_item("error_type", "unknown_error")?;
            return Ok(d.into_any());
        }
        self.transport.post(py, endpoint, p.into_bytes())
    }

    /// Sends through the 2.x client's `_post` (the GTT methods).
    fn send_v2<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        p: Payload,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(why) = p.failure() {
            let d = PyDict::new(py);
            d.set_item("status", "error")?;
            d.set_item("message", format!("An unexpected error occurred: {why}"))?;
            d.set_item("error_type", "unknown_error")?;
            return Ok(d.into_any());
        }
        self.transport.post_v2(py, endpoint, p.into_bytes())
    }

    fn gtt<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        trigger_id: Option<&Bound<'py, PyAny>>,
        args: &gtt::GttArgs<'_, 'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match gtt::body(py, self.payload(), args)? {
            Err(refusal) => Ok(refusal),
            Ok(mut p) => {
                if let Some(id) = trigger_id {
                    p.text("trigger_id", id)?;
                }
                self.send_v2(py, endpoint, p)
            }
        }
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (api_key, host="http://127.0.0.1:5000", version="v1", timeout=120.0, ws_port=8765, ws_url=None, verbose=false))]
    fn new(
        api_key: String,
        host: &str,
        version: &str,
        timeout: f64,
        ws_port: u16,
        ws_url: Option<String>,
        verbose: bool,
    ) -> PyResult<Self> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(PyValueError::new_err(
                "timeout must be a positive number of seconds",
            ));
        }
        // Whole milliseconds are plenty for a request timeout.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let timeout = Duration::from_millis((timeout * 1000.0).round() as u64);
        let transport = Transport::new(format!("{host}/api/{version}/"), timeout)?;
        let ws_url = ws_url.unwrap_or_else(|| ws_url_for(host, ws_port));
        Ok(Self {
            feed: Feed::new(api_key.clone(), ws_url, verbose),
            api_key,
            transport,
        })
    }

    /// The API key the client sends.
    #[getter]
    fn api_key(&self) -> &str {
        &self.api_key
    }

    /// `{host}/api/{version}/`.
    #[getter]
    fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// Request timeout in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.transport.timeout().as_secs_f64()
    }

    /// The WebSocket URL of the feed.
    #[getter]
    fn ws_url(&self) -> &str {
        self.feed.url()
    }

    /// POSTs `payload` (a dict, `apikey` added) to `/api/v1/<endpoint>` and reads the answer
    /// like every other method: for endpoints without a method of their own.
    #[pyo3(signature = (endpoint, payload=None))]
    fn _post<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        payload: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(payload)?;
        self.send(py, endpoint, p)
    }

    /// GET `/api/v1/<endpoint>` with query parameters.
    #[allow(clippy::needless_pass_by_value)] // PyO3 extracts arguments by value
    fn _get<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        query: Vec<(String, String)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.transport.get(py, endpoint, &q)
    }

    // ------------------------------------------------------------------ orders (§4.1)

    #[pyo3(signature = (*, symbol, action, exchange, strategy=None, trigger_type=None, product=None, quantity=None, price_type=None, price=None, triggerprice_sl=None, triggerprice_tg=None, stoploss=None, target=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn placegttorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        trigger_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        quantity: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        price: Option<&Bound<'py, PyAny>>,
        triggerprice_sl: Option<&Bound<'py, PyAny>>,
        triggerprice_tg: Option<&Bound<'py, PyAny>>,
        stoploss: Option<&Bound<'py, PyAny>>,
        target: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = gtt::GttArgs {
            strategy,
            trigger_type,
            symbol,
            action,
            exchange,
            product,
            quantity,
            price_type,
            price,
            triggerprice_sl,
            triggerprice_tg,
            stoploss,
            target,
            kwargs,
        };
        self.gtt(py, "placegttorder", None, &args)
    }

    #[pyo3(signature = (*, trigger_id, symbol, action, exchange, strategy=None, trigger_type=None, product=None, quantity=None, price_type=None, price=None, triggerprice_sl=None, triggerprice_tg=None, stoploss=None, target=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn modifygttorder<'py>(
        &self,
        py: Python<'py>,
        trigger_id: &Bound<'py, PyAny>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        trigger_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        quantity: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        price: Option<&Bound<'py, PyAny>>,
        triggerprice_sl: Option<&Bound<'py, PyAny>>,
        triggerprice_tg: Option<&Bound<'py, PyAny>>,
        stoploss: Option<&Bound<'py, PyAny>>,
        target: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = gtt::GttArgs {
            strategy,
            trigger_type,
            symbol,
            action,
            exchange,
            product,
            quantity,
            price_type,
            price,
            triggerprice_sl,
            triggerprice_tg,
            stoploss,
            target,
            kwargs,
        };
        self.gtt(py, "modifygttorder", Some(trigger_id), &args)
    }

    #[pyo3(signature = (*, trigger_id, strategy=None, **kwargs))]
    fn cancelgttorder<'py>(
        &self,
        py: Python<'py>,
        trigger_id: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .text("trigger_id", trigger_id)?
            .kwargs_raw(kwargs)?;
        self.send_v2(py, "cancelgttorder", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn gttorderbook<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send_v2(py, "gttorderbook", p)
    }

    #[pyo3(signature = (*, symbol, action, exchange, strategy=None, price_type=None, product=None, quantity=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn placeorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        quantity: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("symbol", symbol)?
            .raw("action", action)?
            .raw("exchange", exchange)?
            .raw_or("pricetype", price_type, "MARKET")?
            .raw_or("product", product, "MIS")?
            .text_or("quantity", quantity, "1")?
            .kwargs_text(kwargs)?;
        self.send(py, "placeorder", p)
    }

    #[pyo3(signature = (*, symbol, action, exchange, position_size, strategy=None, price_type=None, product=None, quantity=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn placesmartorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        position_size: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        quantity: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("symbol", symbol)?
            .raw("action", action)?
            .raw("exchange", exchange)?
            .raw_or("pricetype", price_type, "MARKET")?
            .raw_or("product", product, "MIS")?
            .text_or("quantity", quantity, "1")?
            .text("position_size", position_size)?
            .kwargs_text(kwargs)?;
        self.send(py, "placesmartorder", p)
    }

    #[pyo3(signature = (*, orders, strategy=None, **kwargs))]
    fn basketorder<'py>(
        &self,
        py: Python<'py>,
        orders: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .basket("orders", orders)?
            .kwargs_text(kwargs)?;
        self.send(py, "basketorder", p)
    }

    #[pyo3(signature = (*, symbol, action, exchange, quantity, splitsize, strategy=None, price_type=None, product=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn splitorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        quantity: &Bound<'py, PyAny>,
        splitsize: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("symbol", symbol)?
            .raw("action", action)?
            .raw("exchange", exchange)?
            .text("quantity", quantity)?
            .text("splitsize", splitsize)?
            .raw_or("pricetype", price_type, "MARKET")?
            .raw_or("product", product, "MIS")?
            .kwargs_text(kwargs)?;
        self.send(py, "splitorder", p)
    }

    #[pyo3(signature = (*, order_id, strategy=None, **kwargs))]
    fn orderstatus<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("orderid", order_id)?
            .kwargs_text(kwargs)?;
        self.send(py, "orderstatus", p)
    }

    #[pyo3(signature = (*, symbol, exchange, product, strategy=None, **kwargs))]
    fn openposition<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        product: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .raw("product", product)?
            .kwargs_text(kwargs)?;
        self.send(py, "openposition", p)
    }

    #[pyo3(signature = (*, order_id, symbol, action, exchange, product, quantity, price, strategy=None, price_type=None, disclosed_quantity=None, trigger_price=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn modifyorder<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        symbol: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        product: &Bound<'py, PyAny>,
        quantity: &Bound<'py, PyAny>,
        price: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        disclosed_quantity: Option<&Bound<'py, PyAny>>,
        trigger_price: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("orderid", order_id)?
            .raw_or("strategy", strategy, "Python")?
            .raw("symbol", symbol)?
            .raw("action", action)?
            .raw("exchange", exchange)?
            .raw_or("pricetype", price_type, "LIMIT")?
            .raw("product", product)?
            .text("quantity", quantity)?
            .text("price", price)?
            .text_or("disclosed_quantity", disclosed_quantity, "0")?
            .text_or("trigger_price", trigger_price, "0")?
            .kwargs_text(kwargs)?;
        self.send(py, "modifyorder", p)
    }

    #[pyo3(signature = (*, order_id, strategy=None, **kwargs))]
    fn cancelorder<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("orderid", order_id)?
            .raw_or("strategy", strategy, "Python")?
            .kwargs_text(kwargs)?;
        self.send(py, "cancelorder", p)
    }

    #[pyo3(signature = (*, strategy=None, **kwargs))]
    fn closeposition<'py>(
        &self,
        py: Python<'py>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .kwargs_text(kwargs)?;
        self.send(py, "closeposition", p)
    }

    #[pyo3(signature = (*, strategy=None, **kwargs))]
    fn cancelallorder<'py>(
        &self,
        py: Python<'py>,
        strategy: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .kwargs_text(kwargs)?;
        self.send(py, "cancelallorder", p)
    }

    // ------------------------------------------------------------------ data (§4.2)

    #[pyo3(signature = (*, symbol, exchange, **kwargs))]
    fn quotes<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .kwargs_raw(kwargs)?;
        self.send(py, "quotes", p)
    }

    #[pyo3(signature = (*, symbols, **kwargs))]
    fn multiquotes<'py>(
        &self,
        py: Python<'py>,
        symbols: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbols", symbols)?.kwargs_raw(kwargs)?;
        self.send(py, "multiquotes", p)
    }

    #[pyo3(signature = (*, symbol, exchange, **kwargs))]
    fn depth<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .kwargs_raw(kwargs)?;
        self.send(py, "depth", p)
    }

    #[pyo3(signature = (*, symbol, exchange, **kwargs))]
    fn symbol<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .kwargs_raw(kwargs)?;
        self.send(py, "symbol", p)
    }

    #[pyo3(signature = (*, query, exchange=None, **kwargs))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        exchange: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("query", query)?;
        if let Some(e) = exchange
            && e.is_truthy()?
        {
            p.raw("exchange", e)?;
        }
        p.kwargs_raw(kwargs)?;
        self.send(py, "search", p)
    }

    /// The raw `/history` answer; `openalgo_rs.api.history` turns it into a DataFrame.
    #[pyo3(signature = (*, symbol, exchange, interval, start_date, end_date, source=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn history<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        interval: &Bound<'py, PyAny>,
        start_date: &Bound<'py, PyAny>,
        end_date: &Bound<'py, PyAny>,
        source: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .raw("interval", interval)?
            .raw("start_date", start_date)?
            .raw("end_date", end_date)?
            .raw_or("source", source, "api")?
            .kwargs_raw(kwargs)?;
        self.send(py, "history", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn intervals<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "intervals", p)
    }

    fn interval<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.send(py, "intervals", self.payload())
    }

    #[pyo3(signature = (*, symbol, exchange, instrumenttype, **kwargs))]
    fn expiry<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        instrumenttype: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .raw("instrumenttype", instrumenttype)?
            .kwargs_raw(kwargs)?;
        self.send(py, "expiry", p)
    }

    #[pyo3(signature = (*, underlying, exchange, expiry_date, **kwargs))]
    fn syntheticfuture<'py>(
        &self,
        py: Python<'py>,
        underlying: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        expiry_date: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("underlying", underlying)?
            .raw("exchange", exchange)?
            .raw("expiry_date", expiry_date)?
            .kwargs_raw(kwargs)?;
        self.send(py, "syntheticfuture", p)
    }

    // ------------------------------------------------------------------ account (§4.3)

    #[pyo3(signature = (**kwargs))]
    fn funds<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "funds", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn orderbook<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "orderbook", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn tradebook<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "tradebook", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn positionbook<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "positionbook", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn holdings<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "holdings", p)
    }

    #[pyo3(signature = (**kwargs))]
    fn analyzerstatus<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.kwargs_raw(kwargs)?;
        self.send(py, "analyzer", p)
    }

    #[pyo3(signature = (mode, **kwargs))]
    fn analyzertoggle<'py>(
        &self,
        py: Python<'py>,
        mode: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("mode", mode)?.kwargs_raw(kwargs)?;
        self.send(py, "analyzer/toggle", p)
    }

    // ------------------------------------------------------------------ options (§4.4)

    /// Margin for up to 50 positions; the official client's own checks answer without a call.
    #[pyo3(signature = (*, positions, **kwargs))]
    fn margin<'py>(
        &self,
        py: Python<'py>,
        positions: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let invalid = |message: &str| -> PyResult<Bound<'py, PyAny>> {
            let d = PyDict::new(py);
            d.set_item("status", "error")?;
            d.set_item("message", message)?;
            d.set_item("error_type", "validation_error")?;
            Ok(d.into_any())
        };
        let Ok(list) = positions.cast::<PyList>() else {
            return invalid("Positions must be an array");
        };
        if list.is_empty() {
            return invalid("Positions array cannot be empty");
        }
        if list.len() > 50 {
            return invalid("Maximum 50 positions allowed");
        }
        let rows = PyList::empty(py);
        for position in list.iter() {
            let row = PyDict::new(py);
            for (k, v) in position.cast::<PyDict>()?.iter() {
                let numeric = k
                    .extract::<String>()
                    .is_ok_and(|k| matches!(k.as_str(), "quantity" | "price" | "trigger_price"));
                if numeric && !v.is_none() {
                    row.set_item(&k, v.str()?)?;
                } else {
                    row.set_item(&k, v)?;
                }
            }
            for k in ["price", "trigger_price"] {
                if !row.contains(k)? {
                    row.set_item(k, "0")?;
                }
            }
            rows.append(row)?;
        }
        let mut p = self.payload();
        p.raw("positions", rows.as_any())?.kwargs_raw(kwargs)?;
        self.send(py, "margin", p)
    }

    #[pyo3(signature = (*, symbol, exchange, interest_rate=None, forward_price=None, underlying_symbol=None, underlying_exchange=None, expiry_time=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn optiongreeks<'py>(
        &self,
        py: Python<'py>,
        symbol: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        interest_rate: Option<&Bound<'py, PyAny>>,
        forward_price: Option<&Bound<'py, PyAny>>,
        underlying_symbol: Option<&Bound<'py, PyAny>>,
        underlying_exchange: Option<&Bound<'py, PyAny>>,
        expiry_time: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("symbol", symbol)?
            .raw("exchange", exchange)?
            .raw_some("interest_rate", interest_rate)?
            .raw_some("forward_price", forward_price)?
            .raw_some("underlying_symbol", underlying_symbol)?
            .raw_some("underlying_exchange", underlying_exchange)?
            .raw_some("expiry_time", expiry_time)?
            .kwargs_raw(kwargs)?;
        self.send(py, "optiongreeks", p)
    }

    #[pyo3(signature = (*, underlying, exchange, offset, option_type, action, quantity, strategy=None, strike_int=None, expiry_date=None, price_type=None, product=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn optionsorder<'py>(
        &self,
        py: Python<'py>,
        underlying: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        offset: &Bound<'py, PyAny>,
        option_type: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        quantity: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        strike_int: Option<&Bound<'py, PyAny>>,
        expiry_date: Option<&Bound<'py, PyAny>>,
        price_type: Option<&Bound<'py, PyAny>>,
        product: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strike_int = strike_int.filter(|s| !s.is_none());
        if strike_int.is_some() {
            deprecated(
                py,
                c"The 'strike_int' parameter is deprecated and will be removed in future versions.",
            )?;
        }
        let mut p = self.payload();
        p.raw_or("strategy", strategy, "Python")?
            .raw("underlying", underlying)?
            .raw("exchange", exchange)?
            .raw("offset", offset)?
            .raw("option_type", option_type)?
            .raw("action", action)?
            .text("quantity", quantity)?
            .raw_or("pricetype", price_type, "MARKET")?
            .raw_or("product", product, "MIS")?;
        if let Some(s) = strike_int {
            p.text("strike_int", s)?;
        }
        p.raw_some("expiry_date", expiry_date)?
            .kwargs_text(kwargs)?;
        self.send(py, "optionsorder", p)
    }

    #[pyo3(signature = (*, underlying, exchange, offset, option_type, strategy=None, strike_int=None, expiry_date=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn optionsymbol<'py>(
        &self,
        py: Python<'py>,
        underlying: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        offset: &Bound<'py, PyAny>,
        option_type: &Bound<'py, PyAny>,
        strategy: Option<&Bound<'py, PyAny>>,
        strike_int: Option<&Bound<'py, PyAny>>,
        expiry_date: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strategy = strategy.filter(|s| !s.is_none());
        let strike_int = strike_int.filter(|s| !s.is_none());
        if strategy.is_some() {
            deprecated(
                py,
                c"The 'strategy' parameter is deprecated and will be removed in future versions.",
            )?;
        }
        if strike_int.is_some() {
            deprecated(
                py,
                c"The 'strike_int' parameter is deprecated and will be removed in future versions.",
            )?;
        }
        let mut p = self.payload();
        p.raw("underlying", underlying)?
            .raw("exchange", exchange)?
            .raw("offset", offset)?
            .raw("option_type", option_type)?
            .raw_some("strategy", strategy)?;
        if let Some(s) = strike_int {
            p.text("strike_int", s)?;
        }
        p.raw_some("expiry_date", expiry_date)?
            .kwargs_text(kwargs)?;
        self.send(py, "optionsymbol", p)
    }

    /// Several option legs on one underlying, BUY legs placed first (`optionsmultiorder`).
    #[pyo3(signature = (*, strategy, underlying, exchange, legs, expiry_date=None, strike_int=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn optionsmultiorder<'py>(
        &self,
        py: Python<'py>,
        strategy: &Bound<'py, PyAny>,
        underlying: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        legs: &Bound<'py, PyAny>,
        expiry_date: Option<&Bound<'py, PyAny>>,
        strike_int: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strike_int = strike_int.filter(|s| !s.is_none());
        if strike_int.is_some() {
            deprecated(
                py,
                c"The 'strike_int' parameter is deprecated and will be removed in future versions.",
            )?;
        }
        let mut p = self.payload();
        p.raw("strategy", strategy)?
            .raw("underlying", underlying)?
            .raw("exchange", exchange)?
            .option_legs("legs", legs)?;
        if let Some(s) = strike_int {
            let n: i64 = s.call_method0("__int__")?.extract()?;
            p.put_int("strike_int", n);
        }
        p.raw_some("expiry_date", expiry_date)?.kwargs_raw(kwargs)?;
        self.send(py, "optionsmultiorder", p)
    }

    /// A Telegram notification through the server (`telegram/notify`).
    #[pyo3(signature = (*, username, message, priority=None, **kwargs))]
    fn telegram<'py>(
        &self,
        py: Python<'py>,
        username: &Bound<'py, PyAny>,
        message: &Bound<'py, PyAny>,
        priority: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("username", username)?.raw("message", message)?;
        match priority {
            Some(v) => p.raw("priority", v)?,
            None => p.put_int("priority", 5),
        };
        p.kwargs_raw(kwargs)?;
        self.send(py, "telegram/notify", p)
    }

    #[pyo3(signature = (*, underlying, exchange, expiry_date=None, strike_count=None, **kwargs))]
    fn optionchain<'py>(
        &self,
        py: Python<'py>,
        underlying: &Bound<'py, PyAny>,
        exchange: &Bound<'py, PyAny>,
        expiry_date: Option<&Bound<'py, PyAny>>,
        strike_count: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw("underlying", underlying)?
            .raw("exchange", exchange)?
            .raw_some("expiry_date", expiry_date)?;
        if let Some(n) = strike_count.filter(|n| !n.is_none()) {
            let n: i64 = n.call_method0("__int__")?.extract()?;
            p.put_int("strike_count", n);
        }
        p.kwargs_raw(kwargs)?;
        self.send(py, "optionchain", p)
    }

    // ------------------------------------------------------------------ utilities (§4.5)

    #[pyo3(signature = (year=None))]
    fn holidays<'py>(
        &self,
        py: Python<'py>,
        year: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        p.raw_some("year", year)?;
        self.send(py, "market/holidays", p)
    }

    #[pyo3(signature = (date=None))]
    fn timings<'py>(
        &self,
        py: Python<'py>,
        date: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut p = self.payload();
        match date.filter(|d| !d.is_none()) {
            Some(d) => {
                p.raw("date", d)?;
            }
            None => {
                let today = chrono::Local::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string();
                p.put("date", &today);
            }
        }
        self.send(py, "market/timings", p)
    }

    // ------------------------------------------------------------------ feed (WebSocket)

    /// Connects and authenticates; True when the server accepted the key.
    fn connect(&self, py: Python<'_>) -> bool {
        self.feed.connect(py)
    }

    /// Closes the feed connection.
    fn disconnect(&self, py: Python<'_>) {
        self.feed.disconnect(py);
    }

    /// True while the socket is open.
    #[getter]
    fn connected(&self) -> bool {
        self.feed.is_connected()
    }

    /// True once the server accepted the key.
    #[getter]
    fn authenticated(&self) -> bool {
        self.feed.is_authenticated()
    }

    #[pyo3(signature = (instruments, on_data_received=None))]
    fn subscribe_ltp(
        &self,
        instruments: &Bound<'_, PyAny>,
        on_data_received: Option<Py<PyAny>>,
    ) -> PyResult<bool> {
        self.feed
            .subscribe(feed::Mode::Ltp, instruments, on_data_received)
    }

    #[pyo3(signature = (instruments, on_data_received=None))]
    fn subscribe_quote(
        &self,
        instruments: &Bound<'_, PyAny>,
        on_data_received: Option<Py<PyAny>>,
    ) -> PyResult<bool> {
        self.feed
            .subscribe(feed::Mode::Quote, instruments, on_data_received)
    }

    #[pyo3(signature = (instruments, on_data_received=None))]
    fn subscribe_depth(
        &self,
        instruments: &Bound<'_, PyAny>,
        on_data_received: Option<Py<PyAny>>,
    ) -> PyResult<bool> {
        self.feed
            .subscribe(feed::Mode::Depth, instruments, on_data_received)
    }

    fn unsubscribe_ltp(&self, instruments: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.feed.unsubscribe(feed::Mode::Ltp, instruments)
    }

    fn unsubscribe_quote(&self, instruments: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.feed.unsubscribe(feed::Mode::Quote, instruments)
    }

    fn unsubscribe_depth(&self, instruments: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.feed.unsubscribe(feed::Mode::Depth, instruments)
    }

    /// `{"ltp": {EXCHANGE: {SYMBOL: {"timestamp", "ltp"}}}}` from the latest ticks.
    #[pyo3(signature = (exchange=None, symbol=None))]
    fn get_ltp<'py>(
        &self,
        py: Python<'py>,
        exchange: Option<&str>,
        symbol: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.feed.snapshot(py, feed::Mode::Ltp, exchange, symbol)
    }

    /// `{"quote": {EXCHANGE: {SYMBOL: {...}}}}` from the latest quote ticks.
    #[pyo3(signature = (exchange=None, symbol=None))]
    fn get_quotes<'py>(
        &self,
        py: Python<'py>,
        exchange: Option<&str>,
        symbol: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.feed.snapshot(py, feed::Mode::Quote, exchange, symbol)
    }

    /// `{"depth": {EXCHANGE: {SYMBOL: {...}}}}` from the latest depth ticks.
    #[pyo3(signature = (exchange=None, symbol=None))]
    fn get_depth<'py>(
        &self,
        py: Python<'py>,
        exchange: Option<&str>,
        symbol: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.feed.snapshot(py, feed::Mode::Depth, exchange, symbol)
    }
}
