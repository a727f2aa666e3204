//! `openalgo_rs.SymbolTable` (the instrument master: load, lookup, search, expiries, option
//! chain) and `openalgo_rs.parse_symbol`. Rows are dicts with the master contract's wire
//! field names (`symbol, brsymbol, name, exchange, brexchange, token, expiry, strike, lotsize,
//! instrumenttype, tick_size`), as `/symbol` and `/search` return them.

use std::sync::Arc;

use chrono::NaiveDate;
use openalgo_brokers::simulator::{SimConfig, SimMarket};
use openalgo_core::instrument::{ExpiryKind, Instrument, SearchQuery};
use openalgo_core::symbol::ExpiryDate;
use openalgo_core::{Exchange, OptionType, Strike, SymbolParts, SymbolTable};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{decimal, now_ist, word};
use crate::error::{self, ValidationError};
use crate::json::{from_py, to_py};
use crate::options::{LazyLadders, Resolution, request_expiry, resolve_dict};

/// An instrument master.
#[pyclass(module = "openalgo_rs._openalgo", name = "SymbolTable", frozen)]
#[derive(Debug)]
pub(crate) struct PySymbolTable {
    table: Arc<SymbolTable>,
    ladders: LazyLadders,
}

impl PySymbolTable {
    pub(crate) fn table(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.table)
    }
}

fn row<'py>(py: Python<'py>, inst: &Instrument) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(inst).map_err(|e| ValidationError::new_err(e.to_string()))?;
    to_py(py, &value)
}

fn expiry_arg(text: &str) -> PyResult<ExpiryDate> {
    ExpiryDate::parse_dashed(text)
        .or_else(|_| ExpiryDate::parse_compact(&text.to_ascii_uppercase()))
        .map_err(|e| ValidationError::new_err(format!("invalid expiry '{text}': {e}")))
}

fn kind_arg(text: &str) -> PyResult<ExpiryKind> {
    ExpiryKind::from_wire(text)
        .ok_or_else(|| ValidationError::new_err("kind must be 'futures' or 'options'"))
}

#[pymethods]
impl PySymbolTable {
    /// A table from rows (dicts with the wire field names).
    #[new]
    fn new(rows: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut records = Vec::new();
        for (i, r) in rows.try_iter()?.enumerate() {
            let value = from_py(&r?)?;
            let inst: Instrument = serde_json::from_value(value)
                .map_err(|e| ValidationError::new_err(format!("row {i}: {e}")))?;
            records.push(inst);
        }
        Ok(Self {
            table: Arc::new(SymbolTable::new(records)),
            ladders: LazyLadders::default(),
        })
    }

    /// The simulator's bundled master for `date` (default: today in IST).
    #[staticmethod]
    #[pyo3(signature = (date=None))]
    fn simulator(date: Option<NaiveDate>) -> Self {
        let day = date.unwrap_or_else(|| now_ist().date());
        Self {
            table: SimMarket::new(SimConfig::new(day)).symbols(),
            ladders: LazyLadders::default(),
        }
    }

    fn __len__(&self) -> usize {
        self.table.len()
    }

    fn __repr__(&self) -> String {
        format!("SymbolTable({} instruments)", self.table.len())
    }

