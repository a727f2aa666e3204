//! [`AngelHttp`]: the SmartAPI REST client. Every request carries the SmartAPI header set
//! (`X-PrivateKey`, `X-UserType`, `X-SourceID`, `X-ClientLocalIP`, `X-ClientPublicIP`,
//! `X-MACAddress`, JSON content type); every authenticated one `Authorization: Bearer <jwt>`.
//! Bodies are JSON; answers arrive in the `{status, message, errorcode, data}` envelope, and
//! failures are classified into [`BrokerError`] here, once.

use std::sync::{PoisonError, RwLock};

use openalgo_core::BrokerError;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::auth::AngelSession;
use super::config::AngelConfig;
use super::models::Envelope;

/// The plain-text body SmartAPI answers a throttled request with.
const RATE_TEXT: &str = "exceeding access rate";

/// Error codes that mean the session (JWT) is invalid, expired or missing.
const AUTH_CODES: &[&str] = &["AG8001", "AG8002", "AG8003", "AB1010", "AB8050", "AB8051"];

/// A SmartAPI failure before classification.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The request never got an answer.
    #[error("{0}")]
    Transport(String),
    /// SmartAPI answered `status: false` (or a bare error status).
    #[error("{message}")]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Throttled (HTTP 429 or the "exceeding access rate" text).
    #[error("rate limited")]
    RateLimited,
    /// The answer could not be read.
    #[error("{0}")]
    Decode(String),
    /// No session: the user has not logged in to the broker yet.
    #[error("not logged in to Angel One")]
    NoSession,
}

impl HttpError {
    /// Whether this failure says the session token is no longer accepted.
    fn refuses_session(&self) -> bool {
        match self {
            Self::Api {
                status,
                code,
                message,
            } => matches!(
                classify(*status, code.clone(), message.clone()),
                BrokerError::Auth(_)
            ),
            _ => false,
        }
    }
}

impl From<HttpError> for BrokerError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Transport(m) => Self::Connectivity(m),
            HttpError::Decode(m) => Self::Decode(m),
            HttpError::RateLimited => Self::RateLimited { retry_after: None },
            HttpError::NoSession => Self::Auth("Angel One session missing: log in again".into()),
            HttpError::Api {
                status,
                code,
                message,
            } => classify(status, code, message),
        }
    }
}

/// Maps SmartAPI's `errorcode` (or, without one, the HTTP status) to a [`BrokerError`] class.
pub(crate) fn classify(status: u16, code: Option<String>, message: String) -> BrokerError {
    let code = code.filter(|c| !c.is_empty());
    if status == 429 || message.contains(RATE_TEXT) {
        return BrokerError::RateLimited { retry_after: None };
    }
    let lower = message.to_ascii_lowercase();
    if code.as_deref().is_some_and(|c| AUTH_CODES.contains(&c))
        || status == 401
        || lower.contains("invalid token")
        || lower.contains("token expired")
    {
        return BrokerError::Auth(message);
    }
    match status {
        403 => BrokerError::Auth(message),
        404 => BrokerError::NotFound(message),
        s if s >= 500 && code.is_none() => BrokerError::Connectivity(message),
        _ => BrokerError::Rejected { code, message },
    }
}

/// A SmartAPI REST client bound to one key and (after login) one session.
#[derive(Debug)]
pub(crate) struct AngelHttp {
    client: reqwest::Client,
    root: String,
    api_key: String,
    local_ip: String,
    public_ip: String,
    mac: String,
    session: RwLock<Option<AngelSession>>,
}

