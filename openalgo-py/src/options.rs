//! Option analytics from Python: the module functions `option_greeks`, `option_price` and
//! `implied_volatility`, and the option resolution `SymbolTable.resolve_option` and the
//! `Sandbox` share (`resolve_dict`, `greeks_dict`).
//!
//! Prices that the REST API carries stay exact (`Decimal` in, `Decimal` out); the model-level
//! functions take and return floats, as volatility maths does.

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use openalgo_core::options::{
    Contract, GreeksReport, GreeksRequest, Model, OptionQuery, ResolveError, StrikeLadders,
    black76_greeks, expiry_cutoff, parse_expiry_time, resolve, split_underlying, time_to_expiry,
};
use openalgo_core::symbol::ExpiryDate;
use openalgo_core::{Exchange, OptionType, Strike, SymbolParts, SymbolTable};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rust_decimal::Decimal;

use crate::convert::{decimal, ist, now_ist, word};
use crate::error::{NotFoundError, SymbolNotFoundError, ValidationError};

/// Strike ladders built on first use: resolving one option indexes the whole master once.
#[derive(Debug, Default)]
pub(crate) struct LazyLadders(OnceLock<StrikeLadders>);

impl LazyLadders {
    pub(crate) fn get(&self, table: &SymbolTable) -> &StrikeLadders {
        self.0.get_or_init(|| StrikeLadders::build(table))
    }
}

fn resolve_error(e: &ResolveError) -> PyErr {
    match e {
        ResolveError::SymbolNotFound { .. } => SymbolNotFoundError::new_err(e.to_string()),
        ResolveError::NoStrikes { .. } => NotFoundError::new_err(e.to_string()),
        _ => ValidationError::new_err(e.to_string()),
    }
}

/// The expiry of an option request: `expiry_date` (`DDMMMYY`, any case) wins over one embedded
/// in the underlying (`NIFTY28OCT25FUT`); returns the base underlying with it.
pub(crate) fn request_expiry<'a>(
    underlying: &'a str,
    expiry_date: Option<&str>,
) -> PyResult<(&'a str, ExpiryDate)> {
    let (base, embedded) = split_underlying(underlying);
    let explicit = expiry_date
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            ExpiryDate::parse_compact(&t.trim().to_ascii_uppercase()).map_err(|_| {
                ValidationError::new_err(format!(
                    "invalid expiry_date '{t}': use DDMMMYY, e.g. 28OCT25"
                ))
            })
        })
        .transpose()?;
    let expiry = explicit.or(embedded).ok_or_else(|| {
        ValidationError::new_err(
            "Expiry date required. Provide via expiry_date parameter or embed in underlying \
             (e.g., NIFTY28OCT25FUT).",
        )
    })?;
    Ok((base, expiry))
}

/// What `resolve_dict` resolves.
pub(crate) struct Resolution<'a> {
    pub(crate) underlying: &'a str,
    pub(crate) exchange: Exchange,
    pub(crate) expiry: ExpiryDate,
    pub(crate) offset: &'a str,
    pub(crate) option_type: &'a str,
    pub(crate) strike_int: Option<u32>,
    pub(crate) ltp: Decimal,
}

/// Resolves an option contract: `{"symbol", "exchange", "lotsize", "tick_size", "strike",
/// "atm_strike", "underlying_ltp"}`.
pub(crate) fn resolve_dict<'py>(
    py: Python<'py>,
    table: &SymbolTable,
    ladders: &LazyLadders,
    r: &Resolution<'_>,
) -> PyResult<Bound<'py, PyDict>> {
    let offset = r.offset.parse().map_err(|e| resolve_error(&e))?;
    let option_type: OptionType = word(&r.option_type.to_ascii_uppercase())?;
    let query = OptionQuery {
        underlying: r.underlying,
        exchange: r.exchange,
        expiry: r.expiry,
        offset,
        option_type,
        ltp: r.ltp,
        strike_interval: r.strike_int,
    };
    let found = resolve(table, ladders.get(table), &query).map_err(|e| resolve_error(&e))?;
    let d = PyDict::new(py);
    d.set_item("symbol", found.instrument.symbol.as_str())?;
    d.set_item("exchange", found.instrument.exchange.as_str())?;
    d.set_item("lotsize", found.instrument.lot_size)?;
    d.set_item("tick_size", found.instrument.tick_size.value())?;
    d.set_item("strike", found.strike.value())?;
    d.set_item("atm_strike", found.atm_strike.value())?;
    d.set_item("underlying_ltp", r.ltp)?;
    Ok(d)
}

