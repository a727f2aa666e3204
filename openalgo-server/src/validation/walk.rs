//! The generic validator: walks an endpoint's declared [`Field`]s with the [`Form`] readers
//! (so messages, their order and the body formats are the readers') and hands back the typed
//! values.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::fields::{Bound, Empty, Field, Kind, Text, Whole};
use super::{Form, Format};
use crate::error::ApiError;

/// One validated value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string (or a choice's spelling, or a folded choice lower-cased).
    Text(String),
    /// A number.
    Number(Decimal),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// The items of a list of objects.
    Items(Vec<Valid>),
}

/// The values of a request that passed validation, by field name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Valid(Vec<(&'static str, Val)>);

fn missing(name: &str) -> ApiError {
    ApiError::internal(format!("validated field {name} missing"))
}

impl Valid {
    fn get(&self, name: &str) -> Option<&Val> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A string field, when present.
    #[must_use]
    pub fn opt_text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Val::Text(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// A required string field.
    ///
    /// # Errors
    /// 500 when the field is absent (validation guarantees it is not).
    pub fn text(&self, name: &str) -> Result<String, ApiError> {
        self.opt_text(name).ok_or_else(|| missing(name))
    }

    /// A choice field parsed into its vocabulary type, when present.
    ///
    /// # Errors
    /// 500 when the validated spelling does not parse (the table lists a spelling the type
    /// does not know).
    pub fn opt_choice<T: FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.opt_text(name)
            .map(|s| {
                s.parse()
                    .map_err(|_| ApiError::internal(format!("{name}: '{s}' does not parse")))
            })
            .transpose()
    }

    /// A required choice field parsed into its vocabulary type.
    ///
    /// # Errors
    /// 500 when absent or unparseable (see [`Self::opt_choice`]).
    pub fn choice<T: FromStr>(&self, name: &str) -> Result<T, ApiError> {
        self.opt_choice(name)?.ok_or_else(|| missing(name))
    }

    /// A number field, when present.
    #[must_use]
    pub fn opt_number(&self, name: &str) -> Option<Decimal> {
        match self.get(name) {
            Some(Val::Number(d)) => Some(*d),
            _ => None,
        }
    }

    /// An integer field, when present.
    #[must_use]
    pub fn opt_integer(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Val::Integer(i)) => Some(*i),
            _ => None,
        }
    }

    /// A boolean field, when present.
    #[must_use]
    pub fn opt_bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Val::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// A date field, when present.
    #[must_use]
    pub fn opt_date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Val::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// The validated items of a list of objects (empty when absent).
    #[must_use]
    pub fn items(&self, name: &str) -> &[Self] {
        match self.get(name) {
            Some(Val::Items(items)) => items,
            _ => &[],
        }
    }
}

/// Validates `input` against `fields` in `format`.
///
/// # Errors
/// [`ApiError::Validation`] with every field error, in declaration order, then unknown fields.
pub fn validate(
    fields: &'static [Field],
    input: Map<String, Value>,
    format: Format,
) -> Result<Valid, ApiError> {
    let mut form = Form::new(input, format);
    let valid = read_all(&mut form, fields);
    form.finish()?;
    Ok(valid)
}

fn read_all(form: &mut Form, fields: &'static [Field]) -> Valid {
    Valid(
        fields
            .iter()
            .filter_map(|f| read(form, f).map(|v| (f.name, v)))
            .collect(),
    )
}

/// The rule a number field is checked with.
fn number_rule(bound: Bound, whole: Whole) -> impl Fn(Decimal) -> bool {
    move |d: Decimal| {
        let in_range = match bound {
            Bound::Any => true,
            Bound::NonNegative => !d.is_sign_negative() || d.is_zero(),
            Bound::Positive => d > Decimal::ZERO,
            Bound::AtLeastOne => d >= Decimal::ONE,
            Bound::Percent => (!d.is_sign_negative() || d.is_zero()) && d <= Decimal::ONE_HUNDRED,
        };
        in_range && (whole != Whole::Checked || d.fract().is_zero())
    }
}

fn text(form: &mut Form, field: &Field, t: &Text) -> Option<String> {
    let Some(message) = t.message else {
        return form.string(field.name, field.required, t.min, t.max);
    };
    let value = form.string(field.name, field.required, 0, 0);
    if value.as_ref().is_some_and(|s| {
        let n = s.chars().count();
        n < t.min || n > t.max
    }) {
        form.reject(field.name, message);
    }
    value
}