impl AngelHttp {
    pub(crate) fn new(config: &AngelConfig) -> Result<Self, BrokerError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| BrokerError::Connectivity(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            root: config.rest_url.clone(),
            api_key: config.api_key.clone(),
            local_ip: config.client_local_ip.clone(),
            public_ip: config.client_public_ip.clone(),
            mac: config.mac_address.clone(),
            session: RwLock::new(None),
        })
    }

    pub(crate) fn set_session(&self, session: Option<AngelSession>) {
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = session;
    }

    pub(crate) fn session(&self) -> Option<AngelSession> {
        self.session
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
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("X-UserType", "USER")
            .header("X-SourceID", "WEB")
            .header("X-ClientLocalIP", &self.local_ip)
            .header("X-ClientPublicIP", &self.public_ip)
            .header("X-MACAddress", &self.mac)
            .header("X-PrivateKey", &self.api_key);
        let mut used = None;
        if signed {
            let session = self.session().ok_or(HttpError::NoSession)?;
            rb = rb.header(
                "Authorization",
                format!("Bearer {}", session.jwt.expose_secret()),
            );
            used = Some(session.jwt);
        }
        Ok((rb, used))
    }

    /// SmartAPI refused the JWT a call was signed with: the session is over until the next
    /// login. It is forgotten (unless a login replaced it meanwhile).
    fn expire_if_refused<T>(
        &self,
        used: Option<&SecretString>,
        result: Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        if let (Err(e), Some(used)) = (&result, used)
            && e.refuses_session()
        {
            crate::refused_session::forget(&self.session, used, |s| &s.jwt, "Angel One");
        }
        result
    }

    async fn call<T: DeserializeOwned>(
        &self,
        (rb, used): (reqwest::RequestBuilder, Option<SecretString>),
    ) -> Result<T, HttpError> {
        let result = async {
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
        .await;
        self.expire_if_refused(used.as_ref(), result)
    }

    /// Authenticated `GET`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        self.call(self.request(Method::GET, path, true)?).await
    }

    /// `POST` with a JSON body; `signed = false` only for the login.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: String,
        signed: bool,
    ) -> Result<T, HttpError> {
        let (rb, used) = self.request(Method::POST, path, signed)?;
        self.call((rb.body(body), used)).await
    }

    /// `GET` of a public document (the instrument master) by full URL.
    pub(crate) async fn get_public(&self, url: &str) -> Result<Vec<u8>, HttpError> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(HttpError::RateLimited);
        }
        if !status.is_success() {
            return Err(HttpError::Api {
                status: status.as_u16(),
                code: None,
                message: format!("the instrument master answered HTTP {}", status.as_u16()),
            });
        }
        Ok(response
            .bytes()
            .await
            .map_err(|e| HttpError::Transport(e.without_url().to_string()))?
            .to_vec())
    }
}

/// A JSON object with its fields in the given order (the reference's body order).
pub(crate) fn json_body(fields: &[(&str, serde_json::Value)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&serde_json::Value::from(*k).to_string());
        out.push_str(": ");
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

/// Reads SmartAPI's envelope: `data` on success, a classified error otherwise. A 2xx answer
/// whose `status` is `false` is an error; a failure body is never echoed.
pub(crate) fn decode_envelope<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, HttpError> {
    if status == StatusCode::TOO_MANY_REQUESTS || memchr_text(body, RATE_TEXT) {
        return Err(HttpError::RateLimited);
    }
    let envelope: Result<Envelope<T>, _> = serde_json::from_slice(body);
    match envelope {
        Ok(env) if status.is_success() && env.status => match env.data {
            Some(data) => Ok(data),
            // `data: null` is an empty book when the caller reads an `Option`.
            None => serde_json::from_value(serde_json::Value::Null)
                .map_err(|_| HttpError::Decode("success without data".into())),
        },
        Ok(env) => Err(HttpError::Api {
            status: status.as_u16(),
            code: env.errorcode,
            message: env
                .message
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| format!("Angel One answered HTTP {}", status.as_u16())),
        }),
        Err(e) if status.is_success() => {
            // A `status: false` envelope whose `data` does not fit `T` is still a refusal.
            let generic: Result<Envelope<serde_json::Value>, _> = serde_json::from_slice(body);
            match generic {
                Ok(env) if !env.status => Err(HttpError::Api {
                    status: status.as_u16(),
                    code: env.errorcode,
                    message: env.message.unwrap_or_else(|| "Angel One refused".into()),
                }),
                _ => Err(HttpError::Decode(format!(
                    "unreadable Angel One answer: {e}"
                ))),
            }
        }
        Err(_) => {
            let generic: Result<Envelope<serde_json::Value>, _> = serde_json::from_slice(body);
            let (code, message) = generic.map_or_else(
                |_| (None, format!("Angel One answered HTTP {}", status.as_u16())),
                |env| {
                    (
                        env.errorcode,
                        env.message.unwrap_or_else(|| {
                            format!("Angel One answered HTTP {}", status.as_u16())
                        }),
                    )
                },
            );
            Err(HttpError::Api {
                status: status.as_u16(),
                code,
                message,
            })
        }
    }
}

