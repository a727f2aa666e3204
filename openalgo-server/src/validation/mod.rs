//! Request-body validation with the reference's messages and formats (rest-api §1.6, §1.7):
//! unknown keys rejected, numbers accepted as JSON numbers or strings, errors keyed by field in
//! declaration order, then unknown fields in input order.

use std::str::FromStr;

use openalgo_core::money::parse_decimal;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::error::ApiError;

pub mod fields;
pub mod patterns;
mod render;
pub mod walk;

use render::render;
pub use walk::{Valid, validate};

/// Which error body format an endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// F1: the message is the Python repr of the error dict.
    Stringified,
    /// F2: the message is the error object.
    Object,
    /// F3 and F4: the message is this fixed text and the error object is under `errors`.
    Errors(&'static str),
}

impl Format {
    /// F3 (`optionsorder`, `optionsymbol`, `optionchain`...): `Validation error`.
    pub const F3: Self = Self::Errors("Validation error");
    /// F4 (`optiongreeks`, `multioptiongreeks`): `Validation failed`.
    pub const F4: Self = Self::Errors("Validation failed");
}

/// Parses a JSON body into an object, as the schema layer sees it.
///
/// # Errors
/// 400 `{'_schema': ['Invalid input type.']}` for a non-object body, 400 for unparseable JSON
/// (and, in format F4, for a JSON `null`).
pub fn object(body: &[u8], format: Format) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) if format == Format::F4 => Err(ApiError::BadRequest(
            "Request body is missing or invalid JSON".into(),
        )),
        Ok(_) => Err(render(
            &[(
                "_schema".into(),
                FieldErrors::Messages(vec!["Invalid input type.".into()]),
            )],
            format,
        )),
        Err(_) => Err(ApiError::BadRequest(
            "Request body is missing or invalid JSON".into(),
        )),
    }
}

/// A refusal of one field, as validation reports it in `format` (rules checked after the
/// fields, such as the GTT cross-field rules).
#[must_use]
pub fn field_error(field: &str, message: &str, format: Format) -> ApiError {
    render(
        &[(
            field.to_owned(),
            FieldErrors::Messages(vec![message.to_owned()]),
        )],
        format,
    )
}

/// A JSON number as a decimal: its text when exact, else (a float below one with digits beyond
/// 28 decimal places, such as `5e-324`) its text rounded to 28 places, as the reference's
/// float fields accept it.
fn json_number(n: &serde_json::Number) -> Result<Decimal, openalgo_core::money::NumberError> {
    parse_decimal(&n.to_string()).or_else(|e| match n.as_f64() {
        Some(f) if f.is_finite() && f.abs() < 1.0 => {
            parse_decimal(&format!("{f:.28}")).map_err(|_| e)
        }
        _ => Err(e),
    })
}

/// The strings a boolean field reads as `true` (Python marshmallow's truthy set).
pub const TRUE_SPELLINGS: [&str; 14] = [
    "1", "t", "T", "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
];

/// The strings a boolean field reads as `false`.
pub const FALSE_SPELLINGS: [&str; 14] = [
    "0", "f", "F", "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF",
];

/// Errors of one field: messages, or per-item errors of a list of objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrors {
    /// Messages for the field itself.
    Messages(Vec<String>),
    /// Errors of items (by 0-based index) of a list of objects.
    Items(Vec<(usize, Vec<(String, FieldErrors)>)>),
}

/// Collects field values and errors for one schema.
#[derive(Debug)]
pub struct Form {
    input: Map<String, Value>,
    declared: Vec<&'static str>,
    errors: Vec<(String, FieldErrors)>,
    format: Format,
}

impl Form {
    /// Starts validating `input`.
    #[must_use]
    pub fn new(input: Map<String, Value>, format: Format) -> Self {
        Self {
            input,
            declared: Vec::new(),
            errors: Vec::new(),
            format,
        }
    }

    /// Records a custom message for a field (rules the generic readers do not know).
    pub fn reject(&mut self, field: &str, message: impl Into<String>) {
        self.error(field, message);
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((
            field.to_owned(),
            FieldErrors::Messages(vec![message.into()]),
        ));
    }

    /// A list of objects (basket legs); each item is handed back as its own object.
    pub fn objects(&mut self, field: &'static str, required: bool) -> Option<Vec<Value>> {
        match self.take(field, required)? {
            Value::Array(items) => Some(items),
            _ => {
                self.error(field, "Not a valid list.");
                None
            }
        }
    }