/// What `optiongreeks` needs about one option contract.
pub(crate) struct GreeksInput {
    pub(crate) option_type: OptionType,
    pub(crate) strike: Strike,
    pub(crate) expiry: ExpiryDate,
    pub(crate) exchange: Exchange,
    pub(crate) forward: Decimal,
    pub(crate) option_price: Decimal,
    pub(crate) interest_rate: Decimal,
    pub(crate) expiry_time: Option<String>,
    pub(crate) now: NaiveDateTime,
}

/// The reference's Black-76 report for `input`.
pub(crate) fn greeks_report(input: &GreeksInput) -> PyResult<GreeksReport> {
    let cutoff = match input.expiry_time.as_deref() {
        Some(text) => parse_expiry_time(text).ok_or_else(|| {
            ValidationError::new_err(format!("invalid expiry_time '{text}': use HH:MM"))
        })?,
        None => expiry_cutoff(input.exchange),
    };
    let time = time_to_expiry(input.expiry, cutoff, input.now).ok_or_else(|| {
        ValidationError::new_err(format!(
            "Option has expired on {}",
            input.expiry.date().format("%d-%b-%Y")
        ))
    })?;
    let req = GreeksRequest {
        option_type: input.option_type,
        forward: input.forward,
        strike: input.strike,
        option_price: input.option_price,
        interest_rate_percent: input.interest_rate,
        time,
    };
    black76_greeks(&req).map_err(|e| ValidationError::new_err(e.to_string()))
}

/// A report as a dict in the shape of `optiongreeks`' answer (money and Greeks as `Decimal`).
pub(crate) fn report_dict<'py>(
    py: Python<'py>,
    input: &GreeksInput,
    report: &GreeksReport,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("strike", input.strike.value())?;
    d.set_item("option_type", input.option_type.as_str())?;
    d.set_item(
        "expiry_date",
        input.expiry.date().format("%d-%b-%Y").to_string(),
    )?;
    d.set_item("days_to_expiry", report.days_to_expiry)?;
    d.set_item("forward_price", input.forward)?;
    d.set_item("option_price", input.option_price)?;
    d.set_item("interest_rate", input.interest_rate)?;
    d.set_item("implied_volatility", report.implied_volatility)?;
    d.set_item("intrinsic_value", report.intrinsic_value)?;
    d.set_item("time_value", report.time_value)?;
    let g = PyDict::new(py);
    g.set_item("delta", report.delta)?;
    g.set_item("gamma", report.gamma)?;
    g.set_item("theta", report.theta)?;
    g.set_item("vega", report.vega)?;
    g.set_item("rho", report.rho)?;
    d.set_item("greeks", g)?;
    Ok(d)
}

/// The option's type, strike and expiry from its OpenAlgo symbol.
pub(crate) fn option_parts(
    symbol: &str,
    exchange: Exchange,
) -> PyResult<(&str, OptionType, Strike, ExpiryDate)> {
    match SymbolParts::parse_for_exchange(symbol, exchange) {
        Ok(SymbolParts::Option {
            underlying,
            expiry,
            strike,
            option_type,
        }) => Ok((underlying, option_type, strike, expiry)),
        _ => Err(ValidationError::new_err(format!(
            "{symbol} is not an option symbol on {exchange}"
        ))),
    }
}

fn model_arg(model: &str, dividend_yield: f64) -> PyResult<Model> {
    match model.to_ascii_lowercase().as_str() {
        "black76" | "black-76" => Ok(Model::Black76),
        "bsm" | "black_scholes" | "blackscholes" => Ok(Model::BlackScholes { dividend_yield }),
        other => Err(ValidationError::new_err(format!(
            "model must be 'black76' or 'bsm', got '{other}'"
        ))),
    }
}

