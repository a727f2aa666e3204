//! After the restart: keyed orders sent again with their keys, and the orders whose answers
//! were lost matched to the requests that were cut off.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::check::{self, Api};
use super::load::post;
use super::model::{Account, Order};
use super::tally::{Tally, expect};

/// What the keyed retries found.
#[derive(Debug, Default)]
pub(super) struct Retried {
    /// Answers replayed.
    pub(super) replayed: usize,
    /// Orders placed by the retry (the first request had not committed).
    pub(super) fresh: BTreeSet<String>,
    /// Cut-off requests refused with 409: committed while still running, never answered
    /// (their order is among the unannounced ones).
    pub(super) interrupted: Vec<(usize, Order)>,
}

/// Sends every keyed order of the cycle again: an acknowledged key must be replayed with its
/// order id and place nothing; a cut-off one is replayed if it was committed with its answer
/// (then it is one of the `unannounced` orders), refused with 409 if it was committed before
/// its answer, else placed now.
pub(super) async fn keyed(
    api: &Api,
    account: &mut Account,
    tally: &Tally,
    book: &BTreeMap<String, Value>,
    unannounced: &mut BTreeSet<String>,
) -> Retried {
    let mut out = Retried::default();
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
        if status == 409 && acked.is_none() {
            out.interrupted.push((*client, order.clone()));
            continue;
        }
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
                out.replayed += 1;
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
                out.replayed += 1;
            }
            None => {
                assert!(!book.contains_key(&id), "key {key} placed {id} again");
                assert!(
                    out.fresh.insert(id.clone()),
                    "key {key}: {id} answered twice"
                );
                account.orders.insert(id, expect(order, *client));
            }
        }
    }
    out
}

/// Every order in the book that no answer announced is one of the orders cut off by the kill
/// without a key, or with a key its retry found interrupted (same symbol, side, type, quantity
/// and price), each request at most once; it is adopted as that client's. Every interrupted
/// key has its order.
pub(super) fn unanswered(
    account: &mut Account,
    tally: &Tally,
    retried: &Retried,
    book: &BTreeMap<String, Value>,
    unannounced: &BTreeSet<String>,
) {
    // Interrupted keys first: each must find its order.
    let mut cut_off = retried.interrupted.clone();
    cut_off.extend(tally.lost_unkeyed.iter().cloned());
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
            let keyed: Vec<_> = tally.retries.iter().filter(|r| r.3.is_none()).collect();
            panic!(
                "order {id} ({row}) matches no unkeyed request cut off by the kill: {cut_off:?}; \
                 keyed requests cut off (each answered by its retry): {keyed:?}"
            );
        };
        let (client, _) = cut_off.remove(i);
        check::adopt(account, id, row, client);
    }
    for interrupted in &retried.interrupted {
        assert!(
            !cut_off.contains(interrupted),
            "an interrupted key left no order: {interrupted:?}"
        );
    }
}
