//! The GTT bodies of the official client 2.x (`openalgo/gtt.py`): the trigger type upper-cased,
//! numbers through Python's `float()` and sent as JSON numbers, SINGLE's leg limits sent as
//! `null`, and the client's own refusals returned as `validation_error` dicts before anything
//! is sent.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyString};
use serde_json::Value;

use super::payload::Payload;

/// The GTT fields shared by place and modify, as the caller gave them.
pub(super) struct GttArgs<'a, 'py> {
    pub(super) strategy: Option<&'a Bound<'py, PyAny>>,
    pub(super) trigger_type: Option<&'a Bound<'py, PyAny>>,
    pub(super) symbol: &'a Bound<'py, PyAny>,
    pub(super) action: &'a Bound<'py, PyAny>,
    pub(super) exchange: &'a Bound<'py, PyAny>,
    pub(super) product: Option<&'a Bound<'py, PyAny>>,
    pub(super) quantity: Option<&'a Bound<'py, PyAny>>,
    pub(super) price_type: Option<&'a Bound<'py, PyAny>>,
    pub(super) price: Option<&'a Bound<'py, PyAny>>,
    pub(super) triggerprice_sl: Option<&'a Bound<'py, PyAny>>,
    pub(super) triggerprice_tg: Option<&'a Bound<'py, PyAny>>,
    pub(super) stoploss: Option<&'a Bound<'py, PyAny>>,
    pub(super) target: Option<&'a Bound<'py, PyAny>>,
    pub(super) kwargs: Option<&'a Bound<'py, PyDict>>,
}

/// The client's refusal: `{'status': 'error', 'message': ..., 'error_type': 'validation_error'}`.
fn refusal<'py>(py: Python<'py>, message: &str) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("status", "error")?;
    d.set_item("message", message)?;
    d.set_item("error_type", "validation_error")?;
    Ok(d.into_any())
}

/// `_num`: `None` and `""` are the default, anything else goes through `float()`.
fn num(value: Option<&Bound<'_, PyAny>>, default: Option<f64>) -> PyResult<Option<f64>> {
    let Some(v) = value else { return Ok(default) };
    let blank = v
        .cast::<PyString>()
        .is_ok_and(|s| s.is_empty().unwrap_or(false));
    if v.is_none() || blank {
        return Ok(default);
    }
    let f = v.py().get_type::<PyFloat>().call1((v,))?;
    Ok(Some(f.extract::<f64>()?))
}

/// `str(value).upper()`, by Python.
fn upper(value: &Bound<'_, PyAny>) -> PyResult<String> {
    value.str()?.call_method0("upper")?.extract()
}

fn number(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// `float(quantity) if float(quantity) % 1 else int(quantity)` (default 1).
fn quantity(value: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    let Some(v) = value else {
        return Ok(Value::from(1));
    };
    let py = v.py();
    let f = py.get_type::<PyFloat>().call1((v,))?.extract::<f64>()?;
    if f % 1.0 != 0.0 {
        return Ok(Value::from(f));
    }
    let i = py.get_type::<PyInt>().call1((v,))?;
    crate::json::from_py(&i)
}

/// Builds the body, or the client's refusal.
pub(super) fn body<'py>(
    py: Python<'py>,
    mut p: Payload,
    a: &GttArgs<'_, 'py>,
) -> PyResult<Result<Payload, Bound<'py, PyAny>>> {
    let kind = match a.trigger_type {
        Some(t) => upper(t)?,
        None => "SINGLE".to_owned(),
    };
    if kind != "SINGLE" && kind != "OCO" {
        return Ok(Err(refusal(py, "trigger_type must be 'SINGLE' or 'OCO'.")?));
    }
    let sl = num(a.triggerprice_sl, Some(0.0))?.unwrap_or(0.0);
    let tg = num(a.triggerprice_tg, Some(0.0))?.unwrap_or(0.0);
    let (sl_limit, tg_limit) = if kind == "OCO" {
        let sl_limit = num(a.stoploss, None)?;
        let tg_limit = num(a.target, None)?;
        let set = |v: Option<f64>| v.is_some_and(|f| f != 0.0);
        let missing: Vec<&str> = [
            ("triggerprice_sl", set(Some(sl))),
            ("stoploss", set(sl_limit)),
            ("triggerprice_tg", set(Some(tg))),
            ("target", set(tg_limit)),
        ]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            let message = format!("Required for OCO: {}.", missing.join(", "));
            return Ok(Err(refusal(py, &message)?));
        }
        if sl >= tg {
            return Ok(Err(refusal(
                py,
                "Stoploss trigger must be less than target trigger (triggerprice_sl < triggerprice_tg).",
            )?));
        }
        (sl_limit, tg_limit)
    } else {
        if sl <= 0.0 && tg <= 0.0 {
            return Ok(Err(refusal(
                py,
                "SINGLE GTT requires a positive triggerprice_sl or triggerprice_tg.",
            )?));
        }
        if sl > 0.0 && tg > 0.0 {
            return Ok(Err(refusal(
                py,
                "SINGLE GTT takes exactly one of triggerprice_sl or triggerprice_tg; set the other to 0.",
            )?));
        }
        (None, None)
    };
    p.raw_or("strategy", a.strategy, "Python")?
        .put("trigger_type", &kind)
        .raw("exchange", a.exchange)?
        .raw("symbol", a.symbol)?
        .put("action", &upper(a.action)?)
        .raw_or("product", a.product, "CNC")?
        .put_json("quantity", quantity(a.quantity)?)
        .raw_or("pricetype", a.price_type, "LIMIT")?
        .put_json("price", number(num(a.price, Some(0.0))?))
        .put_json("triggerprice_sl", Value::from(sl))
        .put_json("triggerprice_tg", Value::from(tg))
        .put_json("stoploss", number(sl_limit))
        .put_json("target", number(tg_limit))
        .kwargs_raw(a.kwargs)?;
    Ok(Ok(p))
}
