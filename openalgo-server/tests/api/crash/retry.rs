//! After the restart: keyed orders sent again with their keys, and the orders whose answers
//! were lost matched to the requests that were cut off.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::check::{self, Api};
use super::load::post;
use super::model::Account;
use super::tally::{Tally, expect};

/// Sends every keyed order of the cycle again: an acknowledged key must be replayed with its
/// order id and place nothing; a cut-off one is replayed if it was committed (then it is one
/// of the `unannounced` orders), else placed now. Returns (replayed, ids placed now).
pub(super) async fn keyed(
    api: &Api,
    account: &mut Account,
    tally: &Tally,
    book: &BTreeMap<String, Value>,
    unannounced: &mut BTreeSet<String>,
) -> (usize, BTreeSet<String>) {
    let (mut replayed, mut fresh) = (0, BTreeSet::new());
    for (client, order, key, acked) in &tally.retries {
        let (status, body, replay) = post(
            &api.http,
            &api.base,
            &api.key,
            "placeorder",
            order.body(),
            Some(key),
        )
        .await
        .unwrap_or_else(|e| panic!("retry of {key}: {e}"));
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("success")),
            "retry of {key}: {body}"
        );
        let id = body["orderid"].as_str().expect("orderid").to_owned();
        match acked {
            Some(first) => {
                assert!(replay, "acknowledged key {key} was not replayed: {body}");
                assert_eq!(&id, first, "key {key} replayed another order id");
                replayed += 1;
            }
            None if replay => {
                assert!(
                    unannounced.remove(&id),
                    "key {key} replayed {id}, which is not an unannounced order of the book"
                );
                let row = &book[&id];
                assert_eq!(
                    check::shape_of(row),
                    order.placed(),
                    "order {id} of key {key}"
                );
                check::adopt(account, &id, row, *client);
                replayed += 1;
            }
            None => {
                assert!(!book.contains_key(&id), "key {key} placed {id} again");
                assert!(fresh.insert(id.clone()), "key {key}: {id} answered twice");
                account.orders.insert(id, expect(order, *client));
            }
        }
    }
    (replayed, fresh)
}

/// Every order in the book that no answer announced is one of the unkeyed orders cut off by
/// the kill (same symbol, side, type, quantity and price), each request at most once; it is
/// adopted as that client's.
pub(super) fn unkeyed(
    account: &mut Account,
    tally: &Tally,
    book: &BTreeMap<String, Value>,
    unannounced: &BTreeSet<String>,
) {
    let mut cut_off = tally.lost_unkeyed.clone();
    for id in unannounced {
        let row = &book[id];
        let found = cut_off.iter().position(|(_, o)| {
            (
                row["symbol"].as_str(),
                row["action"].as_str(),
                row["pricetype"].as_str(),
            ) == (Some(o.symbol), Some(o.action), Some(o.pricetype()))
                && check::shape_of(row) == o.placed()
        });
        let Some(i) = found else {
            panic!("order {id} ({row}) matches no request cut off by the kill: {cut_off:?}");
        };
        let (client, _) = cut_off.swap_remove(i);
        check::adopt(account, id, row, client);
    }
}
