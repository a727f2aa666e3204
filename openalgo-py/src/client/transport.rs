//! One pooled HTTP client (keep-alive) and the official client's reading of responses
//! (rest-api.md §1.13): non-200 → `http_error` dict, `status: error` → `api_error` dict,
//! anything else → the parsed body unchanged; transport failures → their `error_type`.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::json::decode;
use crate::runtime::runtime;

/// What came back from one request, before the GIL is taken again.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An HTTP response.
    Response { status: u16, body: Vec<u8> },
    /// The request timed out.
    Timeout,
    /// The server could not be reached.
    Connect,
    /// Any other transport failure.
    Http(String),
}

/// The HTTP side of a client: base URL, timeout and the pooled connection.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
}

impl Transport {
    pub(crate) fn new(base_url: String, timeout: Duration) -> PyResult<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(50)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| crate::error::ConnectivityError::new_err(e.to_string()))?;
        Ok(Self {
            http,
            base_url,
            timeout,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs a JSON body to `endpoint` with the GIL released, then reads the answer.
    pub(crate) fn post<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = self
            .http
            .post(format!("{}{endpoint}", self.base_url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body);
        let outcome = py.detach(|| runtime().block_on(send(request)));
        handle(py, outcome)
    }

    /// POSTs like [`Self::post`] and reads the answer as the 2.x client's `BaseAPI._post`
    /// does (the GTT methods): a JSON object comes back as sent, a non-200 one with `code`.
    pub(crate) fn post_v2<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = self
            .http
            .post(format!("{}{endpoint}", self.base_url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body);
        let outcome = py.detach(|| runtime().block_on(send(request)));
        handle_v2(py, outcome)
    }

    /// GETs `endpoint` with query parameters, GIL released, and reads the answer.
    pub(crate) fn get<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = self
            .http
            .get(format!("{}{endpoint}", self.base_url))
            .query(query)
            .timeout(self.timeout);
        let outcome = py.detach(|| runtime().block_on(send(request)));
        handle(py, outcome)
    }
}

async fn send(request: reqwest::RequestBuilder) -> Outcome {
    let classify = |e: reqwest::Error| {
        if e.is_timeout() {
            Outcome::Timeout
        } else if e.is_connect() {
            Outcome::Connect
        } else {
            Outcome::Http(e.to_string())
        }
    };
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => Outcome::Response {
                    status,
                    body: body.to_vec(),
                },
                Err(e) => classify(e),
            }
        }
        Err(e) => classify(e),
    }
}

fn error_dict<'py>(
    py: Python<'py>,
    message: &str,
    code: Option<u16>,
    error_type: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("status", "error")?;
    d.set_item("message", message)?;
    if let Some(c) = code {
        d.set_item("code", c)?;
    }
    d.set_item("error_type", error_type)?;
    Ok(d.into_any())
}

/// The 2.x client's `BaseAPI._post` reading.
pub(crate) fn handle_v2(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    let (status, body) = match outcome {
        Outcome::Response { status, body } => (status, body),
        other => return handle(py, other),
    };
    let data = match decode(py, &body) {
        Ok(v) => v,
        Err(Some(e)) => return Err(e),
        Err(None) => {
            let text = String::from_utf8_lossy(&body);
            let d = PyDict::new(py);
            d.set_item("status", "error")?;
            if status == 200 {
                d.set_item("message", "Invalid JSON response from server")?;
            } else {
                d.set_item("message", format!("HTTP {status}: {text}"))?;
            }
            d.set_item("raw_response", text)?;
            d.set_item("code", status)?;
            d.set_item(
                "error_type",
                if status == 200 {
                    "json_error"
                } else {
                    "http_error"
                },
            )?;
            return Ok(d.into_any());
        }
    };
    let Ok(dict) = data.cast::<PyDict>() else {
        let d = PyDict::new(py);
        d.set_item("status", "error")?;
        d.set_item("message", "Unexpected JSON response from server")?;
        d.set_item("raw_response", &data)?;
        d.set_item("code", status)?;
        d.set_item("error_type", "json_error")?;
        return Ok(d.into_any());
    };
    if status != 200 {
        if !dict.contains("status")? {
            dict.set_item("status", "error")?;
        }
        dict.set_item("code", status)?;
    }
    Ok(data)
}

/// The official client's `_handle_response` and exception mapping.
pub(crate) fn handle(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    let (status, body) = match outcome {
        Outcome::Response { status, body } => (status, body),
        Outcome::Timeout => {
            return error_dict(
                py,
                "Request timed out. The server took too long to respond.",
                None,
                "timeout_error",
            );
        }
        Outcome::Connect => {
            return error_dict(
                py,
                "Failed to connect to the server. Please check if the server is running.",
                None,
                "connection_error",
            );
        }
        Outcome::Http(e) => {
            return error_dict(py, &format!("HTTP error occurred: {e}"), None, "http_error");
        }
    };
    if status != 200 {
        let text = String::from_utf8_lossy(&body);
        return error_dict(
            py,
            &format!("HTTP {status}: {text}"),
            Some(status),
            "http_error",
        );
    }
    let data = match decode(py, &body) {
        Ok(v) => v,
        Err(Some(e)) => return Err(e),
        Err(None) => {
            let d = PyDict::new(py);
            d.set_item("status", "error")?;
            d.set_item("message", "Invalid JSON response from server")?;
            d.set_item("raw_response", String::from_utf8_lossy(&body))?;
            d.set_item("error_type", "json_error")?;
            return Ok(d.into_any());
        }
    };
    let Ok(dict) = data.cast::<PyDict>() else {
        let kind = data.get_type().name()?;
        return error_dict(
            py,
            &format!("'{kind}' object has no attribute 'get'"),
            None,
            "unknown_error",
        );
    };
    let is_error = dict.get_item("status")?.is_some_and(|s| {
        s.cast::<PyString>()
            .is_ok_and(|s| s.to_cow().is_ok_and(|s| s == "error"))
    });
    if is_error {
        let message = match dict.get_item("message")? {
            Some(m) => m,
            None => PyString::new(py, "Unknown error").into_any(),
        };
        let d = PyDict::new(py);
        d.set_item("status", "error")?;
        d.set_item("message", message)?;
        d.set_item("code", status)?;
        d.set_item("error_type", "api_error")?;
        return Ok(d.into_any());
    }
    Ok(data)
}
