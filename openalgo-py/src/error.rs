//! The Python exception hierarchy and the one place Rust errors become Python exceptions.
//!
//! ```text
//! OpenAlgoError
//! ├── ValidationError (also ValueError)    bad input: vocab, symbols, order fields
//! │   └── SymbolNotFoundError              not in the instrument master
//! ├── OrderRejectedError                   the engine or broker refused the order
//! │   └── InsufficientFundsError
//! ├── NotFoundError (also KeyError)        unknown order id, no open position
//! └── BrokerError                          broker transport and session failures
//!     ├── ConnectivityError
//!     ├── AuthError
//!     ├── RateLimitedError
//!     ├── UnsupportedError
//!     └── DecodeError
//! ```

use openalgo_core::sandbox::SandboxError;
use openalgo_core::{BrokerError as CoreBrokerError, OrderError, SymbolError, VocabError};
use pyo3::PyTypeInfo;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

create_exception!(
    openalgo_rs,
    OpenAlgoError,
    PyException,
    "Base of every openalgo_rs error."
);
create_exception!(
    openalgo_rs,
    ValidationError,
    OpenAlgoError,
    "Invalid input (also a ValueError)."
);
create_exception!(
    openalgo_rs,
    SymbolNotFoundError,
    ValidationError,
    "Not in the instrument master."
);
create_exception!(
    openalgo_rs,
    OrderRejectedError,
    OpenAlgoError,
    "The engine or broker refused the order."
);
create_exception!(
    openalgo_rs,
    InsufficientFundsError,
    OrderRejectedError,
    "Not enough free cash for the margin."
);
create_exception!(
    openalgo_rs,
    NotFoundError,
    OpenAlgoError,
    "Unknown order or position (also a KeyError)."
);
create_exception!(openalgo_rs, BrokerError, OpenAlgoError, "A broker failure.");
create_exception!(
    openalgo_rs,
    ConnectivityError,
    BrokerError,
    "The broker could not be reached."
);
create_exception!(
    openalgo_rs,
    AuthError,
    BrokerError,
    "The broker session is missing or expired."
);
create_exception!(
    openalgo_rs,
    RateLimitedError,
    BrokerError,
    "The broker throttled the request."
);
create_exception!(
    openalgo_rs,
    UnsupportedError,
    BrokerError,
    "The broker does not offer this."
);
create_exception!(
    openalgo_rs,
    DecodeError,
    BrokerError,
    "The broker's answer could not be read."
);

/// Registers the hierarchy on the module. `ValidationError` and `NotFoundError` also derive
/// from `ValueError` and `KeyError` so generic Python handlers catch them.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let add_base = |cls: &Bound<'_, pyo3::types::PyType>, extra: Bound<'_, pyo3::types::PyType>| {
        let bases = PyTuple::new(
            py,
            [cls.getattr("__bases__")?.get_item(0)?, extra.into_any()],
        )?;
        cls.setattr("__bases__", bases)
    };
    // Multiple inheritance from built-in exceptions is set after creation (layouts match).
    let _ = add_base(
        &ValidationError::type_object(py),
        PyValueError::type_object(py),
    );
    let _ = add_base(&NotFoundError::type_object(py), PyKeyError::type_object(py));
    m.add("OpenAlgoError", py.get_type::<OpenAlgoError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("SymbolNotFoundError", py.get_type::<SymbolNotFoundError>())?;
    m.add("OrderRejectedError", py.get_type::<OrderRejectedError>())?;
    m.add(
        "InsufficientFundsError",
        py.get_type::<InsufficientFundsError>(),
    )?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("BrokerError", py.get_type::<BrokerError>())?;
    m.add("ConnectivityError", py.get_type::<ConnectivityError>())?;
    m.add("AuthError", py.get_type::<AuthError>())?;
    m.add("RateLimitedError", py.get_type::<RateLimitedError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    Ok(())
}

/// A vocabulary word that is not OpenAlgo's.
pub(crate) fn vocab(e: &VocabError) -> PyErr {
    ValidationError::new_err(e.to_string())
}

/// A symbol that does not parse.
pub(crate) fn symbol(e: &SymbolError) -> PyErr {
    ValidationError::new_err(e.to_string())
}

/// An order that fails validation.
pub(crate) fn order(e: OrderError) -> PyErr {
    match e {
        OrderError::SymbolNotFound { .. } => SymbolNotFoundError::new_err(e.to_string()),
        OrderError::Broker(b) => broker(&b),
        other => ValidationError::new_err(other.to_string()),
    }
}

/// A sandbox refusal.
pub(crate) fn sandbox(e: SandboxError) -> PyErr {
    match e {
        SandboxError::Invalid(o) => order(o),
        SandboxError::InsufficientFunds { .. } => InsufficientFundsError::new_err(e.to_string()),
        e if e.is_not_found() => NotFoundError::new_err(e.to_string()),
        e => OrderRejectedError::new_err(e.to_string()),
    }
}

/// A classified broker failure.
pub(crate) fn broker(e: &CoreBrokerError) -> PyErr {
    let text = e.to_string();
    match e {
        CoreBrokerError::Connectivity(_) => ConnectivityError::new_err(text),
        CoreBrokerError::Auth(_) => AuthError::new_err(text),
        CoreBrokerError::RateLimited { .. } => RateLimitedError::new_err(text),
        CoreBrokerError::Rejected { .. } => OrderRejectedError::new_err(text),
        CoreBrokerError::NotFound(_) => NotFoundError::new_err(text),
        CoreBrokerError::Unsupported { .. } => UnsupportedError::new_err(text),
        CoreBrokerError::Decode(_) => DecodeError::new_err(text),
    }
}
