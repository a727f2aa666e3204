//! JSON Schema of the declared request fields: exactly what validation (and the checks a
//! handler makes before authentication) accept. Numbers are JSON numbers or numeric strings
//! (with a pattern of the decimal grammar and the bound); `additionalProperties` is false.

use serde_json::{Map, Value, json};

use crate::validation::fields::{Bound, Empty, Field, Kind, Text, Then, Whole};
use crate::validation::{FALSE_SPELLINGS, TRUE_SPELLINGS, patterns};

/// The largest magnitude documented for a JSON number: every number up to it is exact in a
/// decimal and a quantity up to it fits the order types.
const LIMIT: f64 = 1e15;

/// Every letter-case spelling of each of `words` (ASCII).
fn case_variants(words: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for w in words {
        let mut variants = vec![String::new()];
        for c in w.chars() {
            let (lo, up) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
            variants = variants
                .into_iter()
                .flat_map(|v| {
                    if lo == up {
                        vec![format!("{v}{c}")]
                    } else {
                        vec![format!("{v}{lo}"), format!("{v}{up}")]
                    }
                })
                .collect();
        }
        out.extend(variants);
    }
    out
}

fn json_number(bound: Bound, whole: Whole) -> Value {
    let mut n = json!({"type": "number", "maximum": LIMIT});
    match bound {
        Bound::Any => n["minimum"] = json!(-LIMIT),
        Bound::NonNegative => n["minimum"] = json!(0),
        // A float below 1e-20 would be taken as zero.
        Bound::Positive if whole == Whole::No => n["minimum"] = json!(1e-20),
        Bound::Positive | Bound::AtLeastOne => n["minimum"] = json!(1),
        Bound::Percent => {
            n["minimum"] = json!(0);
            n["maximum"] = json!(100);
        }
    }
    if whole != Whole::No {
        n["multipleOf"] = json!(1);
    }
    n
}

fn text(t: &Text) -> Value {
    let mut v = json!({"type": "string"});
    if t.max > 0 {
        v["minLength"] = json!(t.min);
        v["maxLength"] = json!(t.max);
    }
    match t.then {
        Then::Nothing => {}
        Then::Number(bound, whole) => v["pattern"] = json!(patterns::number(bound, whole)),
        Then::BlankOrNonNegative => v["pattern"] = json!(patterns::blank_or_non_negative()),
        Then::Date2020To2050 => {
            v["pattern"] = json!(patterns::date_2020_2050());
            v["description"] = json!("YYYY-MM-DD, 2020-01-01 to 2050-12-31");
        }
        Then::OneOf(values) => v["enum"] = json!(values),
        Then::NonBlank => v["pattern"] = json!(patterns::non_blank()),
        Then::UpperOneOf(values) => v["enum"] = json!(case_variants(values)),
    }
    v
}

/// The schema of one field kind.
pub(super) fn kind(kind: &Kind) -> Value {
    match kind {
        Kind::Text(t) => text(t),
        Kind::Choice(values) => json!({"type": "string", "enum": values}),
        Kind::ChoiceWith(values, message) => {
            json!({"type": "string", "enum": values, "description": message})
        }
        Kind::Folded(values) => json!({"type": "string", "enum": case_variants(values)}),
        Kind::Number {
            bound,
            whole,
            message,
        } => {
            let mut v = json!({"anyOf": [json_number(*bound, *whole),
                {"type": "string", "pattern": patterns::number(*bound, *whole)}]});
            if !message.is_empty() {
                v["description"] = json!(message);
            }
            v
        }
        Kind::Integer { min, max, message } => json!({
            "anyOf": [{"type": "number", "multipleOf": 1, "minimum": min, "maximum": max},
                      {"type": "string", "pattern": patterns::integer(*min, *max)}],
            "description": message
        }),
        Kind::Boolean => {
            let spellings: Vec<&str> = TRUE_SPELLINGS
                .iter()
                .chain(&FALSE_SPELLINGS)
                .copied()
                .collect();
            json!({"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]},
                             {"type": "string", "enum": spellings}]})
        }
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::Offset => json!({"type": "string",
            "pattern": "^([Aa][Tt][Mm]|[IiOo][Tt][Mm]([1-9]|[1-4][0-9]|50))$",
            "description": "ATM, ITM1-ITM50 or OTM1-OTM50 (any letter case)"}),
        Kind::Objects {
            fields,
            min,
            max,
            message,
        } => {
            let mut v = json!({"type": "array", "items": object(fields)});
            if *min > 0 {
                v["minItems"] = json!(min);
            }
            if *max > 0 {
                v["maxItems"] = json!(max);
            }
            if !message.is_empty() {
                v["description"] = json!(message);
            }
            v
        }
    }
}

/// The schema of one field: its kind, or an empty value where that means absent.
fn field(f: &Field) -> Value {
    let mut k = kind(&f.kind);
    match f.empty {
        Empty::Refused => k,
        Empty::Null => {
            k["nullable"] = json!(true);
            k
        }
        Empty::Blank => json!({"anyOf": [k, {"type": "string", "enum": [""]}]}),
        Empty::BlankOrNull => {
            // OpenAPI 3.0 has no null type: a nullable schema whose only value is null.
            json!({"anyOf": [k, {"type": "string", "enum": [""]},
                             {"type": "string", "nullable": true, "enum": [null]}]})
        }
    }
}

/// The schema of an object with `fields` and nothing else.
pub(super) fn object(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.to_owned(), field(f)))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    let mut schema =
        json!({"type": "object", "additionalProperties": false, "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_choices_list_every_case() {
        let v = case_variants(&["csv"]);
        assert_eq!(v.len(), 8);
        assert!(v.contains(&"cSv".to_owned()) && v.contains(&"CSV".to_owned()));
    }
}
