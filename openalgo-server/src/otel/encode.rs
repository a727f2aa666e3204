//! Closed spans as an OTLP/HTTP JSON `ExportTraceServiceRequest` (the protobuf JSON mapping
//! with the OTLP rules: trace and span ids in lowercase hex, enums as integers, 64-bit
//! integers as strings).

use serde_json::{Value, json};

use super::layer::{Attr, Finished};

/// OTLP `SpanKind`.
const KIND_INTERNAL: u8 = 1;
const KIND_SERVER: u8 = 2;
/// OTLP `StatusCode`.
const STATUS_UNSET: u8 = 0;
const STATUS_ERROR: u8 = 2;

/// The semantic-convention name of a request span's field.
fn request_key(field: &str) -> &str {
    match field {
        "method" => "http.request.method",
        "path" => "url.path",
        "status" => "http.response.status_code",
        "request_id" => "openalgo.request_id",
        other => other,
    }
}

fn value(v: &Attr) -> Value {
    match v {
        Attr::Str(s) => json!({"stringValue": s}),
        Attr::Int(i) => json!({"intValue": i.to_string()}),
        Attr::Bool(b) => json!({"boolValue": b}),
        Attr::Double(d) if d.is_finite() => json!({"doubleValue": d}),
        Attr::Double(d) => json!({"stringValue": d.to_string()}),
    }
}

fn span(s: &Finished) -> Value {
    let attributes: Vec<Value> = s
        .attributes
        .iter()
        .map(|(k, v)| {
            let key = if s.server { request_key(k) } else { k };
            json!({"key": key, "value": value(v)})
        })
        .collect();
    let failed = s.server
        && s.attributes
            .iter()
            .any(|(k, v)| *k == "status" && matches!(v, Attr::Int(code) if *code >= 500));
    let mut out = json!({
        "traceId": hex::encode(s.trace_id),
        "spanId": hex::encode(s.span_id),
        "name": s.name,
        "kind": if s.server { KIND_SERVER } else { KIND_INTERNAL },
        "startTimeUnixNano": s.start_ns.to_string(),
        "endTimeUnixNano": s.end_ns.to_string(),
        "attributes": attributes,
        "status": {"code": if failed { STATUS_ERROR } else { STATUS_UNSET }},
    });
    if let Some(parent) = s.parent {
        out["parentSpanId"] = json!(hex::encode(parent));
    }
    out
}

/// One request body for `spans` of `service`.
pub(super) fn encode(service: &str, spans: &[Finished]) -> Vec<u8> {
    let body = json!({
        "resourceSpans": [{
            "resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": service}},
                {"key": "service.version", "value": {"stringValue": env!("CARGO_PKG_VERSION")}},
                {"key": "telemetry.sdk.language", "value": {"stringValue": "rust"}},
            ]},
            "scopeSpans": [{
                "scope": {"name": "openalgo-server", "version": env!("CARGO_PKG_VERSION")},
                "spans": spans.iter().map(span).collect::<Vec<_>>(),
            }],
        }],
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_span_encodes_with_its_parent_kind_status_and_conventional_names() {
        let request = Finished {
            trace_id: [0xab; 16],
            span_id: [1; 8],
            parent: Some([2; 8]),
            name: "request",
            server: true,
            start_ns: 1_700_000_000_000_000_000,
            end_ns: 1_700_000_000_000_500_000,
            attributes: vec![
                ("method", Attr::Str("POST".into())),
                ("status", Attr::Int(503)),
                ("slow", Attr::Bool(false)),
                ("ratio", Attr::Double(0.5)),
            ],
        };
        let body: Value = serde_json::from_slice(&encode("svc", &[request])).expect("json");
        let rs = &body["resourceSpans"][0];
        assert_eq!(
            rs["resource"]["attributes"][0]["value"]["stringValue"],
            "svc"
        );
        let s = &rs["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "abababababababababababababababab");
        assert_eq!(s["spanId"], "0101010101010101");
        assert_eq!(s["parentSpanId"], "0202020202020202");
        assert_eq!(
            (s["kind"].as_u64(), s["status"]["code"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(s["startTimeUnixNano"], "1700000000000000000");
        let attrs = s["attributes"].as_array().expect("attributes");
        assert_eq!(
            attrs[0],
            json!({"key": "http.request.method", "value": {"stringValue": "POST"}})
        );
        assert_eq!(
            attrs[1],
            json!({"key": "http.response.status_code", "value": {"intValue": "503"}})
        );
        assert_eq!(attrs[2]["value"], json!({"boolValue": false}));
        assert_eq!(attrs[3]["value"], json!({"doubleValue": 0.5}));
    }

    #[test]
    fn an_internal_root_span_has_no_parent_and_keeps_its_field_names() {
        let s = Finished {
            trace_id: [3; 16],
            span_id: [4; 8],
            parent: None,
            name: "order_log_commit",
            server: false,
            start_ns: 1,
            end_ns: 2,
            attributes: vec![("path", Attr::Str("x".into()))],
        };
        let body: Value = serde_json::from_slice(&encode("svc", &[s])).expect("json");
        let s = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert!(s.get("parentSpanId").is_none());
        assert_eq!(s["kind"], 1);
        assert_eq!(s["attributes"][0]["key"], "path");
    }
}