    /// The row of `symbol` on `exchange`, or None.
    fn get<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let exchange: Exchange = word(exchange)?;
        self.table
            .get(symbol, exchange)
            .map(|i| row(py, i))
            .transpose()
    }

    /// The row with this broker symbol on `exchange`, or None.
    fn by_broker_symbol<'py>(
        &self,
        py: Python<'py>,
        brsymbol: &str,
        exchange: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let exchange: Exchange = word(exchange)?;
        self.table
            .by_broker_symbol(brsymbol, exchange)
            .map(|i| row(py, i))
            .transpose()
    }

    /// The row with this broker token on `exchange`, or None.
    fn by_token<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        exchange: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let exchange: Exchange = word(exchange)?;
        self.table
            .by_token(token, exchange)
            .map(|i| row(py, i))
            .transpose()
    }

    /// `/search` matching and ranking: rows whose symbol, broker symbol, name or token
    /// contain every term.
    #[pyo3(signature = (query, exchange=None, limit=500))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &str,
        exchange: Option<&str>,
        limit: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut q = SearchQuery::new(query);
        q.limit = limit;
        if let Some(e) = exchange.filter(|e| !e.is_empty()) {
            q = q.on(word(e)?);
        }
        let rows = self
            .table
            .search(&q)
            .into_iter()
            .map(|i| row(py, i))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Expiries (`DD-MMM-YY`) of an underlying's `futures` or `options` on or after `today`.
    #[pyo3(signature = (underlying, exchange, kind="options", today=None))]
    fn expiries(
        &self,
        underlying: &str,
        exchange: &str,
        kind: &str,
        today: Option<NaiveDate>,
    ) -> PyResult<Vec<String>> {
        let today = today.unwrap_or_else(|| now_ist().date());
        Ok(self
            .table
            .expiries(underlying, word(exchange)?, kind_arg(kind)?, today)
            .into_iter()
            .map(ExpiryDate::dashed)
            .collect())
    }

    /// The option chain of one expiry: `[{"strike": Decimal, "CE": row|None, "PE": row|None}]`
    /// by ascending strike; `expiry` as `DD-MMM-YY` or `DDMMMYY`.
    fn option_chain<'py>(
        &self,
        py: Python<'py>,
        underlying: &str,
        exchange: &str,
        expiry: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let exchange: Exchange = word(exchange)?;
        let expiry = expiry_arg(expiry)?;
        let out = PyList::empty(py);
        for strike in self.table.strikes(underlying, exchange, expiry, None) {
            let d = PyDict::new(py);
            d.set_item("strike", strike.value())?;
            for t in [OptionType::Call, OptionType::Put] {
                let leg = self
                    .table
                    .option(underlying, exchange, expiry, strike, t)
                    .map(|i| row(py, i))
                    .transpose()?;
                d.set_item(t.as_str(), leg)?;
            }
            out.append(d)?;
        }
        Ok(out)
    }

    /// The option contract at an offset from the at-the-money strike, as `/optionsymbol`
    /// resolves it: `underlying` may embed the expiry (`NIFTY28OCT25FUT`), `expiry_date`
    /// (`DDMMMYY`) wins over it; `exchange` is the underlying's (`NSE_INDEX`) or the option
    /// exchange (`NFO`); `offset` is `ATM`, `ITM1`..`ITM50` or `OTM1`..`OTM50`. ATM is the listed
    /// strike nearest `underlying_ltp` (ties to the lower), or with `strike_int` the nearest
    /// multiple of it. Returns `{"symbol", "exchange", "lotsize", "tick_size", "strike",
    /// "atm_strike", "underlying_ltp"}`.
    #[pyo3(signature = (underlying, exchange, offset, option_type, underlying_ltp, *, expiry_date=None, strike_int=None))]
    #[allow(clippy::too_many_arguments)]
    fn resolve_option<'py>(
        &self,
        py: Python<'py>,
        underlying: &str,
        exchange: &str,
        offset: &str,
        option_type: &str,
        underlying_ltp: &Bound<'_, PyAny>,
        expiry_date: Option<&str>,
        strike_int: Option<u32>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (base, expiry) = request_expiry(underlying, expiry_date)?;
        let r = Resolution {
            underlying: base,
            exchange: word(exchange)?,
            expiry,
            offset,
            option_type,
            strike_int,
            ltp: decimal(underlying_ltp)?,
        };
        resolve_dict(py, &self.table, &self.ladders, &r)
    }

    /// The option contract's row for an underlying, expiry, strike and type, or None.
    fn option<'py>(
        &self,
        py: Python<'py>,
        underlying: &str,
        exchange: &str,
        expiry: &str,
        strike: &Bound<'_, PyAny>,
        option_type: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let strike = Strike::new(decimal(strike)?)
            .ok_or_else(|| ValidationError::new_err("strike must be positive"))?;
        self.table
            .option(
                underlying,
                word(exchange)?,
                expiry_arg(expiry)?,
                strike,
                word(option_type)?,
            )
            .map(|i| row(py, i))
            .transpose()
    }
}

/// Parses an OpenAlgo symbol: `{"kind": "plain"|"future"|"option", "underlying", "expiry"
/// (date or None), "strike" (Decimal or None), "option_type" ("CE"/"PE" or None)}`. With an
/// exchange, the symbol is read for that exchange's rules.
#[pyfunction]
#[pyo3(signature = (symbol, exchange=None))]
pub(crate) fn parse_symbol<'py>(
    py: Python<'py>,
    symbol: &str,
    exchange: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let parts = match exchange {
        Some(e) => SymbolParts::parse_for_exchange(symbol, word(e)?),
        None => SymbolParts::parse(symbol),
    }
    .map_err(|e| error::symbol(&e))?;
    let d = PyDict::new(py);
    let kind = match parts {
        SymbolParts::Plain(_) => "plain",
        SymbolParts::Future { .. } => "future",
        SymbolParts::Option { .. } => "option",
    };
    d.set_item("kind", kind)?;
    d.set_item("underlying", parts.underlying())?;
    d.set_item("expiry", parts.expiry().map(ExpiryDate::date))?;
    d.set_item("strike", parts.strike().map(Strike::value))?;
    d.set_item("option_type", parts.option_type().map(OptionType::as_str))?;
    d.set_item("symbol", parts.to_string())?;
    Ok(d)
}
