//! The response schemas of `/api/v1`: each endpoint's 200 body (the table names one of these
//! functions) and the error bodies every status carries.

use serde_json::{Map, Value, json};

use crate::validation::Format;

fn object(required: &[&str], properties: Value) -> Value {
    let mut v = json!({"type": "object", "required": required});
    v["properties"] = properties;
    v
}

/// `{"status": "success", ...}` with `props` (all required) and the analyzer's `mode` marker.
fn success(props: Value) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "status".into(),
        json!({"type": "string", "enum": ["success"]}),
    );
    properties.insert(
        "mode".into(),
        json!({"type": "string", "enum": ["analyze"]}),
    );
    let mut required = vec!["status".to_owned()];
    if let Value::Object(p) = props {
        for (k, v) in p {
            required.push(k.clone());
            properties.insert(k, v);
        }
    }
    json!({"type": "object", "required": required, "properties": properties})
}

fn s() -> Value {
    json!({"type": "string"})
}
fn n() -> Value {
    json!({"type": "number"})
}
fn int() -> Value {
    json!({"type": "integer"})
}
fn array(items: Value) -> Value {
    let mut v = json!({"type": "array"});
    v["items"] = items;
    v
}
fn any_object() -> Value {
    json!({"type": "object"})
}

/// `orderid`.
pub(super) fn order_id() -> Value {
    success(json!({"orderid": s()}))
}

/// GTT place, modify and cancel.
pub(super) fn trigger_id() -> Value {
    success(json!({"trigger_id": s()}))
}

/// gttorderbook.
pub(super) fn gtt_book() -> Value {
    let leg = object(
        &["action", "quantity", "price", "pricetype", "product"],
        json!({"action": s(), "quantity": int(), "price": n(), "pricetype": s(), "product": s()}),
    );
    let entry = object(
        &[
            "trigger_id",
            "trigger_type",
            "status",
            "symbol",
            "exchange",
            "trigger_prices",
            "last_price",
            "legs",
            "created_at",
            "updated_at",
            "expires_at",
        ],
        json!({"trigger_id": s(), "trigger_type": {"type": "string", "enum": ["single", "two-leg"]},
               "status": s(), "symbol": s(), "exchange": s(), "trigger_prices": array(n()),
               "last_price": n(), "legs": array(leg), "created_at": s(), "updated_at": s(),
               "expires_at": s(), "strategy": s(), "margin_blocked": n()}),
    );
    success(json!({"data": array(entry)}))
}

/// placesmartorder: an order id, or a message when nothing needed doing.
pub(super) fn smart_order() -> Value {
    let mut v = success(json!({}));
    v["properties"]["orderid"] = s();
    v["properties"]["message"] = s();
    v
}

/// splitorder.
pub(super) fn split_order() -> Value {
    success(
        json!({"total_quantity": int(), "split_size": int(), "results": array(object(
        &["order_num", "quantity", "status"],
        json!({"order_num": int(), "quantity": int(), "status": {"type": "string", "enum": ["success", "error"]},
               "orderid": s(), "message": s()})))}),
    )
}

/// basketorder.
pub(super) fn basket_order() -> Value {
    success(
        json!({"results": array(object(&["symbol", "status"], json!({
        "symbol": s(), "exchange": s(), "product": s(),
        "status": {"type": "string", "enum": ["success", "error"]}, "orderid": s(), "message": s()})))}),
    )
}

/// cancelallorder.
pub(super) fn cancel_all() -> Value {
    success(json!({"message": s(), "canceled_orders": array(s()),
                   "failed_cancellations": array(object(&["orderid", "message"], json!({"orderid": s(), "message": s()})))}))
}

/// A message only (closeposition).
pub(super) fn message() -> Value {
    success(json!({"message": s()}))
}