fn contract(
    option_type: &str,
    underlying: f64,
    strike: f64,
    years: f64,
    rate: f64,
) -> PyResult<Contract> {
    Ok(Contract {
        option_type: word(&option_type.to_ascii_uppercase())?,
        underlying,
        strike,
        years,
        rate,
    })
}

/// Black-76 implied volatility and Greeks of an option price, rounded as `/optiongreeks`
/// rounds them. `expiry` is `DDMMMYY` or `DD-MMM-YY`; `now` (IST) defaults to the current
/// time; `interest_rate` is an annual percentage.
#[pyfunction]
#[pyo3(signature = (*, option_type, forward, strike, option_price, expiry, exchange="NFO", interest_rate=None, expiry_time=None, now=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn option_greeks<'py>(
    py: Python<'py>,
    option_type: &str,
    forward: &Bound<'_, PyAny>,
    strike: &Bound<'_, PyAny>,
    option_price: &Bound<'_, PyAny>,
    expiry: &str,
    exchange: &str,
    interest_rate: Option<&Bound<'_, PyAny>>,
    expiry_time: Option<String>,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let expiry = ExpiryDate::parse_compact(&expiry.to_ascii_uppercase())
        .or_else(|_| ExpiryDate::parse_dashed(expiry))
        .map_err(|e| ValidationError::new_err(format!("invalid expiry '{expiry}': {e}")))?;
    let strike = Strike::new(decimal(strike)?)
        .ok_or_else(|| ValidationError::new_err("strike must be positive"))?;
    let input = GreeksInput {
        option_type: word(&option_type.to_ascii_uppercase())?,
        strike,
        expiry,
        exchange: word(exchange)?,
        forward: decimal(forward)?,
        option_price: decimal(option_price)?,
        interest_rate: interest_rate
            .filter(|v| !v.is_none())
            .map(decimal)
            .transpose()?
            .unwrap_or(Decimal::ZERO),
        expiry_time,
        now: match now {
            Some(n) if !n.is_none() => ist(n)?,
            _ => now_ist(),
        },
    };
    let report = greeks_report(&input)?;
    report_dict(py, &input, &report)
}

/// A model price and its Greeks (floats): `{"price", "delta", "gamma", "theta", "vega",
/// "rho"}`. `volatility` and `rate` are decimals (0.15, 0.065); `years` of 365 days; `model`
/// is `"black76"` (`underlying` is the forward) or `"bsm"` (spot, with `dividend_yield`).
#[pyfunction]
#[pyo3(signature = (*, option_type, underlying, strike, volatility, years, rate=0.0, model="black76", dividend_yield=0.0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn option_price<'py>(
    py: Python<'py>,
    option_type: &str,
    underlying: f64,
    strike: f64,
    volatility: f64,
    years: f64,
    rate: f64,
    model: &str,
    dividend_yield: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let m = model_arg(model, dividend_yield)?;
    let c = contract(option_type, underlying, strike, years, rate)?;
    let err = |e: openalgo_core::options::PricingError| ValidationError::new_err(e.to_string());
    let price = m.price(&c, volatility).map_err(err)?;
    let g = m.greeks(&c, volatility).map_err(err)?;
    let d = PyDict::new(py);
    d.set_item("price", price)?;
    d.set_item("delta", g.delta)?;
    d.set_item("gamma", g.gamma)?;
    d.set_item("theta", g.theta)?;
    d.set_item("vega", g.vega)?;
    d.set_item("rho", g.rho)?;
    Ok(d)
}

/// The volatility (a decimal, 0.15 for 15 %) at which the model reproduces `price`; raises
/// `ValidationError` when no volatility fits (below intrinsic, above the maximum).
#[pyfunction]
#[pyo3(signature = (*, option_type, underlying, strike, price, years, rate=0.0, model="black76", dividend_yield=0.0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn implied_volatility(
    option_type: &str,
    underlying: f64,
    strike: f64,
    price: f64,
    years: f64,
    rate: f64,
    model: &str,
    dividend_yield: f64,
) -> PyResult<f64> {
    let m = model_arg(model, dividend_yield)?;
    let c = contract(option_type, underlying, strike, years, rate)?;
    m.implied_volatility(&c, price)
        .map_err(|e| ValidationError::new_err(e.to_string()))
}
