//! The `zerodha` arm of `openalgo_rs.Broker`: the Kite Connect adapter built from keyword
//! options, logged in (an `access_token`, or a `request_token` exchanged with the app secret)
//! and with its instrument master downloaded, so the `api` method names work at once.

use std::sync::Arc;

use openalgo_brokers::zerodha::{ZerodhaBroker, ZerodhaConfig};
use openalgo_core::broker::LoginRequest;
use openalgo_core::{Broker as CoreBroker, SymbolTable};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use secrecy::SecretString;

use crate::convert::option_text as text;
use crate::error::{self, ValidationError};
use crate::runtime::runtime;

/// Options: `api_key`, `api_secret` (required); `access_token` or `request_token` (one of
/// them); `rest_url`, `ws_url`, `login_url` (Kite's hosts by default).
pub(crate) fn build(
    py: Python<'_>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<dyn CoreBroker>, Arc<SymbolTable>)> {
    let empty = PyDict::new(py);
    let options = options.unwrap_or(&empty);
    let required = |key: &str| -> PyResult<String> {
        text(options, key)?
            .ok_or_else(|| ValidationError::new_err(format!("zerodha needs '{key}'")))
    };
    let mut config = ZerodhaConfig::new(
        required("api_key")?,
        SecretString::from(required("api_secret")?),
    );
    if let Some(url) = text(options, "rest_url")? {
        config.rest_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = text(options, "ws_url")? {
        config.ws_url = url;
    }
    if let Some(url) = text(options, "login_url")? {
        config.login_url = url;
    }
    let login = match (
        text(options, "access_token")?,
        text(options, "request_token")?,
    ) {
        (Some(t), _) => LoginRequest::AccessToken(SecretString::from(t)),
        (None, Some(t)) => LoginRequest::RedirectToken(SecretString::from(t)),
        (None, None) => {
            return Err(ValidationError::new_err(
                "zerodha needs 'access_token' or 'request_token'",
            ));
        }
    };
    let broker = Arc::new(ZerodhaBroker::new(config).map_err(|e| error::broker(&e))?);
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
