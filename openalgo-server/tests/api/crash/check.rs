//! The checks after a restart: the order book against what the clients were told, the trade
//! book against the positions, and the funds identity against the restored state.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

use openalgo_core::sandbox::SandboxSnapshot;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::load::post;
use super::model::{Account, Expect, Shape};

/// The restarted server, for checks (any failure to get an answer fails the test).
#[derive(Debug)]
pub(super) struct Api {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) key: String,
}

impl Api {
    /// The `data` of a successful answer of `path`.
    pub(super) async fn data(&self, path: &str, body: Value) -> Value {
        let (status, answer, _) = post(&self.http, &self.base, &self.key, path, body, None)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(status, 200, "{path}: {answer}");
        answer["data"].clone()
    }

    /// Every order in the book, by id.
    pub(super) async fn book(&self) -> BTreeMap<String, Value> {
        let data = self.data("orderbook", json!({})).await;
        let mut book = BTreeMap::new();
        for row in data["orders"].as_array().expect("orders").iter().cloned() {
            let id = row["orderid"].as_str().expect("orderid").to_owned();
            assert!(
                book.insert(id.clone(), row).is_none(),
                "order {id} listed twice"
            );
        }
        book
    }
}

/// An exact decimal from a JSON string or number (numbers keep the text they were sent as).
pub(super) fn dec(v: &Value) -> Decimal {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Decimal::from_str(&text).unwrap_or_else(|e| panic!("{v} is not a decimal: {e}"))
}

/// The order's state as the book shows it.
pub(super) fn shape_of(row: &Value) -> Shape {
    Shape {
        quantity: row["quantity"].as_u64().expect("quantity"),
        price: dec(&row["price"]),
        status: row["order_status"].as_str().expect("status").to_owned(),
    }
}

/// Every order of `account` is in `book` with its symbol, side and type and in one of the
/// states it may be in (which becomes its one known state). Returns the ids in the book the
/// account does not know (orders whose answer was lost).
pub(super) fn orders(account: &mut Account, book: &BTreeMap<String, Value>) -> BTreeSet<String> {
    for (id, expect) in &mut account.orders {
        let row = book
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged order {id} ({expect:?}) is not in the book"));
        assert_eq!(
            (
                row["symbol"].as_str(),
                row["action"].as_str(),
                row["pricetype"].as_str()
            ),
            (
                Some(expect.symbol.as_str()),
                Some(expect.action.as_str()),
                Some(expect.pricetype.as_str())
            ),
            "order {id}"
        );
        let seen = shape_of(row);
        assert!(
            expect.shapes.contains(&seen),
            "order {id} is {seen:?}; acknowledged as one of {:?}",
            expect.shapes
        );
        expect.shapes = vec![seen];
    }
    book.keys()
        .filter(|id| !account.orders.contains_key(*id))
        .cloned()
        .collect()
}

/// Adopts an order found in the book whose answer was lost, as `owner`'s.
pub(super) fn adopt(account: &mut Account, id: &str, row: &Value, owner: usize) {
    let text = |k: &str| row[k].as_str().expect(k).to_owned();
    account.orders.insert(
        id.to_owned(),
        Expect {
            symbol: text("symbol"),
            action: text("action"),
            pricetype: text("pricetype"),
            shapes: vec![shape_of(row)],
            owner: Some(owner),
        },
    );
}

/// No order filled twice, every complete order filled exactly once for its quantity, nothing
/// else filled, and what each instrument holds (its position plus any delivery settled into
/// holdings) is the sum of its fills. Returns the fill count.
pub(super) async fn fills(api: &Api, book: &BTreeMap<String, Value>) -> usize {
    let trades = api.data("tradebook", json!({})).await;
    let trades = trades.as_array().expect("trades");
    let mut filled: HashMap<&str, u64> = HashMap::new();
    let mut net: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for t in trades {
        let id = t["orderid"].as_str().expect("trade orderid");
        let quantity = t["quantity"].as_u64().expect("trade quantity");
        assert!(
            filled.insert(id, quantity).is_none(),
            "order {id} filled twice"
        );
        let signed = i64::try_from(quantity).expect("quantity");
        let key = (
            t["symbol"].as_str().expect("symbol").to_owned(),
            t["exchange"].as_str().expect("exchange").to_owned(),
            t["product"].as_str().expect("product").to_owned(),
        );
        *net.entry(key).or_default() += if t["action"] == "BUY" {
            signed
        } else {
            -signed
        };
    }
    for (id, row) in book {
        let expected = match row["order_status"].as_str() {
            Some("complete") => row["quantity"].as_u64(),
            _ => None,
        };
        assert_eq!(
            filled.get(id.as_str()).copied(),
            expected,
            "fills of order {id}: {row}"
        );
    }
    assert_eq!(
        filled.len(),
        book.values()
            .filter(|r| r["order_status"] == "complete")
            .count()
    );
    let positions = api.data("positionbook", json!({})).await;
    let mut held: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for p in positions.as_array().expect("positions") {
        let key = (
            p["symbol"].as_str().expect("symbol").to_owned(),
            p["exchange"].as_str().expect("exchange").to_owned(),
            p["product"].as_str().expect("product").to_owned(),
        );
        held.insert(key, p["quantity"].as_i64().expect("position quantity"));
    }
    // CNC positions become holdings when the IST date turns (T+1).
    let holdings = api.data("holdings", json!({})).await;
    for h in holdings["holdings"].as_array().expect("holdings") {
        let key = (
            h["symbol"].as_str().expect("symbol").to_owned(),
            h["exchange"].as_str().expect("exchange").to_owned(),
            "CNC".to_owned(),
        );
        *held.entry(key).or_default() += h["quantity"].as_i64().expect("holding quantity");
    }
    for key in net.keys().chain(held.keys()) {
        assert_eq!(
            held.get(key).copied().unwrap_or(0),
            net.get(key).copied().unwrap_or(0),
            "position {key:?} against the sum of its fills"
        );
    }
    trades.len()
}

/// The account as the server restored it: the base snapshot it compacted its journal into at
/// startup, read from the database file.
pub(super) fn restored(db: &Path, account: &str) -> SandboxSnapshot {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database read-only");
    let body: String = conn
        .query_row(
            "SELECT body FROM paper_snapshots WHERE account = ?1",
            [account],
            |r| r.get(0),
        )
        .expect("the account's base snapshot");
    serde_json::from_str(&body).expect("a snapshot")
}

/// The restored ledger conserves money exactly (available + utilised = capital + realized P&L,
/// less what settled into holdings at cost), and `funds` answers it (to its two places, cut).
/// Returns both sides of the identity.
pub(super) async fn funds(api: &Api, state: &SandboxSnapshot) -> (Decimal, Decimal) {
    let f = &state.funds;
    let in_holdings: Decimal = state.holdings.iter().map(|h| h.cost).sum();
    let (held, owed) = (
        f.available + f.used_margin() + in_holdings,
        f.capital + f.realized_pnl + f.written_off,
    );
    assert_eq!(
        held, owed,
        "the restored ledger: {f:?}, holdings at cost {in_holdings}"
    );
    let data = api.data("funds", json!({})).await;
    let two = |d: Decimal| d.trunc_with_scale(2);
    assert_eq!(
        (
            dec(&data["availablecash"]),
            dec(&data["utiliseddebits"]),
            dec(&data["m2mrealized"])
        ),
        (
            two(f.available),
            two(f.used_margin()),
            two(f.today_realized_pnl)
        ),
        "funds against the restored ledger"
    );
    (held, owed)
}