fn memchr_text(body: &[u8], needle: &str) -> bool {
    body.len() < 4096 && memchr::memmem::find(body, needle.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> BrokerError {
        decode_envelope::<serde_json::Value>(StatusCode::from_u16(status).unwrap(), body.as_bytes())
            .unwrap_err()
            .into()
    }

    fn env(code: &str, message: &str) -> String {
        format!(r#"{{"status":false,"message":"{message}","errorcode":"{code}","data":null}}"#)
    }

    #[test]
    fn error_codes_are_classified() {
        assert_eq!(
            err(200, &env("AG8001", "Invalid Token")),
            BrokerError::Auth("Invalid Token".into())
        );
        assert!(matches!(
            err(200, &env("AG8002", "Token Expired")),
            BrokerError::Auth(_)
        ));
        assert!(matches!(err(401, &env("", "x")), BrokerError::Auth(_)));
        assert!(
            matches!(err(403, "<html>forbidden</html>"), BrokerError::Auth(m) if !m.contains("html"))
        );
        assert!(matches!(err(200, &env("AB1004", "Something Went Wrong")),
            BrokerError::Rejected { code: Some(c), .. } if c == "AB1004"));
        assert!(matches!(
            err(400, &env("AB4008", "Invalid order")),
            BrokerError::Rejected { .. }
        ));
        assert_eq!(
            err(429, "Too many"),
            BrokerError::RateLimited { retry_after: None }
        );
        assert_eq!(
            err(200, "Access denied because of exceeding access rate"),
            BrokerError::RateLimited { retry_after: None }
        );
        assert_eq!(
            err(403, "Access denied because of exceeding access rate"),
            BrokerError::RateLimited { retry_after: None }
        );
        assert!(
            matches!(err(404, "<html>nope</html>"), BrokerError::NotFound(m) if !m.contains("html"))
        );
        assert!(
            matches!(err(502, "bad gateway"), BrokerError::Connectivity(m) if !m.contains("bad"))
        );
    }

    #[test]
    fn gateway_token_refusals_are_auth() {
        // The API gateway's own shape: `success`/`errorCode`, `data` an empty string.
        let body = r#"{"success":false,"message":"Invalid Token","errorCode":"AG8001","data":""}"#;
        for status in [200, 403] {
            let e: BrokerError = decode_envelope::<Vec<serde_json::Value>>(
                StatusCode::from_u16(status).unwrap(),
                body.as_bytes(),
            )
            .unwrap_err()
            .into();
            assert_eq!(
                e,
                BrokerError::Auth("Invalid Token".into()),
                "HTTP {status}"
            );
        }
        let e = decode_envelope::<Vec<u8>>(StatusCode::OK, body.as_bytes()).unwrap_err();
        assert!(
            matches!(e, HttpError::Api { code: Some(ref c), .. } if c == "AG8001"),
            "{e:?}"
        );
    }

    #[test]
    fn success_status_with_false_envelope_is_an_error() {
        let e = err(200, &env("AB4008", "Order rejected"));
        assert!(matches!(e, BrokerError::Rejected { message, .. } if message == "Order rejected"));
        let ok: serde_json::Value = decode_envelope(
            StatusCode::OK,
            br#"{"status":true,"message":"SUCCESS","errorcode":"","data":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(ok["a"], 1);
        let empty: Option<Vec<u8>> =
            decode_envelope(StatusCode::OK, br#"{"status":true,"data":null}"#).unwrap();
        assert_eq!(empty, None);
        assert!(matches!(
            decode_envelope::<Vec<u8>>(StatusCode::OK, br#"{"status":true,"data":null}"#),
            Err(HttpError::Decode(_))
        ));
        assert!(matches!(
            decode_envelope::<serde_json::Value>(StatusCode::OK, b"not json"),
            Err(HttpError::Decode(_))
        ));
    }

    #[test]
    fn bodies_keep_field_order() {
        let b = json_body(&[("b", "1".into()), ("a", serde_json::json!(["x"]))]);
        assert_eq!(b, r#"{"b": "1", "a": ["x"]}"#);
    }
}
