//! `openalgo_rs.Broker`: a broker adapter called from Python without a server, through the
//! `api` method names and keyword arguments. Answers are the server's JSON shapes (the account
//! books are the server's own rows, `crate::rows`) with money as `decimal.Decimal`; failures
//! raise the exception hierarchy instead of returning error dicts.
//!
//! Adapters are built by [`build`]: one match arm per broker (`simulator`; `zerodha` in
//! [`crate::zerodha`], `dhan` in [`crate::dhan`] and `angel` in [`crate::angel`], which read
//! their credentials from the `options` dict).

use std::sync::Arc;

use chrono::NaiveDate;
use openalgo_brokers::simulator::{SimConfig, SimMarket, simulator};
use openalgo_core::clock::SystemClock;
use openalgo_core::orders::{OrderError, Reply, SmartOrderRequest, commands};
use openalgo_core::rows::{FundsRow, HoldingsBook, OrderBook, OrderRow, PositionRow, TradeRow};
use openalgo_core::sandbox::SandboxConfig;
use openalgo_core::{
    Broker as CoreBroker, HistoryRequest, Interval, ModifyOrder, OrderId, OrderService, Product,
    SymbolTable,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, decimal, key, now_ist, word};
use crate::error::{self, UnsupportedError};
use crate::rows;
use crate::runtime::runtime;

/// A broker adapter with its instrument master.
#[pyclass(module = "openalgo_rs._openalgo", name = "Broker", frozen)]
#[derive(Debug)]
pub(crate) struct PyBroker {
    name: String,
    service: OrderService,
}

/// Builds the adapter called `name`. Adding a broker is one arm here.
fn build(
    py: Python<'_>,
    name: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<dyn CoreBroker>, Arc<SymbolTable>)> {
    let opt = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        match options {
            Some(o) => o.get_item(k),
            None => Ok(None),
        }
    };
    match name {
        "simulator" => {
            let mut sandbox = SandboxConfig::default();
            if let Some(c) = opt("capital")? {
                sandbox.starting_capital = decimal(&c)?;
            }
            let mut sim = SimConfig::new(now_ist().date());
            if let Some(s) = opt("seed")? {
                sim.seed = s.extract()?;
            }
            let market = Arc::new(SimMarket::new(sim));
            let symbols = market.symbols();
            let broker: Arc<dyn CoreBroker> =
                Arc::new(simulator(market, sandbox, Arc::new(SystemClock)));
            Ok((broker, symbols))
        }
        "zerodha" => crate::zerodha::build(py, options),
        "dhan" => crate::dhan::build(py, options),
        "angel" => crate::angel::build(py, options),
        other => Err(UnsupportedError::new_err(format!(
            "unknown broker '{other}': this build has: simulator, zerodha, dhan, angel"
        ))),
    }
}

fn block<T: Send>(py: Python<'_>, f: impl std::future::Future<Output = T> + Send) -> T {
    py.detach(|| runtime().block_on(f))
}

fn success<'py>(
    py: Python<'py>,
    key: &str,
    value: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("status", "success")?;
    d.set_item(key, value)?;
    Ok(d)
}

impl PyBroker {
    fn broker(&self) -> &Arc<dyn CoreBroker> {
        self.service.broker()
    }

    /// Runs one of core's order commands (the same the server runs) and answers its OpenAlgo
    /// body as a dict.
    fn run<'py, T: Reply + Send>(
        &self,
        py: Python<'py>,
        command: impl std::future::Future<Output = Result<T, OrderError>> + Send,
    ) -> PyResult<Bound<'py, PyDict>> {
        let done = block(py, command).map_err(error::order)?;
        rows::dict(py, &done.body())
    }
}

#[allow(clippy::too_many_arguments)]
/// An order id given as text or a number.
fn order_id(text: &Bound<'_, PyAny>) -> PyResult<OrderId> {
    convert::order_id(&text.str()?.to_cow()?)
}

#[pymethods]
impl PyBroker {
    /// The adapter called `name` (`"simulator"`, `"zerodha"` or `"dhan"`), configured by keyword
    /// options (simulator: `capital`, `seed`; zerodha: `api_key`, `api_secret`, `access_token`
    /// or `request_token`, and optionally `rest_url`, `ws_url`, `login_url`; dhan: `client_id`,
    /// `access_token`, and optionally `rest_url`, `auth_url`, `ws_url`, `order_ws_url`,
    /// `master_url`).
    #[new]
    #[pyo3(signature = (name="simulator", **options))]
    fn new(py: Python<'_>, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let (broker, symbols) = build(py, name, options)?;
        Ok(Self {
            name: name.to_owned(),
            service: OrderService::new(broker, symbols),
        })
    }

