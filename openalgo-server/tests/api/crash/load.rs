//! The clients: tasks that place, modify and cancel orders as fast as the server answers,
//! until they are told to stop (just before the kill) or their connection dies with the server.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::Value;

use super::model::{Order, Resting, SYMBOLS};

/// One request.
#[derive(Debug, Clone)]
pub(super) enum Call {
    Place { order: Order, key: Option<String> },
    Modify { from: Resting, to: Resting },
    Cancel(Resting),
}

/// What the client learnt.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// `{"status":"success","orderid":...}`.
    Acked(String),
    /// Any other complete answer.
    Refused(u16, String),
    /// No complete answer: the server died with the request in flight (or refused the
    /// connection); it may or may not have run.
    Lost,
}

/// A request and its outcome.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub(super) client: usize,
    pub(super) call: Call,
    pub(super) outcome: Outcome,
}

/// Where the clients send, and the switches they share with the driver.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) key: String,
    /// Successful answers so far (the driver kills after a chosen number).
    pub(super) acks: Arc<AtomicUsize>,
    /// Set by the driver just before the kill: send nothing more.
    pub(super) stop: Arc<AtomicBool>,
}

/// Sends `body` (with the API key) to `path`, with `key` as the `Idempotency-Key`. `Err` when no
/// complete answer arrived. Returns the status, the body and whether it was a replay.
pub(super) async fn post(
    http: &reqwest::Client,
    base: &str,
    api_key: &str,
    path: &str,
    mut body: Value,
    key: Option<&str>,
) -> Result<(u16, Value, bool), reqwest::Error> {
    body["apikey"] = Value::String(api_key.to_owned());
    let mut req = http.post(format!("{base}/api/v1/{path}")).json(&body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let replayed = res.headers().contains_key("idempotent-replayed");
    let text = res.text().await?;
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((status, value, replayed))
}

fn price(rng: &mut StdRng) -> Decimal {
    // ₹1.00–₹4.95 in 5-paise ticks: far below every symbol's market, so limits rest.
    Decimal::new(100 + 5 * rng.gen_range(0..80), 2)
}

/// What a client owns: its resting limits and the shares its fills hold.
#[derive(Debug, Clone, Default)]
pub(super) struct Holdings {
    pub(super) resting: Vec<Resting>,
    pub(super) shares: BTreeMap<&'static str, u64>,
}

/// The next request of a client: MARKET orders that fill at once (a sell only of shares the
/// client holds), far limits that rest, and modifies and cancels of the client's resting
/// orders; a third of the orders carry a key.
fn next(rng: &mut StdRng, own: &mut Holdings, name: &str, n: usize) -> Call {
    let resting = &mut own.resting;
    let roll = rng.gen_range(0..100);
    if roll >= 80 && !resting.is_empty() {
        let from = resting.swap_remove(rng.gen_range(0..resting.len()));
        if roll >= 90 {
            return Call::Cancel(from);
        }
        let mut to = from.clone();
        to.order.quantity = rng.gen_range(1..=10);
        to.order.limit = Some(price(rng));
        return Call::Modify { from, to };
    }
    let symbol = SYMBOLS[rng.gen_range(0..SYMBOLS.len())];
    let quantity = rng.gen_range(1..=10);
    let sellable = own.shares.get(symbol).is_some_and(|held| *held >= quantity);
    let order = Order {
        symbol,
        action: if sellable && rng.gen_bool(0.5) {
            "SELL"
        } else {
            "BUY"
        },
        quantity,
        limit: None,
    };
    let order = if roll < 45 {
        order
    } else {
        // Resting limits buy: a far sell limit would block a huge margin.
        Order {
            action: "BUY",
            limit: Some(price(rng)),
            ..order
        }
    };
    let key = rng.gen_bool(1.0 / 3.0).then(|| format!("{name}-{n}"));
    Call::Place { order, key }
}

/// Runs client `client` until stopped, cut off or refused; returns its requests in order.
pub(super) async fn client(
    target: Target,
    client: usize,
    seed: u64,
    cycle: usize,
    mut own: Holdings,
) -> Vec<Record> {
    let mut rng = StdRng::seed_from_u64(seed);
    let name = format!("cycle{cycle}-client{client}");
    let mut records = Vec::new();
    while !target.stop.load(Ordering::Acquire) {
        let call = next(&mut rng, &mut own, &name, records.len());
        let (path, body, key) = match &call {
            Call::Place { order, key } => ("placeorder", order.body(), key.as_deref()),
            Call::Modify { from, to } => (
                "modifyorder",
                from.modify_body(to.order.quantity, to.order.limit.unwrap_or_default()),
                None,
            ),
            Call::Cancel(r) => (
                "cancelorder",
                serde_json::json!({"strategy": "crash", "orderid": r.id}),
                None,
            ),
        };
        let answer = post(&target.http, &target.base, &target.key, path, body, key).await;
        let outcome = match answer {
            Ok((200, body, _)) if body["status"] == "success" => {
                target.acks.fetch_add(1, Ordering::AcqRel);
                Outcome::Acked(body["orderid"].as_str().unwrap_or_default().to_owned())
            }
            Ok((status, body, _)) => Outcome::Refused(status, body.to_string()),
            Err(_) => Outcome::Lost,
        };
        match (&call, &outcome) {
            (Call::Place { order, .. }, Outcome::Acked(id)) if order.limit.is_some() => {
                own.resting.push(Resting {
                    id: id.clone(),
                    order: order.clone(),
                });
            }
            (Call::Place { order, .. }, Outcome::Acked(_)) => {
                let held = own.shares.entry(order.symbol).or_default();
                if order.action == "BUY" {
                    *held += order.quantity;
                } else {
                    *held -= order.quantity;
                }
            }
            (Call::Modify { to, .. }, Outcome::Acked(_)) => own.resting.push(to.clone()),
            _ => {}
        }
        let done = !matches!(outcome, Outcome::Acked(_));
        records.push(Record {
            client,
            call,
            outcome,
        });
        if done {
            break;
        }
    }
    records
}