fn read(form: &mut Form, field: &Field) -> Option<Val> {
    let (name, required) = (field.name, field.required);
    if field.empty != Empty::Refused {
        form.drop_empty(name, field.empty);
    }
    match field.kind {
        Kind::Text(t) => text(form, field, &t).map(Val::Text),
        Kind::Choice(allowed) => form
            .one_of(name, required, allowed)
            .map(|s| Val::Text(s.to_owned())),
        Kind::ChoiceWith(allowed, message) => {
            let value = form.string(name, required, 0, 0);
            if value.as_deref().is_some_and(|v| !allowed.contains(&v)) {
                form.reject(name, message);
            }
            value.map(Val::Text)
        }
        Kind::Folded(allowed) => {
            let value = form.string(name, required, 0, 0).map(|s| s.to_lowercase());
            if value.as_deref().is_some_and(|v| !allowed.contains(&v)) {
                form.reject(name, format!("Must be one of: {}.", allowed.join(", ")));
            }
            value.map(Val::Text)
        }
        Kind::Number {
            bound,
            whole,
            message,
        } => form
            .number(name, required, number_rule(bound, whole), message)
            .map(Val::Number),
        Kind::Integer { min, max, message } => form
            .integer(name, required, |i| (min..=max).contains(&i), message)
            .map(Val::Integer),
        Kind::Boolean => form.boolean(name, required).map(Val::Bool),
        Kind::Date => form.date(name, required).map(Val::Date),
        Kind::Offset => {
            let value = form.string(name, required, 0, 0);
            if value
                .as_deref()
                .is_some_and(|v| v.parse::<openalgo_core::options::Offset>().is_err())
            {
                form.reject(
                    name,
                    openalgo_core::options::ResolveError::InvalidOffset.to_string(),
                );
                return None;
            }
            value.map(Val::Text)
        }
        Kind::Objects {
            fields,
            min,
            max,
            message,
        } => {
            let items = form.objects(name, required);
            if items
                .as_ref()
                .is_some_and(|v| v.len() < min || (max > 0 && v.len() > max))
            {
                form.reject(name, message);
            }
            let present = items.is_some();
            let valid = form.each_object(name, items.unwrap_or_default(), |item| {
                read_all(item, fields)
            });
            present.then_some(Val::Items(valid))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::fields::Then;
    use serde_json::json;

    const LEG: &[Field] = &[
        Field::required("symbol", Kind::text_with(1, 3, "Symbol is 1 to 3 long.")),
        Field::optional(
            "qty",
            Kind::number(Bound::Positive, Whole::Checked, "Bad qty."),
        ),
    ];
    const FIELDS: &[Field] = &[
        Field::required("apikey", Kind::text(1, 4)),
        Field::optional("format", Kind::Folded(&["json", "csv"])),
        Field::optional("mode", Kind::Boolean),
        Field::optional(
            "year",
            Kind::Integer {
                min: 2020,
                max: 2050,
                message: "Year out of range",
            },
        ),
        Field::optional("note", Kind::text_then(Then::Nothing)),
        Field::required(
            "legs",
            Kind::Objects {
                fields: LEG,
                min: 1,
                max: 2,
                message: "One or two legs.",
            },
        ),
    ];

    fn run(v: Value) -> Result<Valid, ApiError> {
        let Value::Object(m) = v else { panic!() };
        validate(FIELDS, m, Format::Object)
    }

    #[test]
    fn typed_values_come_back_by_name() {
        let v = run(
            json!({"apikey": "k", "format": "CSV", "mode": "yes", "year": "2024.0",
                           "legs": [{"symbol": "A", "qty": 2}]}),
        )
        .unwrap();
        assert_eq!(v.text("apikey").unwrap(), "k");
        assert_eq!(v.opt_text("format").as_deref(), Some("csv"));
        assert_eq!(v.opt_bool("mode"), Some(true));
        assert_eq!(v.opt_integer("year"), Some(2024));
        assert_eq!(v.items("legs")[0].opt_number("qty"), Some(Decimal::TWO));
        assert!(v.text("note").is_err(), "absent");
    }

    #[test]
    fn floats_beyond_28_decimals_are_rounded_not_refused() {
        const PRICE: &[Field] = &[Field::required(
            "price",
            Kind::number(Bound::NonNegative, Whole::No, "Bad price."),
        )];
        let read = |v: Value| {
            let Value::Object(m) = json!({ "price": v }) else {
                panic!()
            };
            validate(PRICE, m, Format::Object).map(|v| v.opt_number("price"))
        };
        assert_eq!(read(json!(5e-324)).unwrap(), Some(Decimal::ZERO));
        assert_eq!(
            read(json!(1.25e-13)).unwrap(),
            Some("0.000000000000125".parse().unwrap())
        );
        assert!(read(json!(1e300)).is_err(), "too large for a decimal");
    }

    #[test]
    fn custom_rules_report_in_declaration_order() {
        let ApiError::Validation(e) = run(json!({"format": "xml", "year": 2051, "mode": 2,
            "legs": [{"symbol": "ABCD", "qty": 1.5}, {"symbol": "A"}, {"symbol": "B"}]}))
        .unwrap_err() else {
            panic!()
        };
        assert_eq!(
            e,
            json!({"apikey": ["Missing data for required field."],
                   "format": ["Must be one of: json, csv."],
                   "mode": ["Not a valid boolean."],
                   "year": ["Year out of range"],
                   "legs": {"0": {"symbol": ["Symbol is 1 to 3 long."], "qty": ["Bad qty."]}}})
        );
        // F1 keeps declaration order (F2 is a JSON object, ordered by the serialiser).
        let Value::Object(m) = json!({"legs": [], "mode": 2, "apikey": "k"}) else {
            panic!()
        };
        let ApiError::Validation(Value::String(f1)) =
            validate(FIELDS, m, Format::Stringified).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(
            f1,
            "{'mode': ['Not a valid boolean.'], 'legs': ['One or two legs.']}"
        );
    }
}