    /// The broker's id.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    #[pyo3(signature = (*, symbol, action, exchange, price_type="MARKET", product="MIS", quantity=None, price=None, trigger_price=None, strategy="Python"))]
    #[allow(clippy::too_many_arguments)]
    fn placeorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        action: &str,
        exchange: &str,
        price_type: &str,
        product: &str,
        quantity: Option<&Bound<'py, PyAny>>,
        price: Option<&Bound<'py, PyAny>>,
        trigger_price: Option<&Bound<'py, PyAny>>,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let one = 1u64.into_pyobject(py)?.into_any();
        let q = quantity.unwrap_or(&one);
        let order = convert::order_draft(
            symbol,
            exchange,
            action,
            q,
            price_type,
            product,
            price,
            trigger_price,
            strategy,
        )?;
        self.run(py, commands::place(self.service.clone(), order))
    }

    #[pyo3(signature = (*, symbol, action, exchange, position_size, price_type="MARKET", product="MIS", quantity=None, price=None, trigger_price=None, strategy="Python"))]
    #[allow(clippy::too_many_arguments)]
    fn placesmartorder<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        action: &str,
        exchange: &str,
        position_size: &Bound<'py, PyAny>,
        price_type: &str,
        product: &str,
        quantity: Option<&Bound<'py, PyAny>>,
        price: Option<&Bound<'py, PyAny>>,
        trigger_price: Option<&Bound<'py, PyAny>>,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let one = 1u64.into_pyobject(py)?.into_any();
        let q = quantity.unwrap_or(&one);
        let template = convert::order_draft(
            symbol,
            exchange,
            action,
            q,
            price_type,
            product,
            price,
            trigger_price,
            strategy,
        )?;
        let target = crate::calc::truncate(position_size)?;
        let request = SmartOrderRequest::new(template, target).map_err(error::order)?;
        self.run(py, commands::smart(self.service.clone(), request))
    }

    #[pyo3(signature = (*, order_id, symbol, action, exchange, product, quantity, price, price_type="LIMIT", trigger_price=None, strategy="Python"))]
    #[allow(clippy::too_many_arguments)]
    fn modifyorder<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        symbol: &str,
        action: &str,
        exchange: &str,
        product: &str,
        quantity: &Bound<'py, PyAny>,
        price: &Bound<'py, PyAny>,
        price_type: &str,
        trigger_price: Option<&Bound<'py, PyAny>>,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = convert::order_draft(
            symbol,
            exchange,
            action,
            quantity,
            price_type,
            product,
            Some(price),
            trigger_price,
            strategy,
        )?;
        let modify = ModifyOrder::new(self::order_id(order_id)?, d).map_err(error::order)?;
        self.run(py, commands::modify(self.service.clone(), modify))
    }

    #[pyo3(signature = (*, order_id, strategy="Python"))]
    fn cancelorder<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let _ = strategy;
        let id = self::order_id(order_id)?;
        self.run(py, commands::cancel(self.service.clone(), id))
    }

    #[pyo3(signature = (*, order_id, strategy="Python"))]
    fn orderstatus<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let _ = strategy;
        let id = self::order_id(order_id)?;
        let o = block(py, self.broker().order_status(&id)).map_err(|e| error::broker(&e))?;
        success(py, "data", rows::dict(py, &OrderRow::from(&o))?)
    }

    #[pyo3(signature = (*, symbol, exchange, product, strategy="Python"))]
    fn openposition<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
        product: &str,
        strategy: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let _ = strategy;
        let k = key(symbol, exchange)?;
        let p = word::<Product>(product)?;
        let q = block(py, self.broker().open_position(&k, p)).map_err(|e| error::broker(&e))?;
        success(py, "quantity", q)
    }

    /// `{"status": "success", "data": {"orders": [...], "statistics": {...}}}`.
    fn orderbook<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let orders = block(py, self.broker().order_book()).map_err(|e| error::broker(&e))?;
        success(py, "data", rows::to_py(py, &OrderBook::from(&orders[..]))?)
    }

    /// `{"status": "success", "data": [...]}`.
    fn tradebook<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let trades = block(py, self.broker().trade_book()).map_err(|e| error::broker(&e))?;
        let list: Vec<TradeRow<'_>> = trades.iter().map(TradeRow::from).collect();
        success(py, "data", rows::to_py(py, &list)?)
    }

    /// `{"status": "success", "data": [...]}`.
    fn positionbook<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let positions = block(py, self.broker().positions()).map_err(|e| error::broker(&e))?;
        let list: Vec<PositionRow<'_>> = positions.iter().map(PositionRow::from).collect();
        success(py, "data", rows::to_py(py, &list)?)
    }

    /// `{"status": "success", "data": {"holdings": [...], "statistics": {...}}}`.
    fn holdings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let holdings = block(py, self.broker().holdings()).map_err(|e| error::broker(&e))?;
        success(
            py,
            "data",
            rows::to_py(py, &HoldingsBook::from(&holdings[..]))?,
        )
    }

    /// `{"status": "success", "data": {"availablecash", "collateral", "m2mrealized",
    /// "m2munrealized", "utiliseddebits"}}`.
    fn funds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let f = block(py, self.broker().funds()).map_err(|e| error::broker(&e))?;
        success(py, "data", rows::funds(py, &FundsRow::from(&f))?)
    }

    #[pyo3(signature = (*, symbol, exchange))]
    fn quotes<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let k = key(symbol, exchange)?;
        let q = block(py, self.broker().quote(&k)).map_err(|e| error::broker(&e))?;
        let d = PyDict::new(py);
        d.set_item("ask", q.ask.value())?;
        d.set_item("bid", q.bid.value())?;
        d.set_item("high", q.high.value())?;
        d.set_item("low", q.low.value())?;
        d.set_item("ltp", q.ltp.value())?;
        d.set_item("open", q.open.value())?;
        d.set_item("prev_close", q.prev_close.value())?;
        d.set_item("volume", q.volume)?;
        d.set_item("oi", q.oi)?;
        success(py, "data", d)
    }

    #[pyo3(signature = (*, symbol, exchange))]
    fn depth<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let k = key(symbol, exchange)?;
        let q = block(py, self.broker().depth(&k)).map_err(|e| error::broker(&e))?;
        let side = |levels: &[openalgo_core::DepthLevel]| -> PyResult<Bound<'py, PyList>> {
            let out = PyList::empty(py);
            for l in levels {
                let d = PyDict::new(py);
                d.set_item("price", l.price.value())?;
                d.set_item("quantity", l.quantity)?;
                d.set_item("orders", l.orders)?;
                out.append(d)?;
            }
            Ok(out)
        };
        let d = PyDict::new(py);
        d.set_item("bids", side(&q.bids)?)?;
        d.set_item("asks", side(&q.asks)?)?;
        d.set_item("ltp", q.ltp.value())?;
        d.set_item("ltq", q.ltq)?;
        d.set_item("open", q.open.value())?;
        d.set_item("high", q.high.value())?;
        d.set_item("low", q.low.value())?;
        d.set_item("prev_close", q.prev_close.value())?;
        d.set_item("volume", q.volume)?;
        d.set_item("oi", q.oi)?;
        d.set_item("totalbuyqty", q.total_buy_quantity)?;
        d.set_item("totalsellqty", q.total_sell_quantity)?;
        success(py, "data", d)
    }

    /// Candles `[{"timestamp" (epoch s), "open", "high", "low", "close", "volume", "oi"}]`.
    #[pyo3(signature = (*, symbol, exchange, interval, start_date, end_date))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
        interval: &str,
        start_date: NaiveDate,
        end_date: NaiveDate,
    ) -> PyResult<Bound<'py, PyDict>> {
        let req = HistoryRequest::new(
            key(symbol, exchange)?,
            word::<Interval>(interval)?,
            start_date,
            end_date,
        )
        .map_err(error::order)?;
        let candles = block(py, self.broker().history(&req)).map_err(|e| error::broker(&e))?;
        let rows = PyList::empty(py);
        for c in &candles {
            let d = PyDict::new(py);
            d.set_item("timestamp", c.timestamp)?;
            d.set_item("open", c.open.value())?;
            d.set_item("high", c.high.value())?;
            d.set_item("low", c.low.value())?;
            d.set_item("close", c.close.value())?;
            d.set_item("volume", c.volume)?;
            d.set_item("oi", c.oi)?;
            rows.append(d)?;
        }
        success(py, "data", rows)
    }

    /// Cancels every open order: `{"status", "canceled_orders", "failed_cancellations"}`.
    #[pyo3(signature = (*, strategy="Python"))]
    fn cancelallorder<'py>(&self, py: Python<'py>, strategy: &str) -> PyResult<Bound<'py, PyDict>> {
        let _ = strategy;
        self.run(py, commands::cancel_all(self.service.clone()))
    }

    /// Closes every open position at market.
    #[pyo3(signature = (*, strategy="Python"))]
    fn closeposition<'py>(&self, py: Python<'py>, strategy: &str) -> PyResult<Bound<'py, PyDict>> {
        let _ = strategy;
        self.run(py, commands::close_all(self.service.clone()))
    }
}
