//! The account rows as Python objects: the core rows (`openalgo_core::rows`) the server writes,
//! serialised the same way and decoded into dicts with the server's keys in the server's order.
//! The one difference is the type of money: `decimal.Decimal` holding the server's value (its
//! floats read through their shortest text, the funds' 2-place text parsed exactly).

use openalgo_core::rows::FundsRow;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::json;

fn value(row: &impl Serialize) -> PyResult<serde_json::Value> {
    serde_json::to_value(row).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A row, a list of rows or a book payload (`OrderBook`, `HoldingsBook`) as Python objects.
pub(crate) fn to_py<'py>(py: Python<'py>, row: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    json::to_py_exact(py, &value(row)?)
}

/// One row as a dict (sandbox rows add their own keys after the server's).
pub(crate) fn dict<'py>(py: Python<'py>, row: &impl Serialize) -> PyResult<Bound<'py, PyDict>> {
    Ok(to_py(py, row)?.cast_into::<PyDict>()?)
}

/// The funds row as a dict of `Decimal`s equal to the server's 2-place texts.
pub(crate) fn funds<'py>(py: Python<'py>, row: &FundsRow) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    if let serde_json::Value::Object(map) = value(row)? {
        for (k, v) in &map {
            let text = v.as_str().unwrap_or_default();
            let amount = Decimal::from_str_exact(text)
                .map_err(|e| PyValueError::new_err(format!("{k}: {e}")))?;
            d.set_item(k, amount)?;
        }
    }
    Ok(d)
}
