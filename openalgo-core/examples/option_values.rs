//! Prints our option prices, Greeks and implied volatilities as JSON lines, for the independent
//! Python reference (`scripts/options-reference`).
//!
//! Reads one JSON object per line on stdin:
//! `{"id": 1, "model": "black76" | "bsm", "q": 0.0, "option_type": "CE" | "PE",
//!   "underlying": 24000.0, "strike": 24100.0, "years": 0.08, "rate": 0.065, "sigma": 0.15,
//!   "price": 120.5}` — `sigma` prices the option and its Greeks; `price` (optional) is solved
//! for the implied volatility. Writes `{"id", "price", "delta", "gamma", "theta", "vega", "rho",
//! "iv"}` (each absent when not asked for) or `{"id", "error"}`.

use std::error::Error;
use std::io::{BufRead, Write};

use openalgo_core::OptionType;
use openalgo_core::options::{Contract, Model};
use serde_json::{Map, Value, json};

fn number(v: &Value, key: &str) -> Result<f64, Box<dyn Error>> {
    v.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("missing number {key}").into())
}

fn one(v: &Value) -> Result<Map<String, Value>, Box<dyn Error>> {
    let model = match v.get("model").and_then(Value::as_str) {
        Some("black76") => Model::Black76,
        Some("bsm") => Model::BlackScholes {
            dividend_yield: number(v, "q")?,
        },
        other => return Err(format!("unknown model {other:?}").into()),
    };
    let option_type: OptionType = v
        .get("option_type")
        .and_then(Value::as_str)
        .ok_or("missing option_type")?
        .parse()?;
    let c = Contract {
        option_type,
        underlying: number(v, "underlying")?,
        strike: number(v, "strike")?,
        years: number(v, "years")?,
        rate: number(v, "rate")?,
    };
    let mut out = Map::new();
    if let Some(sigma) = v.get("sigma").and_then(Value::as_f64) {
        let g = model.greeks(&c, sigma)?;
        out.insert("price".into(), json!(model.price(&c, sigma)?));
        out.insert("delta".into(), json!(g.delta));
        out.insert("gamma".into(), json!(g.gamma));
        out.insert("theta".into(), json!(g.theta));
        out.insert("vega".into(), json!(g.vega));
        out.insert("rho".into(), json!(g.rho));
    }
    if let Some(price) = v.get("price").and_then(Value::as_f64) {
        out.insert("iv".into(), json!(model.implied_volatility(&c, price)?));
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line)?;
        let mut out = match one(&v) {
            Ok(m) => m,
            Err(e) => {
                let mut m = Map::new();
                m.insert("error".into(), json!(e.to_string()));
                m
            }
        };
        out.insert("id".into(), v.get("id").cloned().unwrap_or(Value::Null));
        writeln!(stdout, "{}", Value::Object(out))?;
    }
    Ok(())
}
