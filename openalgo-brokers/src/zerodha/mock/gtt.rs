//! The mock's GTT triggers (`/gtt/triggers`), as Kite Connect v3 documents them: `type`
//! (`single` one trigger value, `two-leg` two), `condition` and `orders` as JSON form fields,
//! answers `{"trigger_id": n}`; the list carries each trigger with its status (a deleted one
//! stays listed as `deleted`).

use chrono::Duration;
use serde_json::{Value, json};

use super::rest::{Reply, error, field, now_text, ok};
use super::{MockState, Recorded};

/// One stored trigger.
#[derive(Debug, Clone)]
pub(crate) struct MockGtt {
    pub(crate) id: u64,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) condition: Value,
    pub(crate) orders: Value,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) expires_at: String,
}

fn json_of(g: &MockGtt) -> Value {
    json!({
        "id": g.id, "user_id": "AB1234", "parent_trigger": null, "type": g.kind,
        "created_at": g.created_at, "updated_at": g.updated_at, "expires_at": g.expires_at,
        "status": g.status, "condition": g.condition, "orders": g.orders, "meta": {}
    })
}

/// A refusal: status, Kite's error type and message.
type Refusal = (u16, &'static str, &'static str);

fn refused((status, kind, message): Refusal) -> Reply {
    error(status, kind, message)
}

/// The validated `(type, condition, orders)` of a form, or Kite's `InputException`.
fn read(s: &MockState, r: &Recorded) -> Result<(String, Value, Value), Refusal> {
    let bad = |m: &'static str| Err((400, "InputException", m));
    let kind = field(&r.form, "type").unwrap_or_default();
    let legs = match kind {
        "single" => 1,
        "two-leg" => 2,
        _ => return bad("Invalid `type`."),
    };
    let parse = |name| field(&r.form, name).and_then(|t| serde_json::from_str::<Value>(t).ok());
    let (Some(condition), Some(orders)) = (parse("condition"), parse("orders")) else {
        return bad("Invalid `condition` or `orders`.");
    };
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (exchange, symbol) = (
        text(&condition, "exchange"),
        text(&condition, "tradingsymbol"),
    );
    if s.instrument(&exchange, &symbol).is_none() {
        return bad("Invalid `tradingsymbol`.");
    }
    let values = condition.get("trigger_values").and_then(Value::as_array);
    let numbers = values.is_some_and(|v| v.iter().all(|x| x.as_f64().is_some_and(|f| f > 0.0)));
    if values.map(Vec::len) != Some(legs) || !numbers {
        return bad("Invalid `trigger_values`.");
    }
    if !condition.get("last_price").is_some_and(Value::is_number) {
        return bad("Invalid `last_price`.");
    }
    let Some(list) = orders.as_array().filter(|o| o.len() == legs) else {
        return bad("Invalid `orders`.");
    };
    for o in list {
        let ok_leg = matches!(text(o, "transaction_type").as_str(), "BUY" | "SELL")
            && matches!(text(o, "order_type").as_str(), "LIMIT" | "MARKET")
            && matches!(text(o, "product").as_str(), "CNC" | "NRML" | "MIS")
            && o.get("quantity")
                .and_then(Value::as_u64)
                .is_some_and(|q| q > 0)
            && o.get("price").is_some_and(Value::is_number)
            && text(o, "tradingsymbol") == symbol
            && text(o, "exchange") == exchange;
        if !ok_leg {
            return bad("Invalid order in `orders`.");
        }
    }
    Ok((kind.to_owned(), condition, orders))
}

pub(super) fn place(s: &mut MockState, r: &Recorded) -> Reply {
    let (kind, condition, orders) = match read(s, r) {
        Ok(v) => v,
        Err(why) => return refused(why),
    };
    s.next_gtt += 1;
    let id = s.next_gtt;
    let now = now_text();
    let expires = chrono::NaiveDateTime::parse_from_str(&now, "%Y-%m-%d %H:%M:%S")
        .map(|t| {
            (t + Duration::days(365))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    s.gtts.push(MockGtt {
        id,
        kind,
        status: "active".to_owned(),
        condition,
        orders,
        created_at: now.clone(),
        updated_at: now,
        expires_at: expires,
    });
    ok(json!({"trigger_id": id}))
}

fn active(s: &mut MockState, id: &str) -> Result<usize, Refusal> {
    let pos = s.gtts.iter().position(|g| g.id.to_string() == id);
    match pos {
        None => Err((404, "GeneralException", "Trigger not found.")),
        Some(i) if s.gtts[i].status != "active" => {
            Err((400, "InputException", "Trigger is not active."))
        }
        Some(i) => Ok(i),
    }
}

pub(super) fn modify(s: &mut MockState, r: &Recorded, id: &str) -> Reply {
    let i = match active(s, id) {
        Ok(i) => i,
        Err(why) => return refused(why),
    };
    let (kind, condition, orders) = match read(s, r) {
        Ok(v) => v,
        Err(why) => return refused(why),
    };
    let g = &mut s.gtts[i];
    g.kind = kind;
    g.condition = condition;
    g.orders = orders;
    g.updated_at = now_text();
    ok(json!({"trigger_id": g.id}))
}

pub(super) fn delete(s: &mut MockState, id: &str) -> Reply {
    let i = match active(s, id) {
        Ok(i) => i,
        Err(why) => return refused(why),
    };
    let g = &mut s.gtts[i];
    g.status = "deleted".to_owned();
    g.updated_at = now_text();
    ok(json!({"trigger_id": g.id}))
}

pub(super) fn list(s: &MockState) -> Reply {
    ok(Value::Array(s.gtts.iter().rev().map(json_of).collect()))
}

pub(super) fn one(s: &MockState, id: &str) -> Reply {
    match s.gtts.iter().find(|g| g.id.to_string() == id) {
        Some(g) => ok(json_of(g)),
        None => error(404, "GeneralException", "Trigger not found."),
    }
}
