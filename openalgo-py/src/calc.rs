//! The smart-order and split-order calculators (rest-api.md §5.1, §5.2), the same functions the
//! server and every broker adapter use.

use openalgo_core::Action;
use openalgo_core::orders::{SmartDecision, smart_decision, split_quantities};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::convert::{decimal, word};
use crate::error::{self, ValidationError};

/// What a smart order does given the current net position: `{"action": "BUY"|"SELL",
/// "quantity": n}` for one order, or `{"action": None, "quantity": 0, "message": ...}`.
/// `position_size` is truncated toward zero, as the reference does.
#[pyfunction]
#[pyo3(signature = (*, action, quantity, position_size, current, analyze=false))]
pub(crate) fn smart_order<'py>(
    py: Python<'py>,
    action: &str,
    quantity: u64,
    position_size: &Bound<'_, PyAny>,
    current: i64,
    analyze: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let target = truncate(position_size)?;
    let d = PyDict::new(py);
    match smart_decision(word::<Action>(action)?, quantity, target, current) {
        SmartDecision::Place { action, quantity } => {
            d.set_item("action", action.as_str())?;
            d.set_item("quantity", quantity)?;
        }
        SmartDecision::NoAction(reason) => {
            d.set_item("action", py.None())?;
            d.set_item("quantity", 0)?;
            d.set_item("message", reason.message(analyze))?;
        }
    }
    Ok(d)
}

/// The child quantities of a split order: `quantity // splitsize` children of `splitsize`, then
/// the remainder; at most 100 children.
#[pyfunction]
#[pyo3(signature = (*, quantity, splitsize))]
pub(crate) fn split_order(quantity: &Bound<'_, PyAny>, splitsize: u64) -> PyResult<Vec<u64>> {
    let total = decimal(quantity)?.trunc();
    if total < Decimal::ZERO {
        return Err(ValidationError::new_err(
            "Quantity must be a positive number",
        ));
    }
    let total = total
        .to_u64()
        .ok_or_else(|| ValidationError::new_err("quantity out of range"))?;
    split_quantities(total, splitsize).map_err(error::order)
}

/// `int(float(x))` without the float: a position size truncated toward zero.
pub(crate) fn truncate(value: &Bound<'_, PyAny>) -> PyResult<i64> {
    decimal(value)?
        .trunc()
        .to_i64()
        .ok_or_else(|| ValidationError::new_err("position_size out of range"))
}
