//! [`KiteHttp`]: the signed Kite REST client. Every request carries `X-Kite-Version: 3`; every
//! authenticated one `Authorization: token <api_key>:<access_token>`. Bodies of POST/PUT are
//! form-encoded; answers arrive in the `{status, data, message, error_type}` envelope, and
//! failures are classified into [`BrokerError`] here, once.

use std::sync::{PoisonError, RwLock};

use openalgo_core::BrokerError;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::config::ZerodhaConfig;
use super::models::Envelope;

/// A Kite failure before classification.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The request never got an answer.
    #[error("{0}")]
    Transport(String),
    /// Kite answered with an error envelope (or a bare error status).
    #[error("{message}")]
    Api {
        status: u16,
        error_type: Option<String>,
        message: String,
    },
    /// The answer could not be read.
    #[error("{0}")]
    Decode(String),
    /// No session: the user has not logged in to the broker yet.
    #[error("not logged in to Zerodha")]
    NoSession,
}

impl From<HttpError> for BrokerError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Transport(m) => Self::Connectivity(m),
            HttpError::Decode(m) => Self::Decode(m),
            HttpError::NoSession => Self::Auth("Zerodha session missing: log in again".into()),
            HttpError::Api {
                status,
                error_type,
                message,
            } => classify(status, error_type, message),
        }
    }
}

/// Maps Kite's `error_type` (or, without one, the HTTP status) to a [`BrokerError`] class.
pub(crate) fn classify(status: u16, error_type: Option<String>, message: String) -> BrokerError {
    match error_type.as_deref() {
        Some("TokenException") => BrokerError::Auth(message),
        Some("NetworkException" | "DataException" | "GeneralException") if status >= 500 => {
            BrokerError::Connectivity(message)
        }
        Some(
            kind @ ("PermissionException"
            | "UserException"
            | "OrderException"
            | "InputException"
            | "MarginException"
            | "HoldingException"
            | "GeneralException"),
        ) if status != 429 => BrokerError::Rejected {
            code: Some(kind.to_owned()),
            message,
        },
        _ => match status {
            429 => BrokerError::RateLimited { retry_after: None },
            403 => BrokerError::Auth(message),
            404 => BrokerError::NotFound(message),
            s if s >= 500 => BrokerError::Connectivity(message),
            _ => BrokerError::Rejected {
                code: error_type,
                message,
            },
        },
    }
}

/// A Kite REST client bound to one app and (after login) one session.
#[derive(Debug)]
pub(crate) struct KiteHttp {
    client: reqwest::Client,
    root: String,
    api_key: String,
    access_token: RwLock<Option<SecretString>>,
}

/// Form fields in order.
pub(crate) type Form = Vec<(&'static str, String)>;

impl KiteHttp {
    pub(crate) fn new(config: &ZerodhaConfig) -> Result<Self, BrokerError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| BrokerError::Connectivity(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            root: config.rest_url.clone(),
            api_key: config.api_key.clone(),
            access_token: RwLock::new(None),
        })
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

    fn request(
        &self,
        method: Method,
        path: &str,
        signed: bool,
    ) -> Result<(reqwest::RequestBuilder, Option<SecretString>), HttpError> {
        let mut rb = self
            .client
            .request(method, format!("{}{path}", self.root))
            .header("X-Kite-Version", "3");
        let mut used = None;
        if signed {
            let token = self.access_token().ok_or(HttpError::NoSession)?;
            rb = rb.header(
                "Authorization",
                format!("token {}:{}", self.api_key, token.expose_secret()),
            );
            used = Some(token);
        }
        Ok((rb, used))
    }

    /// Kite refused the token a call was signed with (`TokenException`): the session is over
    /// until the next login. The token is forgotten (unless a login replaced it meanwhile), so
    /// later calls fail at once with "log in again" instead of hammering Kite with a dead token.
    fn expire_if_refused<T>(
        &self,
        used: Option<&SecretString>,
        result: Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        if let (Err(HttpError::Api { error_type, .. }), Some(used)) = (&result, used)
            && error_type.as_deref() == Some("TokenException")
        {
            crate::refused_session::forget(&self.access_token, used, |t| t, "Zerodha");
        }
        result
    }

    /// Sends a request built by `request` and reads the envelope's `data`.
    async fn call<T: DeserializeOwned>(
        &self,
        (rb, used): (reqwest::RequestBuilder, Option<SecretString>),
    ) -> Result<T, HttpError> {
        let result = Self::send(rb).await;
        self.expire_if_refused(used.as_ref(), result)
    }

    /// Sends and reads the envelope's `data`.
    async fn send<T: DeserializeOwned>(rb: reqwest::RequestBuilder) -> Result<T, HttpError> {
        let response = rb
            .send()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?;
        decode_envelope(status, &body)
    }

    /// `GET` with query parameters.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, HttpError> {
        let (rb, used) = self.request(Method::GET, path, true)?;
        self.call((rb.query(query), used)).await
    }

    /// `POST` with a form body; `signed = false` only for the session exchange.
    pub(crate) async fn post_form<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
        signed: bool,
    ) -> Result<T, HttpError> {
        let (rb, used) = self.request(Method::POST, path, signed)?;
        self.call((rb.form(form), used)).await
    }

    /// `PUT` with a form body.
    pub(crate) async fn put_form<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
    ) -> Result<T, HttpError> {
        let (rb, used) = self.request(Method::PUT, path, true)?;
        self.call((rb.form(form), used)).await
    }

    /// `DELETE`.
    pub(crate) async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        self.call(self.request(Method::DELETE, path, true)?).await
    }

    /// `GET` of a CSV body (the instrument master).
    pub(crate) async fn get_csv(&self, path: &str) -> Result<String, HttpError> {
        let (rb, used) = self.request(Method::GET, path, true)?;
        let response = rb
            .send()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?;
        if !status.is_success() {
            let refused = decode_envelope::<serde_json::Value>(status, &body)
                .and_then(|_| Err(HttpError::Decode(format!("unexpected HTTP {status}"))));
            return self.expire_if_refused(used.as_ref(), refused);
        }
        String::from_utf8(body.to_vec())
            .map_err(|_| HttpError::Decode("the instrument master is not UTF-8".into()))
    }
}

