//! Request bodies built the way the official client builds them: some fields sent with their
//! JSON type ("raw"), some through Python's `str()`, `**kwargs` entries that are `None` dropped.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt};
use serde_json::{Map, Value};

use crate::json::{from_py, py_str};

/// A JSON object under construction, starting with the API key.
#[derive(Debug)]
pub(crate) struct Payload(Map<String, Value>, Option<String>);

/// A value `json.dumps` would refuse becomes the message of the official client's
/// `unknown_error` answer instead of an exception.
fn encode(value: &Bound<'_, PyAny>, failure: &mut Option<String>) -> PyResult<Value> {
    match from_py(value) {
        Ok(v) => Ok(v),
        Err(e) if e.is_instance_of::<PyTypeError>(value.py()) => {
            failure.get_or_insert_with(|| e.value(value.py()).to_string());
            Ok(Value::Null)
        }
        Err(e) => Err(e),
    }
}

impl Payload {
    pub(crate) fn new(api_key: &str) -> Self {
        let mut map = Map::new();
        map.insert("apikey".into(), Value::String(api_key.to_owned()));
        Self(map, None)
    }

    /// Why the body cannot be encoded, if it cannot.
    pub(crate) fn failure(&self) -> Option<&str> {
        self.1.as_deref()
    }

    /// A Rust string value.
    pub(crate) fn put(&mut self, key: &str, value: &str) -> &mut Self {
        self.0.insert(key.into(), Value::String(value.to_owned()));
        self
    }

    /// A JSON value.
    pub(crate) fn put_json(&mut self, key: &str, value: Value) -> &mut Self {
        self.0.insert(key.into(), value);
        self
    }

    /// An integer value.
    pub(crate) fn put_int(&mut self, key: &str, value: i64) -> &mut Self {
        self.0.insert(key.into(), Value::from(value));
        self
    }

    /// A Python value with its JSON type.
    pub(crate) fn raw(&mut self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<&mut Self> {
        let v = encode(value, &mut self.1)?;
        self.0.insert(key.into(), v);
        Ok(self)
    }

    /// A Python value through `str()`.
    pub(crate) fn text(&mut self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<&mut Self> {
        self.0.insert(key.into(), py_str(value)?);
        Ok(self)
    }

    /// An optional field with a default: the value as given (raw) or the default string.
    pub(crate) fn raw_or(
        &mut self,
        key: &str,
        value: Option<&Bound<'_, PyAny>>,
        default: &str,
    ) -> PyResult<&mut Self> {
        match value {
            Some(v) => self.raw(key, v),
            None => Ok(self.put(key, default)),
        }
    }

    /// An optional field with a default, through `str()`.
    pub(crate) fn text_or(
        &mut self,
        key: &str,
        value: Option<&Bound<'_, PyAny>>,
        default: &str,
    ) -> PyResult<&mut Self> {
        match value {
            Some(v) => self.text(key, v),
            None => Ok(self.put(key, default)),
        }
    }

    /// An optional field sent raw only when given and not `None`.
    pub(crate) fn raw_some(
        &mut self,
        key: &str,
        value: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&mut Self> {
        match value {
            Some(v) if !v.is_none() => self.raw(key, v),
            _ => Ok(self),
        }
    }

    /// Every non-`None` keyword argument through `str()`.
    pub(crate) fn kwargs_text(
        &mut self,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<&mut Self> {
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                if !v.is_none() {
                    self.0.insert(k.str()?.to_cow()?.into_owned(), py_str(&v)?);
                }
            }
        }
        Ok(self)
    }

    /// Every non-`None` keyword argument with its JSON type.
    pub(crate) fn kwargs_raw(&mut self, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<&mut Self> {
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                if !v.is_none() {
                    let value = encode(&v, &mut self.1)?;
                    self.0.insert(k.str()?.to_cow()?.into_owned(), value);
                }
            }
        }
        Ok(self)
    }

    /// The basket's orders: each dict copied, its `int`/`float` values (bools included, as
    /// `isinstance(True, int)` holds) through `str()`, the rest raw.
    pub(crate) fn basket(&mut self, key: &str, orders: &Bound<'_, PyAny>) -> PyResult<&mut Self> {
        let mut out = Vec::new();
        for order in orders.try_iter()? {
            let order = order?;
            let dict = order.cast::<PyDict>()?;
            let mut row = Map::new();
            for (k, v) in dict.iter() {
                let numeric = v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>();
                let value = if numeric {
                    py_str(&v)?
                } else {
                    encode(&v, &mut self.1)?
                };
                row.insert(k.str()?.to_cow()?.into_owned(), value);
            }
            out.push(Value::Object(row));
        }
        self.0.insert(key.into(), Value::Array(out));
        Ok(self)
    }

    /// The legs of a multi-leg option order, rebuilt as the official client rebuilds them:
    /// `offset`, `option_type`, `action` and `int(quantity)`, then, when the leg has them,
    /// `expiry_date`, `pricetype`, `product`, `float(price)`, `float(trigger_price)` and
    /// `int(disclosed_quantity)`; any other key of a leg (`splitsize`) is dropped. A leg
    /// without a required key raises `KeyError`, as `leg["offset"]` does.
    pub(crate) fn option_legs(
        &mut self,
        key: &str,
        legs: &Bound<'_, PyAny>,
    ) -> PyResult<&mut Self> {
        let py = legs.py();
        let builtins = py.import("builtins")?;
        let (int, float) = (builtins.getattr("int")?, builtins.getattr("float")?);
        let mut out = Vec::new();
        for leg in legs.try_iter()? {
            let leg = leg?;
            let mut row = Map::new();
            for name in ["offset", "option_type", "action"] {
                let v = leg.get_item(name)?;
                row.insert(name.into(), encode(&v, &mut self.1)?);
            }
            let quantity = int.call1((leg.get_item("quantity")?,))?;
            row.insert("quantity".into(), encode(&quantity, &mut self.1)?);
            for (name, convert) in [
                ("expiry_date", None),
                ("pricetype", None),
                ("product", None),
                ("price", Some(&float)),
                ("trigger_price", Some(&float)),
                ("disclosed_quantity", Some(&int)),
            ] {
                if leg.contains(name)? {
                    let v = leg.get_item(name)?;
                    let v = match convert {
                        Some(f) => f.call1((v,))?,
                        None => v,
                    };
                    row.insert(name.into(), encode(&v, &mut self.1)?);
                }
            }
            out.push(Value::Object(row));
        }
        self.0.insert(key.into(), Value::Array(out));
        Ok(self)
    }

    /// The finished body.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        serde_json::to_vec(&Value::Object(self.0)).unwrap_or_default()
    }
}
