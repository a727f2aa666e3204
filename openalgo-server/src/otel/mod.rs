//! OpenTelemetry trace export (feature `otel`): the server's spans (each request, the order
//! log's commit, whatever the crates instrument at `info`) sent as OTLP/HTTP JSON to a
//! collector, so a request can be followed across instances and into a tracing backend.
//!
//! Switched on by `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, `/v1/traces` appended), as the OpenTelemetry
//! SDKs read them; `OTEL_SERVICE_NAME` names the service (default `openalgo`). A request that
//! carries a W3C `traceparent` continues that trace. Export never blocks a request: spans go
//! through a bounded queue to one exporter thread that posts a batch a second (or every 512
//! spans); a full queue or a collector that is down drops spans, never requests.
//!
//! Written against the OTLP specification without the `opentelemetry` crates (their gRPC and
//! protobuf stack would dominate a cold build); `scripts/otlp-fidelity` checks what it sends
//! against the official `opentelemetry-proto` definitions.

mod encode;
mod export;
mod layer;

pub use export::Exporter;
pub use layer::{OtlpLayer, Traceparent};

/// Where spans go and under which service name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtelConfig {
    /// The collector's traces URL (`http://…/v1/traces`).
    pub endpoint: String,
    /// `service.name` of every span.
    pub service: String,
}

impl OtelConfig {
    /// The configuration from the OpenTelemetry variables, `None` when export is off.
    ///
    /// # Errors
    /// A message naming the variable when the endpoint is not an `http://` URL.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let non_empty = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (name, endpoint) = if let Some(url) = non_empty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)
        } else if let Some(base) = non_empty("OTEL_EXPORTER_OTLP_ENDPOINT") {
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("{}/v1/traces", base.trim_end_matches('/')),
            )
        } else {
            return Ok(None);
        };
        if !endpoint.starts_with("http://") || endpoint.len() <= "http://".len() {
            return Err(format!(
                "{name}: '{endpoint}' is not an http:// URL (the exporter speaks OTLP/HTTP without TLS; put a collector beside the server)"
            ));
        }
        Ok(Some(Self {
            endpoint,
            service: non_empty("OTEL_SERVICE_NAME").unwrap_or_else(|| "openalgo".into()),
        }))
    }
}

/// Starts the exporter for `config`: the layer to add to the subscriber, and the exporter
/// (drop it at exit to send what is queued).
#[must_use]
pub fn start(config: &OtelConfig) -> (OtlpLayer, Exporter) {
    let (exporter, queue) = Exporter::spawn(config.clone());
    (OtlpLayer::new(queue), exporter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::vars;

    #[test]
    fn the_endpoint_follows_the_sdk_variables() {
        assert_eq!(OtelConfig::from_vars(&vars(&[])), Ok(None));
        let c = OtelConfig::from_vars(&vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.endpoint, "http://c:4318/v1/traces");
        assert_eq!(c.service, "openalgo");
        let c = OtelConfig::from_vars(&vars(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:9/x"),
            ("OTEL_SERVICE_NAME", "desk-1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.endpoint.as_str(), c.service.as_str()),
            ("http://t:9/x", "desk-1")
        );
        let e = OtelConfig::from_vars(&vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c")]));
        assert!(e.unwrap_err().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }
}