/// Reads Kite's envelope: `data` on success, a classified error otherwise. A 2xx answer whose
/// `status` is `"error"` is an error (the reference would read it as a success).
pub(crate) fn decode_envelope<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, HttpError> {
    let envelope: Result<Envelope<T>, _> = serde_json::from_slice(body);
    match envelope {
        Ok(env) if status.is_success() && env.status == "success" => env
            .data
            .ok_or_else(|| HttpError::Decode("success without data".into())),
        Ok(env) => Err(HttpError::Api {
            status: status.as_u16(),
            error_type: env.error_type,
            message: env
                .message
                .unwrap_or_else(|| format!("Zerodha answered HTTP {}", status.as_u16())),
        }),
        Err(e) if status.is_success() => Err(HttpError::Decode(e.to_string())),
        Err(_) => {
            // A failure body that is not the envelope (a proxy's HTML page): classify by status,
            // never echo the body.
            let generic: Result<Envelope<serde_json::Value>, _> = serde_json::from_slice(body);
            let (error_type, message) = generic.map_or_else(
                |_| (None, format!("Zerodha answered HTTP {}", status.as_u16())),
                |env| {
                    (
                        env.error_type,
                        env.message.unwrap_or_else(|| {
                            format!("Zerodha answered HTTP {}", status.as_u16())
                        }),
                    )
                },
            );
            Err(HttpError::Api {
                status: status.as_u16(),
                error_type,
                message,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> BrokerError {
        decode_envelope::<serde_json::Value>(StatusCode::from_u16(status).unwrap(), body.as_bytes())
            .unwrap_err()
            .into()
    }

    #[test]
    fn error_types_are_classified() {
        let body = |t: &str| {
            format!(r#"{{"status":"error","message":"m","error_type":"{t}","data":null}}"#)
        };
        assert_eq!(
            err(403, &body("TokenException")),
            BrokerError::Auth("m".into())
        );
        assert!(matches!(err(400, &body("InputException")),
            BrokerError::Rejected { code: Some(c), .. } if c == "InputException"));
        assert!(matches!(
            err(400, &body("MarginException")),
            BrokerError::Rejected { .. }
        ));
        assert!(matches!(
            err(500, &body("OrderException")),
            BrokerError::Rejected { .. }
        ));
        assert!(matches!(
            err(403, &body("PermissionException")),
            BrokerError::Rejected { .. }
        ));
        assert_eq!(
            err(503, &body("NetworkException")),
            BrokerError::Connectivity("m".into())
        );
        assert_eq!(
            err(502, &body("DataException")),
            BrokerError::Connectivity("m".into())
        );
        assert_eq!(
            err(500, &body("GeneralException")),
            BrokerError::Connectivity("m".into())
        );
        assert_eq!(
            err(429, &body("GeneralException")),
            BrokerError::RateLimited { retry_after: None }
        );
        assert_eq!(
            err(429, "Too many requests"),
            BrokerError::RateLimited { retry_after: None }
        );
        assert!(
            matches!(err(404, "<html>nope</html>"), BrokerError::NotFound(m) if !m.contains("html"))
        );
        assert!(matches!(
            err(502, "bad gateway"),
            BrokerError::Connectivity(_)
        ));
    }

    #[test]
    fn success_status_with_error_envelope_is_an_error() {
        // Reference quirk: a 2xx body saying "error" was read as success.
        let e = err(
            200,
            r#"{"status":"error","message":"no","error_type":"OrderException"}"#,
        );
        assert!(matches!(e, BrokerError::Rejected { message, .. } if message == "no"));
        let ok: serde_json::Value =
            decode_envelope(StatusCode::OK, br#"{"status":"success","data":{"a":1}}"#).unwrap();
        assert_eq!(ok["a"], 1);
        assert!(matches!(
            decode_envelope::<serde_json::Value>(StatusCode::OK, b"not json"),
            Err(HttpError::Decode(_))
        ));
    }
}