    /// Validates every item of a list of objects with `read` (a form in this form's format);
    /// items with errors, or that are not objects, are reported under `field` by index and
    /// left out of the result.
    pub fn each_object<T>(
        &mut self,
        field: &str,
        items: Vec<Value>,
        mut read: impl FnMut(&mut Self) -> T,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let Value::Object(map) = item else {
                errors.push((
                    i,
                    vec![(
                        "_schema".to_owned(),
                        FieldErrors::Messages(vec!["Invalid input type.".into()]),
                    )],
                ));
                continue;
            };
            let mut item_form = Self::new(map, self.format);
            let value = read(&mut item_form);
            let item_errors = item_form.into_errors();
            if item_errors.is_empty() {
                out.push(value);
            } else {
                errors.push((i, item_errors));
            }
        }
        self.item_errors(field, errors);
        out
    }

    /// Records the per-item errors of a list field.
    pub fn item_errors(&mut self, field: &str, items: Vec<(usize, Vec<(String, FieldErrors)>)>) {
        if !items.is_empty() {
            self.errors
                .push((field.to_owned(), FieldErrors::Items(items)));
        }
    }

    /// Validation of a nested object: its errors (unknown fields included) instead of a body.
    #[must_use]
    pub fn into_errors(mut self) -> Vec<(String, FieldErrors)> {
        self.collect_unknown();
        self.errors
    }

    fn collect_unknown(&mut self) {
        let unknown: Vec<String> = self
            .input
            .keys()
            .filter(|k| !self.declared.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.error(&k, "Unknown field.");
        }
    }

    /// Treats the empty values `empty` names (`""`, `null`) in `field` as absent.
    pub fn drop_empty(&mut self, field: &str, empty: fields::Empty) {
        use fields::Empty;
        let drop = match self.input.get(field) {
            Some(Value::String(s)) => {
                s.is_empty() && matches!(empty, Empty::Blank | Empty::BlankOrNull)
            }
            Some(Value::Null) => matches!(empty, Empty::BlankOrNull | Empty::Null),
            _ => false,
        };
        if drop {
            self.input.remove(field);
        }
    }

    fn take(&mut self, field: &'static str, required: bool) -> Option<Value> {
        self.declared.push(field);
        match self.input.get(field) {
            None if required => {
                self.error(field, "Missing data for required field.");
                None
            }
            None => None,
            Some(Value::Null) => {
                self.error(field, "Field may not be null.");
                None
            }
            Some(v) => Some(v.clone()),
        }
    }

    /// A string field, length-checked when `max` > 0.
    pub fn string(
        &mut self,
        field: &'static str,
        required: bool,
        min: usize,
        max: usize,
    ) -> Option<String> {
        match self.take(field, required)? {
            Value::String(s) => {
                let n = s.chars().count();
                if max > 0 && (n < min || n > max) {
                    self.error(field, format!("Length must be between {min} and {max}."));
                    None
                } else {
                    Some(s)
                }
            }
            _ => {
                self.error(field, "Not a valid string.");
                None
            }
        }
    }

    /// A field from a closed vocabulary, with the reference's `Must be one of:` message.
    pub fn choice<T>(&mut self, field: &'static str, required: bool) -> Option<T>
    where
        T: FromStr<Err = openalgo_core::VocabError>,
    {
        match self.take(field, required)? {
            Value::String(s) => match s.parse() {
                Ok(v) => Some(v),
                Err(e) => {
                    self.error(field, e.one_of_message());
                    None
                }
            },
            _ => {
                self.error(field, "Not a valid string.");
                None
            }
        }
    }

    /// A string that must be one of `allowed` (exact spelling), with the reference's
    /// `Must be one of:` message.
    pub fn one_of(
        &mut self,
        field: &'static str,
        required: bool,
        allowed: &'static [&'static str],
    ) -> Option<&'static str> {
        match self.take(field, required)? {
            Value::String(s) => {
                let found = allowed.iter().copied().find(|a| *a == s);
                if found.is_none() {
                    self.error(field, format!("Must be one of: {}.", allowed.join(", ")));
                }
                found
            }
            _ => {
                self.error(field, "Not a valid string.");
                None
            }
        }
    }

    /// A float field (number or numeric string), checked by `rule` with `message`.
    pub fn number(
        &mut self,
        field: &'static str,
        required: bool,
        rule: impl Fn(Decimal) -> bool,
        message: &str,
    ) -> Option<Decimal> {
        let value = match self.take(field, required)? {
            Value::Number(n) => json_number(&n),
            Value::String(s) => parse_decimal(&s),
            _ => {
                self.error(field, "Not a valid number.");
                return None;
            }
        };
        match value {
            Ok(d) if rule(d) => Some(d),
            Ok(_) => {
                self.error(field, message);
                None
            }
            Err(openalgo_core::money::NumberError::NotFinite) => {
                self.error(
                    field,
                    "Special numeric values (nan or infinity) are not permitted.",
                );
                None
            }
            Err(_) => {
                self.error(field, "Not a valid number.");
                None
            }
        }
    }

    /// An integer field (number or numeric string with no fractional part), checked by `rule`
    /// with `message`.
    pub fn integer(
        &mut self,
        field: &'static str,
        required: bool,
        rule: impl Fn(i64) -> bool,
        message: &str,
    ) -> Option<i64> {
        let parsed = match self.take(field, required)? {
            Value::Number(n) => parse_decimal(&n.to_string()).ok(),
            Value::String(s) => parse_decimal(s.trim()).ok(),
            _ => None,
        };
        match parsed
            .filter(|d| d.fract().is_zero())
            .and_then(|d| i64::try_from(d).ok())
        {
            Some(i) if rule(i) => Some(i),
            Some(_) => {
                self.error(field, message);
                None
            }
            None => {
                self.error(field, "Not a valid integer.");
                None
            }
        }
    }

    /// A boolean with Python marshmallow's truthy/falsy spellings (rest-api §1.7).
    pub fn boolean(&mut self, field: &'static str, required: bool) -> Option<bool> {
        let parsed = match self.take(field, required)? {
            Value::Bool(b) => Some(b),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::String(s) if TRUE_SPELLINGS.contains(&s.as_str()) => Some(true),
            Value::String(s) if FALSE_SPELLINGS.contains(&s.as_str()) => Some(false),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "Not a valid boolean.");
        }
        parsed
    }

    /// A `YYYY-MM-DD` date field (non-padded parts accepted).
    pub fn date(&mut self, field: &'static str, required: bool) -> Option<chrono::NaiveDate> {
        match self.take(field, required)? {
            Value::String(s) => match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.error(field, "Not a valid date.");
                    None
                }
            },
            _ => {
                self.error(field, "Not a valid date.");
                None
            }
        }
    }

    /// Ends validation: unknown keys are errors; any error gives the 400 body.
    ///
    /// # Errors
    /// [`ApiError::Validation`] in the endpoint's format.
    pub fn finish(mut self) -> Result<(), ApiError> {
        self.collect_unknown();
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(render(&self.errors, self.format))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::Exchange;
    use serde_json::json;

    fn form(v: Value, f: Format) -> Form {
        let Value::Object(m) = v else { panic!() };
        Form::new(m, f)
    }

    #[test]
    fn f1_message_is_the_python_repr_in_declaration_order() {
        let mut f = form(
            json!({"exchange": "nse", "quantity": "0", "target": 1}),
            Format::Stringified,
        );
        let _ = f.string("apikey", true, 1, 256);
        let _: Option<Exchange> = f.choice("exchange", true);
        let _ = f.number(
            "quantity",
            true,
            |d| d > Decimal::ZERO,
            "Quantity must be a positive number.",
        );
        let ApiError::Validation(Value::String(s)) = f.finish().unwrap_err() else {
            panic!()
        };
        assert_eq!(
            s,
            "{'apikey': ['Missing data for required field.'], 'exchange': ['Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.'], 'quantity': ['Quantity must be a positive number.'], 'target': ['Unknown field.']}"
        );
    }

    #[test]
    fn f2_message_is_an_object_and_numbers_come_as_strings() {
        let mut f = form(json!({"apikey": null, "price": " 1e2 "}), Format::Object);
        let _ = f.string("apikey", true, 1, 256);
        assert_eq!(
            f.number("price", false, |_| true, ""),
            Some(Decimal::from(100))
        );
        let ApiError::Validation(v) = f.finish().unwrap_err() else {
            panic!()
        };
        assert_eq!(v, json!({"apikey": ["Field may not be null."]}));
        assert!(object(b"[1]", Format::Object).is_err());
        assert!(object(b"{not json", Format::Object).is_err());
    }
}
