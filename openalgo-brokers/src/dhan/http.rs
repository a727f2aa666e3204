//! [`DhanHttp`]: the DhanHQ v2 REST client. Every call carries `access-token`, `client-id` and
//! `Accept: application/json`; bodies are JSON (`Content-Type: application/json`). Answers are
//! bare JSON objects or arrays; failures come in Dhan's `{errorType, errorCode, errorMessage}`
//! envelope (trading APIs) or `{status: "failed", data: {"<code>": "<message>"}}` (data APIs),
//! and are classified into [`BrokerError`] here, once. Failure bodies are never echoed raw.

use std::sync::{PoisonError, RwLock};

use openalgo_core::BrokerError;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::DhanConfig;

/// A DhanHQ failure before classification.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The request never got an answer.
    #[error("{0}")]
    Transport(String),
    /// Dhan answered with an error envelope (or a bare error status).
    #[error("{message}")]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The answer could not be read.
    #[error("{0}")]
    Decode(String),
    /// No session: the user has not logged in to the broker yet.
    #[error("not logged in to Dhan")]
    NoSession,
}

impl HttpError {
    fn is_auth(&self) -> bool {
        matches!(
            self,
            Self::Api { status, code, .. }
                if matches!(classify(*status, code.as_deref(), String::new()), BrokerError::Auth(_))
        )
    }
}

impl From<HttpError> for BrokerError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Transport(m) => Self::Connectivity(m),
            HttpError::Decode(m) => Self::Decode(m),
            HttpError::NoSession => Self::Auth("Dhan session missing: log in again".into()),
            HttpError::Api {
                status,
                code,
                message,
            } => classify(status, code.as_deref(), message),
        }
    }
}

/// Maps Dhan's `errorCode` (`DH-9xx`, or a data API's numeric code), else the HTTP status, to a
/// [`BrokerError`] class.
#[must_use]
pub(crate) fn classify(status: u16, code: Option<&str>, message: String) -> BrokerError {
    match code {
        // Invalid_Authentication; data APIs: expired/invalid token, invalid client id.
        Some("DH-901" | "401" | "807" | "808" | "809" | "810") => BrokerError::Auth(message),
        // Rate_Limit; data APIs: too many requests.
        Some("DH-904" | "805") => BrokerError::RateLimited { retry_after: None },
        // Internal_Server_Error, Network_Error.
        Some("DH-908" | "DH-909") => BrokerError::Connectivity(message),
        Some(_) if status == 429 => BrokerError::RateLimited { retry_after: None },
        // Invalid_Access, User_Account, Input_Exception, Order_Error, Data_Error, Others, 806...
        Some(c) => BrokerError::Rejected {
            code: Some(c.to_owned()),
            message,
        },
        None => match status {
            429 => BrokerError::RateLimited { retry_after: None },
            401 | 403 => BrokerError::Auth(message),
            404 => BrokerError::NotFound(message),
            s if s >= 500 => BrokerError::Connectivity(message),
            _ => BrokerError::Rejected {
                code: None,
                message,
            },
        },
    }
}

/// A DhanHQ REST client bound to one client id and (after login) one access token.
#[derive(Debug)]
pub(crate) struct DhanHttp {
    client: reqwest::Client,
    root: String,
    client_id: RwLock<String>,
    access_token: RwLock<Option<SecretString>>,
}

fn transport(e: &reqwest::Error) -> HttpError {
    HttpError::Transport(e.to_string())
}