fn order_row() -> Value {
    object(
        &[
            "action",
            "symbol",
            "exchange",
            "orderid",
            "product",
            "quantity",
            "price",
            "pricetype",
            "order_status",
            "trigger_price",
            "average_price",
        ],
        json!({"action": s(), "symbol": s(), "exchange": s(), "orderid": s(), "product": s(),
               "quantity": int(), "price": n(), "pricetype": s(), "order_status": s(),
               "trigger_price": n(), "average_price": n(), "filled_quantity": int(),
               "pending_quantity": int(), "rejection_reason": s(), "strategy": s(), "timestamp": s()}),
    )
}

/// orderstatus.
pub(super) fn order_status() -> Value {
    success(json!({"data": order_row()}))
}

/// openposition.
pub(super) fn open_position() -> Value {
    success(json!({"quantity": int()}))
}

/// funds: amounts as strings with two decimals.
pub(super) fn funds() -> Value {
    let keys = [
        "availablecash",
        "collateral",
        "m2mrealized",
        "m2munrealized",
        "utiliseddebits",
    ];
    let props: Map<String, Value> = keys.iter().map(|k| ((*k).to_owned(), s())).collect();
    success(json!({"data": object(&keys, Value::Object(props))}))
}

/// orderbook.
pub(super) fn order_book() -> Value {
    success(
        json!({"data": object(&["orders", "statistics"], json!({"orders": array(order_row()), "statistics": any_object()}))}),
    )
}

/// A list of rows (tradebook, positionbook, history, ticker).
pub(super) fn rows() -> Value {
    success(json!({"data": array(any_object())}))
}

/// holdings.
pub(super) fn holdings() -> Value {
    success(
        json!({"data": object(&["holdings", "statistics"], json!({"holdings": array(any_object()), "statistics": any_object()}))}),
    )
}

/// margin.
pub(super) fn margin() -> Value {
    success(
        json!({"data": object(&["total_margin_required", "span_margin", "exposure_margin"],
        json!({"total_margin_required": n(), "span_margin": n(), "exposure_margin": n()}))}),
    )
}

/// pnl/symbols.
pub(super) fn pnl_symbols() -> Value {
    success(
        json!({"data": array(any_object()), "total_pnl": n(), "total_unrealized_pnl": n(),
                   "total_today_realized_pnl": n(), "total_pnl_today": n()}),
    )
}

/// An object payload (quotes, depth, symbol, intervals).
pub(super) fn data_object() -> Value {
    success(json!({"data": any_object()}))
}

/// multiquotes.
pub(super) fn multiquotes() -> Value {
    success(
        json!({"results": array(object(&["symbol", "exchange"], json!({"symbol": s(), "exchange": s(), "data": any_object(), "error": s()})))}),
    )
}

/// A message and a list (search, instruments as JSON).
pub(super) fn found() -> Value {
    success(json!({"message": s(), "data": array(any_object())}))
}

/// expiry.
pub(super) fn expiry() -> Value {
    success(json!({"message": s(), "data": array(s())}))
}

fn session() -> Value {
    object(
        &["exchange", "start_time", "end_time"],
        json!({"exchange": s(), "start_time": int(), "end_time": int()}),
    )
}

/// market/holidays.
pub(super) fn holidays() -> Value {
    success(
        json!({"year": int(), "timezone": {"type": "string", "enum": ["Asia/Kolkata"]},
        "data": array(object(&["date", "description", "holiday_type", "closed_exchanges", "open_exchanges"],
            json!({"date": s(), "description": s(), "holiday_type": s(), "closed_exchanges": array(s()),
                   "open_exchanges": array(session())})))}),
    )
}

/// market/timings.
pub(super) fn timings() -> Value {
    success(json!({"data": array(session())}))
}

fn analyzer_data(with_message: bool) -> Value {
    let mut required = vec!["mode", "analyze_mode", "total_logs"];
    if with_message {
        required.push("message");
    }
    object(
        &required,
        json!({"mode": {"type": "string", "enum": ["live", "analyze"]},
        "analyze_mode": {"type": "boolean"}, "total_logs": int(), "message": s()}),
    )
}

/// analyzer.
pub(super) fn analyzer() -> Value {
    success(json!({"data": analyzer_data(false)}))
}

