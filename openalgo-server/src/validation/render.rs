//! Rendering of validation errors in the reference's body formats (rest-api §1.6).

use serde_json::{Map, Value};

use super::{FieldErrors, Format};
use crate::error::ApiError;

fn py_str(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', "\\'"))
    }
}

fn to_json(errors: &[(String, FieldErrors)]) -> Value {
    let mut m = Map::new();
    for (k, v) in errors {
        let value = match v {
            FieldErrors::Messages(msgs) => Value::from(msgs.clone()),
            FieldErrors::Items(items) => {
                let mut inner = Map::new();
                for (i, e) in items {
                    inner.insert(i.to_string(), to_json(e));
                }
                Value::Object(inner)
            }
        };
        m.insert(k.clone(), value);
    }
    Value::Object(m)
}

/// Python `repr()` of the error dict (integer keys for list items).
fn to_repr(errors: &[(String, FieldErrors)]) -> String {
    let body: Vec<String> = errors
        .iter()
        .map(|(k, v)| {
            let value = match v {
                FieldErrors::Messages(msgs) => {
                    let m: Vec<String> = msgs.iter().map(|m| py_str(m)).collect();
                    format!("[{}]", m.join(", "))
                }
                FieldErrors::Items(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .map(|(i, e)| format!("{i}: {}", to_repr(e)))
                        .collect();
                    format!("{{{}}}", parts.join(", "))
                }
            };
            format!("{}: {value}", py_str(k))
        })
        .collect();
    format!("{{{}}}", body.join(", "))
}

pub(super) fn render(errors: &[(String, FieldErrors)], format: Format) -> ApiError {
    match format {
        Format::Object => ApiError::Validation(to_json(errors)),
        Format::Stringified => ApiError::Validation(Value::String(to_repr(errors))),
        Format::Errors(message) => ApiError::Invalid {
            message,
            errors: to_json(errors),
        },
    }
}
