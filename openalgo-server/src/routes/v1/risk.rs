//! `risk`, `risk/killswitch`, `risk/limits`: the accounts' risk rules over the API (ours; the
//! reference has no risk engine). `account` picks `live` or `analyze`, defaulting to the
//! account orders go to now.

use actix_web::{HttpResponse, web};
use openalgo_core::risk::{KillSwitch, RiskLimits, SymbolLimits};
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::ApiError;
use crate::state::Mode;
use crate::validation::fields::{Bound, Field, Kind, Whole};
use crate::validation::{Format, Valid, object};

use super::table;

const API_KEY: Field = Field::required("apikey", Kind::text(1, 256));
const ACCOUNT: Field = Field::optional("account", Kind::Folded(&["live", "analyze"]));
const MONEY: Kind = Kind::number(
    Bound::NonNegative,
    Whole::No,
    "Must be greater than or equal to 0 (0 turns the rule off).",
);
const COUNT: Kind = Kind::Integer {
    min: 0,
    max: 999_999_999,
    message: "Must be a whole number from 0 (off) to 999999999.",
};

/// `risk`.
pub(super) const STATUS: &[Field] = &[API_KEY];

/// `risk/killswitch`.
pub(super) const KILL_SWITCH: &[Field] = &[
    API_KEY,
    ACCOUNT,
    Field::required("engage", Kind::Boolean),
    Field::optional("reason", Kind::text(0, 200)),
    Field::optional("flatten", Kind::Boolean),
];

const SYMBOL_LIMIT: &[Field] = &[
    Field::required(
        "symbol",
        Kind::text_with(1, 50, "Symbol must be between 1 and 50 characters."),
    ),
    Field::required("exchange", Kind::Choice(Exchange::ACCEPTED)),
    Field::optional("max_order_quantity", COUNT),
    Field::optional("max_order_value", MONEY),
];

/// `risk/limits`: each field present replaces that limit (0 turns it off); `symbol_limits`,
/// when present, replaces the per-symbol list.
pub(super) const LIMITS: &[Field] = &[
    API_KEY,
    ACCOUNT,
    Field::optional("max_daily_loss", MONEY),
    Field::optional("max_order_quantity", COUNT),
    Field::optional("max_order_value", MONEY),
    Field::optional("max_open_positions", COUNT),
    Field::optional(
        "orders_per_second",
        Kind::Integer {
            min: 0,
            max: 99_999,
            message: "Must be a whole number from 0 (off) to 99999.",
        },
    ),
    Field::optional("flatten_on_kill", Kind::Boolean),
    Field::optional(
        "symbol_limits",
        Kind::Objects {
            fields: SYMBOL_LIMIT,
            min: 0,
            max: 500,
            message: "At most 500 symbol limits.",
        },
    ),
];

fn account(state: &AppState, v: &Valid) -> Mode {
    match v.opt_text("account").as_deref() {
        Some("live") => Mode::Live,
        Some("analyze") => Mode::Analyze,
        _ => state.mode(),
    }
}

fn money(v: Option<Decimal>) -> Value {
    v.map_or(Value::Null, |d| {
        json!(openalgo_core::money::decimal_to_f64(d))
    })
}

fn kill_json(k: Option<&KillSwitch>) -> Value {
    match k {
        Some(k) => json!({
            "engaged": true,
            "reason": k.reason,
            "since": k.since.format("%Y-%m-%d %H:%M:%S").to_string(),
            "automatic": k.automatic,
        }),
        None => json!({"engaged": false, "reason": "", "since": "", "automatic": false}),
    }
}

fn limits_json(l: &RiskLimits) -> Value {
    let mut symbols: Vec<(&InstrumentKey, &SymbolLimits)> = l.symbols.iter().collect();
    symbols.sort_by(|a, b| {
        (a.0.exchange.as_str(), a.0.symbol.as_str())
            .cmp(&(b.0.exchange.as_str(), b.0.symbol.as_str()))
    });
    json!({
        "max_daily_loss": money(l.max_daily_loss),
        "max_order_quantity": l.max_order_quantity,
        "max_order_value": money(l.max_order_value),
        "max_open_positions": l.max_open_positions,
        "orders_per_second": l.orders_per_second,
        "flatten_on_kill": l.flatten_on_kill,
        "symbol_limits": symbols.into_iter().map(|(k, s)| json!({
            "symbol": k.symbol.as_str(),
            "exchange": k.exchange.as_str(),
            "max_order_quantity": s.max_order_quantity,
            "max_order_value": money(s.max_order_value),
        })).collect::<Vec<_>>(),
    })
}

/// One account's rules as the API and the Risk page show them.
pub(crate) fn account_json(state: &AppState, mode: Mode) -> Value {
    state.book.risk().of(mode).with(|g| {
        json!({
            "account": mode.as_str(),
            "kill_switch": kill_json(g.kill_switch()),
            "limits": limits_json(g.limits()),
        })
    })
}

