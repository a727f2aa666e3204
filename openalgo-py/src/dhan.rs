//! The `dhan` arm of `openalgo_rs.Broker`: the DhanHQ v2 adapter built from keyword options,
//! logged in with the client id and an access token generated on Dhan's web console, and with
//! the scrip master downloaded, so the `api` method names work at once.

use std::sync::Arc;

use openalgo_brokers::dhan::{DhanBroker, DhanConfig};
use openalgo_core::broker::LoginRequest;
use openalgo_core::{Broker as CoreBroker, SymbolTable};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use secrecy::SecretString;

use crate::convert::option_text as text;
use crate::error::{self, ValidationError};
use crate::runtime::runtime;

/// Options: `client_id`, `access_token` (required); `rest_url`, `auth_url`, `ws_url`,
/// `order_ws_url`, `master_url` (Dhan's hosts by default).
pub(crate) fn build(
    py: Python<'_>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<dyn CoreBroker>, Arc<SymbolTable>)> {
    let empty = PyDict::new(py);
    let options = options.unwrap_or(&empty);
    let required = |key: &str| -> PyResult<String> {
        text(options, key)?
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ValidationError::new_err(format!("dhan needs '{key}'")))
    };
    let mut config = DhanConfig::new(required("client_id")?.trim());
    let token = SecretString::from(required("access_token")?);
    if let Some(url) = text(options, "rest_url")? {
        config.rest_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = text(options, "auth_url")? {
        config.auth_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = text(options, "ws_url")? {
        config.ws_url = url;
    }
    if let Some(url) = text(options, "order_ws_url")? {
        config.order_ws_url = url;
    }
    if let Some(url) = text(options, "master_url")? {
        config.master_url = url;
    }
    let broker = Arc::new(DhanBroker::new(config).map_err(|e| error::broker(&e))?);
    let ready = Arc::clone(&broker);
    let symbols = py
        .detach(|| {
            runtime().block_on(async move {
                ready
                    .authenticate(&LoginRequest::AccessToken(token))
                    .await?;
                ready.load_master().await
            })
        })
        .map_err(|e| error::broker(&e))?
        .0;
    Ok((broker, symbols))
}
