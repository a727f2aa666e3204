//! The `angel` arm of `openalgo_rs.Broker`: the SmartAPI adapter built from keyword options,
//! logged in with the client code, PIN and a fresh TOTP (none of them kept), and with its
//! instrument master downloaded, so the `api` method names work at once.

use std::sync::Arc;

use openalgo_brokers::angel::{AngelBroker, AngelConfig};
use openalgo_core::broker::LoginRequest;
use openalgo_core::{Broker as CoreBroker, SymbolTable};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use secrecy::SecretString;

use crate::convert::option_text as text;
use crate::error::{self, ValidationError};
use crate::runtime::runtime;

/// Options: `api_key`, `client_code`, `pin`, `totp` (required); `rest_url`, `ws_url`,
/// `order_ws_url`, `master_url` (Angel's hosts by default).
pub(crate) fn build(
    py: Python<'_>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<dyn CoreBroker>, Arc<SymbolTable>)> {
    let empty = PyDict::new(py);
    let options = options.unwrap_or(&empty);
    let required = |key: &str| -> PyResult<String> {
        text(options, key)?.ok_or_else(|| ValidationError::new_err(format!("angel needs '{key}'")))
    };
    let mut config = AngelConfig::new(required("api_key")?);
    if let Some(url) = text(options, "rest_url")? {
        config.rest_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = text(options, "ws_url")? {
        config.ws_url = url;
    }
    if let Some(url) = text(options, "order_ws_url")? {
        config.order_ws_url = Some(url);
    }
    if let Some(url) = text(options, "master_url")? {
        config.master_url = url;
    }
    let login = LoginRequest::Credentials {
        client_code: required("client_code")?,
        pin: SecretString::from(required("pin")?),
        totp: SecretString::from(required("totp")?),
    };
    let broker = Arc::new(AngelBroker::new(config).map_err(|e| error::broker(&e))?);
    let ready = Arc::clone(&broker);
    let symbols = py
        .detach(|| {
            runtime().block_on(async move {
                ready.authenticate(&login).await?;
                ready.load_master().await
            })
        })
        .map_err(|e| error::broker(&e))?
        .0;
    Ok((broker, symbols))
}
