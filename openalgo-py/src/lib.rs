//! # openalgo-py
//!
//! The Python binding of OpenAlgo-rs, importable as `openalgo_rs` (native module
//! `openalgo_rs._openalgo`, re-exported by `python/openalgo_rs/__init__.py`):
//!
//! - `client`: `api`, the official client's methods over one pooled HTTP connection, and the
//!   WebSocket feed.
//! - `sandbox`: `Sandbox`, the paper-trading engine embedded in the process.
//! - `symbols`: `SymbolTable` (instrument master) and symbol parsing.
//! - `calc`: the smart-order and split-order calculators.
//! - `options`: option Greeks, prices and implied volatility, and option resolution.
//! - `broker`: `Broker`, a broker adapter called without a server (`zerodha`: the Kite arm;
//!   `dhan`: the DhanHQ arm).
//! - `error`: the Python exception hierarchy.
//! - `rows`: the server's account rows (`openalgo_core::rows`) as dicts, money as `Decimal`.
//!
//! PyO3's macros expand to `unsafe` code inside PyO3's own spans, which the workspace's
//! `unsafe_code = "forbid"` lint accepts, so this crate needs no override.

mod angel;
mod broker;
mod calc;
mod client;
mod convert;
mod dhan;
mod error;
mod json;
mod options;
mod rows;
mod runtime;
mod sandbox;
mod symbols;
mod zerodha;

use pyo3::prelude::*;

#[pymodule]
fn _openalgo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<client::Client>()?;
    m.add_class::<sandbox::Sandbox>()?;
    m.add_class::<symbols::PySymbolTable>()?;
    m.add_class::<broker::PyBroker>()?;
    m.add_function(wrap_pyfunction!(symbols::parse_symbol, m)?)?;
    m.add_function(wrap_pyfunction!(calc::smart_order, m)?)?;
    m.add_function(wrap_pyfunction!(calc::split_order, m)?)?;
    m.add_function(wrap_pyfunction!(options::option_greeks, m)?)?;
    m.add_function(wrap_pyfunction!(options::option_price, m)?)?;
    m.add_function(wrap_pyfunction!(options::implied_volatility, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