/// analyzer/toggle.
pub(super) fn analyzer_toggle() -> Value {
    success(json!({"data": analyzer_data(true)}))
}

/// ping.
pub(super) fn ping() -> Value {
    success(
        json!({"data": object(&["message", "broker"], json!({"message": {"type": "string", "enum": ["pong"]}, "broker": s()}))}),
    )
}

/// optionsorder: an order id, or a split's results, with the resolved contract.
pub(super) fn options_order() -> Value {
    let mut v = success(json!({"symbol": s(), "exchange": s(), "underlying": s(),
        "underlying_ltp": n(), "offset": s(), "option_type": s()}));
    v["properties"]["orderid"] = s();
    v["properties"]["total_quantity"] = int();
    v["properties"]["split_size"] = int();
    v["properties"]["results"] = array(any_object());
    v
}

/// optionsmultiorder: each leg's result in request order.
pub(super) fn options_multi_order() -> Value {
    let leg = object(
        &["leg", "offset", "option_type", "action", "status"],
        json!({"leg": int(), "symbol": s(), "exchange": s(), "product": s(), "offset": s(),
               "option_type": s(), "action": s(), "status": s(), "orderid": s(),
               "message": s(), "mode": s(), "total_quantity": int(), "split_size": int(),
               "split_results": array(any_object())}),
    );
    success(json!({"underlying": s(), "underlying_ltp": n(), "results": array(leg)}))
}

/// optionsymbol.
pub(super) fn option_symbol() -> Value {
    success(
        json!({"symbol": s(), "exchange": s(), "lotsize": int(), "tick_size": n(),
        "freeze_qty": int(), "underlying_ltp": n()}),
    )
}

/// optionchain.
pub(super) fn option_chain() -> Value {
    let leg = json!({"type": "object", "nullable": true});
    let row = object(
        &["strike", "ce", "pe"],
        json!({"strike": n(), "ce": leg, "pe": leg}),
    );
    success(
        json!({"underlying": s(), "underlying_symbol": s(), "underlying_exchange": s(),
        "underlying_ltp": n(), "underlying_prev_close": n(), "expiry_date": s(),
        "expiry_ts": int(), "server_ts": int(), "atm_strike": n(),
        "quotes_included": {"type": "boolean"}, "greeks_included": {"type": "boolean"},
        "forward_price": {"type": "number", "nullable": true}, "chain": array(row)}),
    )
}

/// optiongreeks.
pub(super) fn option_greeks() -> Value {
    let mut v = success(json!({"symbol": s(), "exchange": s(), "underlying": s(),
        "strike": n(), "option_type": s(), "expiry_date": s(), "days_to_expiry": n(),
        "spot_price": n(), "option_price": n(), "interest_rate": n(),
        "implied_volatility": n(), "greeks": any_object()}));
    v["properties"]["forward_price"] = n();
    v
}

/// multioptiongreeks.
pub(super) fn multi_option_greeks() -> Value {
    success(json!({"data": array(any_object()), "summary": any_object()}))
}

/// syntheticfuture.
pub(super) fn synthetic_future() -> Value {
    success(
        json!({"underlying": s(), "underlying_ltp": n(), "expiry": s(),
        "atm_strike": n(), "synthetic_future_price": n()}),
    )
}

/// The `{"status": "error", "message": ...}` body: the message is a string, or for format F2
/// validation errors the per-field object.
#[must_use]
pub(super) fn error(format: Format) -> Value {
    let message = match format {
        Format::Stringified => s(),
        Format::Object => json!({"oneOf": [s(), any_object()]}),
        Format::Errors(_) => s(),
    };
    object(
        &["status", "message"],
        json!({"status": {"type": "string", "enum": ["error"]},
        "message": message, "mode": {"type": "string", "enum": ["analyze"]},
        "errors": any_object()}),
    )
}

/// A `{"message": ...}` body (405; 429 from the rate limiter; a broker's 429 adds `status`).
#[must_use]
pub(super) fn bare_message() -> Value {
    object(&["message"], json!({"message": s()}))
}
