//! The OpenAPI 3.0 document of `/api/v1`, generated from the endpoint table
//! ([`super::table`]): request schemas from the declared fields (what validation accepts),
//! responses from the declared 200 bodies and error statuses. No handler runs.

use serde_json::{Map, Value, json};

use super::table::{AnalyzeErrors, ENDPOINTS, Endpoint, Method};
use super::{responses, schema};
use crate::security::rate_limit::RateClass;
use crate::validation::Format;

fn content(schema: Value) -> Value {
    let mut media = Map::new();
    media.insert("schema".into(), schema);
    let mut content = Map::new();
    content.insert("application/json".into(), Value::Object(media));
    Value::Object(content)
}

fn status_description(status: u16) -> &'static str {
    match status {
        401 => "Invalid openalgo apikey (this endpoint answers 401, not 403)",
        404 => "Not found (order, symbol) — or the broker says so",
        501 => "The broker does not support this",
        502 => "The broker could not be reached or answered garbage",
        _ => "Error",
    }
}

fn responses(e: &Endpoint) -> Value {
    let mut ok = content((e.ok)());
    if e.path == "instruments" {
        ok["text/csv"] = json!({"schema": {"type": "string"}});
    }
    if e.path.starts_with("ticker/") {
        ok["text/plain"] = json!({"schema": {"type": "string"}});
    }
    let validation = match e.format {
        Format::Stringified => {
            "Invalid request: for field errors `message` is the Python repr of the per-field error dict"
        }
        Format::Object => {
            "Invalid request: for field errors `message` maps each field to its error messages"
        }
        Format::Errors(_) => {
            "Invalid request: for field errors `message` is fixed and `errors` maps each field to its error messages"
        }
    };
    let plain = json!({"schema": {"type": "string"}});
    let mut forbidden = content(responses::error(Format::Stringified));
    forbidden["text/plain"] = plain;
    let mut r = Map::new();
    r.insert(
        "200".into(),
        json!({"description": "Success", "content": ok}),
    );
    r.insert(
        "400".into(),
        json!({"description": validation, "content": content(responses::error(e.format))}),
    );
    let key = if e.checks_key {
        "Invalid openalgo apikey (after validation), a refused broker session, or a banned client (text)"
    } else {
        "A banned client (text); the key is not verified here"
    };
    r.insert(
        "403".into(),
        json!({"description": key, "content": forbidden}),
    );
    r.insert(
        "405".into(),
        json!({"description": "Wrong method",
        "content": content(responses::bare_message())}),
    );
    r.insert("429".into(), json!({"description": "Rate limit exceeded (`message` names the limit) or the broker throttled",
        "content": content(responses::bare_message())}));
    r.insert(
        "500".into(),
        json!({"description": "Unexpected error",
        "content": content(responses::error(Format::Stringified))}),
    );
    if e.order_call {
        r.insert(
            "422".into(),
            json!({"description": "The `Idempotency-Key` was already used by this user on this endpoint for a different request",
            "content": content(responses::error(Format::Stringified))}),
        );
        r.insert(
            "409".into(),
            json!({"description": "The first request with this `Idempotency-Key` was interrupted (the server stopped) before it answered; it may have taken effect",
            "content": content(responses::error(Format::Stringified))}),
        );
    }
    for status in e.errors {
        r.insert(
            status.to_string(),
            json!({"description": status_description(*status),
            "content": content(responses::error(Format::Stringified))}),
        );
    }
    Value::Object(r)
}

fn description(e: &Endpoint) -> String {
    let rate = match e.rate {
        RateClass::Order => "ORDER_RATE_LIMIT",
        RateClass::SmartOrder => "SMART_ORDER_RATE_LIMIT",
        RateClass::Api => "API_RATE_LIMIT",
        RateClass::Greeks => "GREEKS_RATE_LIMIT",
    };
    let mut d = format!("Rate limit: `{rate}`.");
    if e.order_call {
        d.push_str(
            " Written to the order log before the answer; `Idempotency-Key` makes retries safe: the key is scoped to the user and the endpoint, the first definite answer (success or the broker's rejection) is replayed for 24 h with `Idempotent-Replayed: true`, the key reused with another body answers 422, and a key whose first request was interrupted by a server stop before it answered answers 409.",
        );
    }
    d.push_str(match e.analyze {
        AnalyzeErrors::Never => "",
        AnalyzeErrors::Account => {
            " In analyzer mode, success bodies and account failures carry `\"mode\": \"analyze\"`."
        }
        AnalyzeErrors::All => {
            " In analyzer mode, success and error bodies carry `\"mode\": \"analyze\"`."
        }
    });
    d
}

fn operation(e: &Endpoint) -> Value {
    let mut op = json!({
        "tags": [e.tag],
        "summary": e.summary,
        "description": description(e),
        "operationId": e.path.replace(['/', '{', '}'], "_").trim_end_matches('_'),
        "responses": responses(e),
    });
    let mut parameters = Vec::new();
    match e.method {
        Method::Get => {
            for f in e.fields {
                let wire = e
                    .aliases
                    .iter()
                    .find(|(_, name)| *name == f.name)
                    .map_or(f.name, |(wire, _)| wire);
                parameters.push(json!({"name": wire, "in": "query", "required": f.required,
                                       "schema": schema::kind(&f.kind)}));
            }
            if e.path.contains("{instrument}") {
                parameters.push(json!({"name": "instrument", "in": "path", "required": true,
                    "description": "EXCHANGE:SYMBOL, e.g. NSE:SBIN",
                    "schema": {"type": "string", "pattern": "^[A-Z_]{2,12}:[A-Za-z0-9&_-]{1,40}$"}}));
            }
        }
        Method::Post => {
            let mut body = schema::object(e.fields);
            if e.drops_unknown() {
                body["additionalProperties"] = json!(true);
            }
            op["requestBody"] = json!({"required": true, "content": content(body)});
        }
    }
    if e.order_call {
        parameters.push(json!({"name": crate::orders::idempotency::HEADER, "in": "header", "required": false,
            "description": "Retry safely: a repeated key with the same body returns the first answer and places nothing new (any 1 to 255 characters; a fresh UUID per order is the documented form)",
            "schema": {"type": "string", "format": "uuid"}}));
    }
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

/// The documentation groups in the order endpoints are listed.
fn tags() -> Value {
    let mut seen: Vec<&str> = Vec::new();
    for e in ENDPOINTS {
        if !seen.contains(&e.tag) {
            seen.push(e.tag);
        }
    }
    seen.iter().map(|t| json!({"name": t})).collect()
}

/// The document.
#[must_use]
pub(crate) fn document() -> Value {
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let method = match e.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        paths.insert(format!("/{}", e.path), json!({method: operation(e)}));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "OpenAlgo-rs REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wire-compatible with OpenAlgo's /api/v1. Every request carries `apikey`; numbers may be sent as strings. Validation runs before the key is checked, so an invalid request is answered 400 whatever its key."
        },
        "servers": [{"url": "/api/v1"}],
        "tags": tags(),
        "paths": paths,
    })
}