impl DhanHttp {
    pub(crate) fn new(config: &DhanConfig) -> Result<Self, BrokerError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| BrokerError::Connectivity(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            root: config.rest_url.clone(),
            client_id: RwLock::new(config.client_id.clone()),
            access_token: RwLock::new(None),
        })
    }

    pub(crate) fn client_id(&self) -> String {
        self.client_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_client_id(&self, id: &str) {
        id.clone_into(
            &mut self
                .client_id
                .write()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    pub(crate) fn set_access_token(&self, token: Option<SecretString>) {
        *self
            .access_token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = token;
    }

    pub(crate) fn access_token(&self) -> Option<SecretString> {
        self.access_token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Dhan refused the token a call was made with: forget it (unless a login replaced it
    /// meanwhile), so later calls fail at once with "log in again".
    fn expire_if_refused<T>(
        &self,
        used: &SecretString,
        result: Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        if let Err(e) = &result
            && e.is_auth()
        {
            crate::refused_session::forget(&self.access_token, used, |t| t, "Dhan");
        }
        result
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, HttpError> {
        let token = self.access_token().ok_or(HttpError::NoSession)?;
        let mut rb = self
            .client
            .request(method, format!("{}{path}", self.root))
            .header("access-token", token.expose_secret())
            .header("client-id", self.client_id())
            .header("Accept", "application/json");
        if let Some(body) = body {
            rb = rb.json(body);
        }
        let result = async {
            let response = rb.send().await.map_err(|e| transport(&e.without_url()))?;
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| transport(&e.without_url()))?;
            decode(status, &bytes)
        }
        .await;
        self.expire_if_refused(&token, result)
    }

    /// `GET`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        self.call(Method::GET, path, None).await
    }

    /// `POST` with a JSON body.
    pub(crate) async fn post<T: DeserializeOwned, B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, HttpError> {
        let body = serde_json::to_value(body).map_err(|e| HttpError::Decode(e.to_string()))?;
        self.call(Method::POST, path, Some(&body)).await
    }

    /// `PUT` with a JSON body.
    pub(crate) async fn put<T: DeserializeOwned, B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, HttpError> {
        let body = serde_json::to_value(body).map_err(|e| HttpError::Decode(e.to_string()))?;
        self.call(Method::PUT, path, Some(&body)).await
    }

    /// `DELETE`.
    pub(crate) async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        self.call(Method::DELETE, path, None).await
    }

    /// `GET` of a public document (the instrument master), unsigned.
    pub(crate) async fn get_public(&self, url: &str) -> Result<Vec<u8>, HttpError> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| transport(&e.without_url()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport(&e.without_url()))?;
        if !status.is_success() {
            return Err(status_error(status));
        }
        Ok(body.to_vec())
    }

    /// `POST` to the consent host with the app's `app_id`/`app_secret` headers and no body.
    pub(crate) async fn post_consent<T: DeserializeOwned>(
        &self,
        url: &str,
        app_id: &str,
        app_secret: &SecretString,
    ) -> Result<T, HttpError> {
        let response = self
            .client
            .post(url)
            .header("app_id", app_id)
            .header("app_secret", app_secret.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| transport(&e.without_url()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport(&e.without_url()))?;
        decode(status, &body)
    }
}

fn status_error(status: StatusCode) -> HttpError {
    HttpError::Api {
        status: status.as_u16(),
        code: None,
        message: format!("Dhan answered HTTP {}", status.as_u16()),
    }
}

/// The error a JSON body describes, if it is one of Dhan's error envelopes.
fn envelope_error(status: StatusCode, value: &Value) -> Option<HttpError> {
    let obj = value.as_object()?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    if obj.contains_key("errorCode") || obj.contains_key("errorType") {
        let code = text("errorCode").or_else(|| text("errorType"));
        let message = text("errorMessage")
            .or_else(|| text("errorType"))
            .unwrap_or_else(|| format!("Dhan answered HTTP {}", status.as_u16()));
        return Some(HttpError::Api {
            status: status.as_u16(),
            code,
            message,
        });
    }
    if matches!(
        obj.get("status").and_then(Value::as_str),
        Some("failed" | "failure" | "error")
    ) {
        let (code, message) = obj
            .get("data")
            .and_then(Value::as_object)
            .and_then(|d| d.iter().next())
            .map_or((None, None), |(k, v)| {
                (Some(k.clone()), v.as_str().map(str::to_owned))
            });
        return Some(HttpError::Api {
            status: status.as_u16(),
            code,
            message: message.unwrap_or_else(|| format!("Dhan answered HTTP {}", status.as_u16())),
        });
    }
    None
}

/// Reads an answer: the body on success, a classified error otherwise. A 2xx body that is an
/// error envelope is an error.
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, HttpError> {
    let value: Result<Value, _> = serde_json::from_slice(body);
    match value {
        Ok(v) => {
            if let Some(e) = envelope_error(status, &v) {
                return Err(e);
            }
            if !status.is_success() {
                return Err(status_error(status));
            }
            serde_json::from_value(v).map_err(|e| HttpError::Decode(e.to_string()))
        }
        Err(e) if status.is_success() => Err(HttpError::Decode(e.to_string())),
        // A failure body that is not JSON (a proxy's page): classify by status only.
        Err(_) => Err(status_error(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> BrokerError {
        decode::<Value>(StatusCode::from_u16(status).unwrap(), body.as_bytes())
            .unwrap_err()
            .into()
    }

    fn dh(code: &str, kind: &str) -> String {
        format!(r#"{{"errorType":"{kind}","errorCode":"{code}","errorMessage":"m"}}"#)
    }

    #[test]
    fn dhan_error_codes_are_classified() {
        assert_eq!(
            err(401, &dh("DH-901", "Invalid_Authentication")),
            BrokerError::Auth("m".into())
        );
        assert_eq!(
            err(429, &dh("DH-904", "Rate_Limit")),
            BrokerError::RateLimited { retry_after: None }
        );
        assert_eq!(
            err(400, &dh("DH-904", "Rate_Limit")),
            BrokerError::RateLimited { retry_after: None }
        );
        for code in ["DH-902", "DH-903", "DH-905", "DH-906", "DH-907", "DH-910"] {
            assert!(
                matches!(err(400, &dh(code, "X")), BrokerError::Rejected { code: Some(c), message } if c == code && message == "m"),
                "{code}"
            );
        }
        assert_eq!(
            err(500, &dh("DH-908", "Internal_Server_Error")),
            BrokerError::Connectivity("m".into())
        );
        assert_eq!(
            err(502, &dh("DH-909", "Network_Error")),
            BrokerError::Connectivity("m".into())
        );
    }

    #[test]
    fn data_api_envelopes_and_bare_statuses() {
        let data = |c: &str| format!(r#"{{"status":"failed","data":{{"{c}":"msg"}}}}"#);
        assert_eq!(err(200, &data("807")), BrokerError::Auth("msg".into()));
        assert_eq!(
            err(400, &data("805")),
            BrokerError::RateLimited { retry_after: None }
        );
        assert!(
            matches!(err(400, &data("806")), BrokerError::Rejected { code: Some(c), .. } if c == "806")
        );
        assert_eq!(
            err(429, "Too many requests"),
            BrokerError::RateLimited { retry_after: None }
        );
        assert!(
            matches!(err(404, "<html>secret</html>"), BrokerError::NotFound(m) if !m.contains("secret"))
        );
        assert!(matches!(err(401, "{}"), BrokerError::Auth(_)));
        assert!(
            matches!(err(503, "bad gateway"), BrokerError::Connectivity(m) if !m.contains("gateway"))
        );
        // A 2xx body that is an error envelope is an error.
        assert!(matches!(
            err(200, &dh("DH-906", "Order_Error")),
            BrokerError::Rejected { .. }
        ));
        assert!(matches!(
            decode::<Value>(StatusCode::OK, b"not json"),
            Err(HttpError::Decode(_))
        ));
        let ok: Value = decode(StatusCode::OK, br#"[{"orderId":"1"}]"#).unwrap();
        assert_eq!(ok[0]["orderId"], "1");
    }
}