pub(super) async fn status(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::RISK.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "data": {
            "mode": state.mode().as_str(),
            "live": account_json(&state, Mode::Live),
            "analyze": account_json(&state, Mode::Analyze),
        }
    })))
}

pub(super) async fn kill_switch(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::RISK_KILLSWITCH.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    let mode = account(&state, &v);
    let engage = v.opt_bool("engage").unwrap_or(false);
    let reason = v.opt_text("reason").unwrap_or_default();
    crate::risk::switch(
        &state.store,
        &state.book,
        state.clock.as_ref(),
        mode,
        engage,
        &reason,
        v.opt_bool("flatten"),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": account_json(&state, mode)})))
}

fn positive_count(v: Option<i64>) -> Option<Option<u64>> {
    v.map(|n| u64::try_from(n).ok().filter(|&n| n > 0))
}

fn positive_money(v: Option<Decimal>) -> Option<Option<Decimal>> {
    v.map(|d| (d > Decimal::ZERO).then_some(d))
}

/// The limits after applying the request's fields to `current`.
fn updated(current: &RiskLimits, v: &Valid, replace_symbols: bool) -> Result<RiskLimits, ApiError> {
    let mut l = current.clone();
    if let Some(x) = positive_money(v.opt_number("max_daily_loss")) {
        l.max_daily_loss = x;
    }
    if let Some(x) = positive_count(v.opt_integer("max_order_quantity")) {
        l.max_order_quantity = x;
    }
    if let Some(x) = positive_money(v.opt_number("max_order_value")) {
        l.max_order_value = x;
    }
    if let Some(x) = positive_count(v.opt_integer("max_open_positions")) {
        l.max_open_positions = x.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    }
    if let Some(n) = v.opt_integer("orders_per_second") {
        l.orders_per_second = u32::try_from(n).unwrap_or(0);
    }
    if let Some(b) = v.opt_bool("flatten_on_kill") {
        l.flatten_on_kill = b;
    }
    if replace_symbols {
        l.symbols.clear();
        for item in v.items("symbol_limits") {
            let text = item.text("symbol")?;
            let exchange: Exchange = item.choice("exchange")?;
            let symbol = Symbol::new(&text)
                .map_err(|e| ApiError::BadRequest(format!("symbol_limits: {e}")))?;
            let limits = SymbolLimits {
                max_order_quantity: positive_count(item.opt_integer("max_order_quantity"))
                    .flatten(),
                max_order_value: positive_money(item.opt_number("max_order_value")).flatten(),
            };
            l.symbols
                .insert(InstrumentKey::new(symbol, exchange), limits);
        }
    }
    Ok(l)
}

pub(super) async fn limits(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::RISK_LIMITS.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    let replace_symbols = object(&body, Format::Object)?.contains_key("symbol_limits");
    let mode = account(&state, &v);
    let gates = state.book.risk();
    let next = gates
        .of(mode)
        .with(|g| updated(g.limits(), &v, replace_symbols))?;
    crate::risk::set_limits(&state.store, gates, mode, next).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": account_json(&state, mode)})))
}

/// The 200 body of `risk`.
pub(super) fn status_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status", "data"],
        "properties": {
            "status": {"type": "string", "enum": ["success"]},
            "data": {
                "type": "object",
                "required": ["mode", "live", "analyze"],
                "properties": {
                    "mode": {"type": "string", "enum": ["live", "analyze"]},
                    "live": account_schema(),
                    "analyze": account_schema(),
                }
            }
        }
    })
}

/// The 200 body of `risk/killswitch` and `risk/limits`.
pub(super) fn account_answer_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status", "data"],
        "properties": {
            "status": {"type": "string", "enum": ["success"]},
            "data": account_schema(),
        }
    })
}

fn account_schema() -> Value {
    // OpenAPI 3.0: `nullable`, not a type list.
    let opt_number = json!({"type": "number", "nullable": true});
    let opt_integer = json!({"type": "integer", "nullable": true});
    json!({
        "type": "object",
        "required": ["account", "kill_switch", "limits"],
        "properties": {
            "account": {"type": "string", "enum": ["live", "analyze"]},
            "kill_switch": {
                "type": "object",
                "required": ["engaged", "reason", "since", "automatic"],
                "properties": {
                    "engaged": {"type": "boolean"},
                    "reason": {"type": "string"},
                    "since": {"type": "string"},
                    "automatic": {"type": "boolean"},
                }
            },
            "limits": {
                "type": "object",
                "required": ["max_daily_loss", "max_order_quantity", "max_order_value",
                             "max_open_positions", "orders_per_second", "flatten_on_kill",
                             "symbol_limits"],
                "properties": {
                    "max_daily_loss": opt_number,
                    "max_order_quantity": opt_integer,
                    "max_order_value": opt_number,
                    "max_open_positions": opt_integer,
                    "orders_per_second": {"type": "integer"},
                    "flatten_on_kill": {"type": "boolean"},
                    "symbol_limits": {"type": "array", "items": {"type": "object"}},
                }
            }
        }
    })
}
