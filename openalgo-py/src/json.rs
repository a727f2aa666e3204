//! JSON ↔ Python without a detour through Python's `json` module: response bodies are decoded
//! straight into Python objects (object keys keep the server's order, as `json.loads` does) and
//! request payloads are built from Python values as `json.dumps` would write them.

use std::fmt;

use openalgo_core::money::decimal_from_f64;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Decodes a JSON document into Python objects.
///
/// # Errors
/// `Err(None)` when the text is not JSON, `Err(Some(e))` when building a Python object failed.
pub(crate) fn decode<'py>(
    py: Python<'py>,
    text: &[u8],
) -> Result<Bound<'py, PyAny>, Option<PyErr>> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let mut failure = None;
    let value = PySeed {
        py,
        failure: &mut failure,
    }
    .deserialize(&mut de);
    match (value, de.end()) {
        (Ok(v), Ok(())) => Ok(v),
        _ => Err(failure),
    }
}

/// Converts a JSON value into Python objects.
///
/// # Errors
/// A Python error when an object cannot be created.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    convert(py, value, false)
}

/// Converts a JSON value into Python objects with every non-integer number as an exact
/// `decimal.Decimal` (its shortest text, so `812.35` is `Decimal("812.35")`); integers stay
/// `int`. For values whose floats are all money, such as the account rows.
///
/// # Errors
/// A Python error when an object cannot be created.
pub(crate) fn to_py_exact<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    convert(py, value, true)
}

fn convert<'py>(py: Python<'py>, value: &Value, exact: bool) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) if exact && n.is_f64() => {
            let d = decimal_from_f64(n.as_f64().unwrap_or(f64::NAN))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            d.into_pyobject(py)?.into_any()
        }
        Value::Number(n) => number_to_py(py, n)?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for v in items {
                list.append(convert(py, v, exact)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, convert(py, v, exact)?)?;
            }
            dict.into_any()
        }
    })
}

fn number_to_py<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    if let Some(i) = n.as_i64() {
        let Ok(o) = i.into_pyobject(py);
        Ok(o.into_any())
    } else if let Some(u) = n.as_u64() {
        let Ok(o) = u.into_pyobject(py);
        Ok(o.into_any())
    } else {
        Ok(PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any())
    }
}

/// Converts a Python value into JSON the way `json.dumps` accepts it (`None`, bools, ints,
/// floats, strings, lists, tuples and dicts with string keys).
///
/// # Errors
/// `TypeError` naming the type, as `json.dumps` does, for anything else.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list
            .iter()
            .map(|v| from_py(&v))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t
            .iter()
            .map(|v| from_py(&v))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = if let Ok(s) = k.cast::<PyString>() {
                s.to_cow()?.into_owned()
            } else {
                k.str()?.to_cow()?.into_owned()
            };
            map.insert(key, from_py(&v)?);
        }
        return Ok(Value::Object(map));
    }
    let name = obj.get_type().name()?;
    Err(PyTypeError::new_err(format!(
        "Object of type {name} is not JSON serializable"
    )))
}

/// Python's `str(obj)` as a JSON string.
///
/// # Errors
/// When `__str__` raises.
pub(crate) fn py_str(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    Ok(Value::String(obj.str()?.to_cow()?.into_owned()))
}

struct PySeed<'a, 'py> {
    py: Python<'py>,
    failure: &'a mut Option<PyErr>,
}

impl<'a, 'py> PySeed<'a, 'py> {
    fn fail<E: serde::de::Error>(&mut self, e: PyErr) -> E {
        let text = e.to_string();
        *self.failure = Some(e);
        E::custom(text)
    }
}

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(o) = v.into_pyobject(self.py);
        Ok(o.into_any())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(o) = v.into_pyobject(self.py);
        Ok(o.into_any())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.py, v).into_any())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        loop {
            let seed = PySeed {
                py: self.py,
                failure: &mut *self.failure,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => {
                    if let Err(e) = list.append(v) {
                        return Err(self.fail(e));
                    }
                }
                None => return Ok(list.into_any()),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let seed = PySeed {
                py: self.py,
                failure: &mut *self.failure,
            };
            let value = map.next_value_seed(seed)?;
            if let Err(e) = dict.set_item(key.as_ref(), value) {
                return Err(self.fail(e));
            }
        }
        Ok(dict.into_any())
    }
}
