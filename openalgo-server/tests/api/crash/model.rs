//! What the clients were told, as expectations of one paper account: every acknowledged order
//! with the states it may be found in after the restart (one, or two when a modify or cancel of
//! it was in flight at the kill).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The instruments traded: cheap NSE equities, so margins stay small.
pub(super) const SYMBOLS: &[&str] = &["YESBANK", "TATASTEEL", "WIPRO", "ONGC", "POWERGRID"];
/// Every order's product: delivery, so no intraday window applies at any hour (NRML is refused
/// on NSE). A CNC sell needs shares held, so each client sells only what its own acknowledged
/// buys hold.
pub(super) const PRODUCT: &str = "CNC";

/// An order as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Order {
    pub(super) symbol: &'static str,
    pub(super) action: &'static str,
    pub(super) quantity: u64,
    /// The limit price; `None` for MARKET.
    pub(super) limit: Option<Decimal>,
}

impl Order {
    pub(super) fn pricetype(&self) -> &'static str {
        if self.limit.is_some() {
            "LIMIT"
        } else {
            "MARKET"
        }
    }

    /// The `placeorder` body (without the API key).
    pub(super) fn body(&self) -> Value {
        json!({"strategy": "crash", "exchange": "NSE", "symbol": self.symbol,
               "action": self.action, "quantity": self.quantity.to_string(),
               "pricetype": self.pricetype(), "product": PRODUCT,
               "price": self.limit.unwrap_or_default().to_string()})
    }

    /// How the order is found once placed: a MARKET order filled, a limit far from the market
    /// resting.
    pub(super) fn placed(&self) -> Shape {
        Shape {
            quantity: self.quantity,
            price: self.limit.unwrap_or_default(),
            status: if self.limit.is_some() {
                "open"
            } else {
                "complete"
            }
            .to_owned(),
        }
    }
}

/// The changeable part of an order as the order book shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    pub(super) quantity: u64,
    pub(super) price: Decimal,
    pub(super) status: String,
}

/// One order the account must hold.
#[derive(Debug, Clone)]
pub(super) struct Expect {
    pub(super) symbol: String,
    pub(super) action: String,
    pub(super) pricetype: String,
    /// The states it may be in; exactly one once checked.
    pub(super) shapes: Vec<Shape>,
    /// The client that placed it (`None`: committed by a request whose answer was lost).
    pub(super) owner: Option<usize>,
}

impl Expect {
    /// The one state known for certain, if there is one.
    pub(super) fn known(&self) -> Option<&Shape> {
        match self.shapes.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// A resting limit order a client may modify or cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resting {
    pub(super) id: String,
    pub(super) order: Order,
}

impl Resting {
    /// The `modifyorder` body that gives the order `quantity` and `price`.
    pub(super) fn modify_body(&self, quantity: u64, price: Decimal) -> Value {
        let mut body = Order {
            quantity,
            limit: Some(price),
            ..self.order.clone()
        }
        .body();
        body["orderid"] = json!(self.id);
        body["trigger_price"] = json!("0");
        body["disclosed_quantity"] = json!("0");
        body
    }
}

/// One paper account and what it must hold.
#[derive(Debug)]
pub(super) struct Account {
    /// The journal's name for it.
    pub(super) name: &'static str,
    /// Whether analyze mode selects it.
    pub(super) analyze: bool,
    pub(super) orders: BTreeMap<String, Expect>,
}

impl Account {
    /// The shares `client` holds by its own filled orders, per symbol.
    pub(super) fn held_by(&self, client: usize) -> BTreeMap<&'static str, u64> {
        let mut held: BTreeMap<&'static str, i64> = BTreeMap::new();
        for e in self.orders.values().filter(|e| e.owner == Some(client)) {
            let Some(shape) = e.known().filter(|s| s.status == "complete") else {
                continue;
            };
            let symbol = SYMBOLS
                .iter()
                .find(|s| **s == e.symbol)
                .expect("a traded symbol");
            let units = i64::try_from(shape.quantity).expect("quantity");
            *held.entry(symbol).or_default() += if e.action == "BUY" { units } else { -units };
        }
        held.into_iter()
            .map(|(s, q)| {
                (
                    s,
                    u64::try_from(q).expect("no client sold more than it bought"),
                )
            })
            .collect()
    }

    pub(super) fn new(name: &'static str, analyze: bool) -> Self {
        Self {
            name,
            analyze,
            orders: BTreeMap::new(),
        }
    }

    /// The resting limit orders of `client` whose state is certain.
    pub(super) fn resting_of(&self, client: usize) -> Vec<Resting> {
        self.orders
            .iter()
            .filter(|(_, e)| e.owner == Some(client))
            .filter_map(|(id, e)| {
                let shape = e.known()?;
                let symbol = SYMBOLS.iter().find(|s| **s == e.symbol)?;
                let action = if e.action == "BUY" { "BUY" } else { "SELL" };
                (e.pricetype == "LIMIT" && shape.status == "open").then(|| Resting {
                    id: id.clone(),
                    order: Order {
                        symbol,
                        action,
                        quantity: shape.quantity,
                        limit: Some(shape.price),
                    },
                })
            })
            .collect()
    }
}
