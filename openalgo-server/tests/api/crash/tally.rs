//! The clients' answers applied to the account's expectations.

use super::load::{Call, Outcome, Record};
use super::model::{Account, Expect, Order, Shape};

/// What one cycle's answers added, and what is left to settle after the restart.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) acked: usize,
    pub(super) modifies: usize,
    pub(super) cancels: usize,
    /// Ids of the orders placed with a success answer.
    pub(super) placed: Vec<String>,
    /// Keyed orders to send again: (client, order, key, the id acknowledged if any).
    pub(super) retries: Vec<(usize, Order, String, Option<String>)>,
    /// Requests cut off by the kill.
    pub(super) lost: usize,
    /// Orders cut off by the kill that carried no key: (client, order).
    pub(super) lost_unkeyed: Vec<(usize, Order)>,
    /// Answers other than success.
    pub(super) refused: Vec<String>,
}

impl Tally {
    /// Orders cut off by the kill, keyed or not.
    pub(super) fn lost_places(&self) -> usize {
        self.lost_unkeyed.len() + self.retries.iter().filter(|r| r.3.is_none()).count()
    }
}

/// How `order` is found once cancelled.
fn cancelled(order: &Order) -> Shape {
    Shape {
        status: "cancelled".into(),
        ..order.placed()
    }
}

/// An order placed by `owner`, as it must be found.
pub(super) fn expect(order: &Order, owner: usize) -> Expect {
    Expect {
        symbol: order.symbol.to_owned(),
        action: order.action.to_owned(),
        pricetype: order.pricetype().to_owned(),
        shapes: vec![order.placed()],
        owner: Some(owner),
    }
}

/// Records the clients' answers in the account's expectations: an acknowledged change has one
/// outcome, a cut-off modify or cancel two.
pub(super) fn apply(account: &mut Account, records: Vec<Record>) -> Tally {
    let mut t = Tally::default();
    for Record {
        client,
        call,
        outcome,
    } in records
    {
        match &outcome {
            Outcome::Acked(_) => t.acked += 1,
            Outcome::Lost => t.lost += 1,
            Outcome::Refused(status, body) => {
                t.refused.push(format!("{status} {body}"));
                continue;
            }
        }
        match (call, outcome) {
            (Call::Place { order, key }, Outcome::Acked(id)) => {
                let earlier = account.orders.insert(id.clone(), expect(&order, client));
                assert!(earlier.is_none(), "order id {id} acknowledged twice");
                t.placed.push(id.clone());
                if let Some(key) = key {
                    t.retries.push((client, order, key, Some(id)));
                }
            }
            (Call::Place { order, key }, _) => match key {
                Some(key) => t.retries.push((client, order, key, None)),
                None => t.lost_unkeyed.push((client, order)),
            },
            (Call::Modify { from, to }, outcome) => {
                let e = account.orders.get_mut(&from.id).expect("a known order");
                assert_eq!(e.known(), Some(&from.order.placed()));
                e.shapes = match outcome {
                    Outcome::Acked(id) => {
                        assert_eq!(id, from.id, "modify answers the order's id");
                        t.modifies += 1;
                        vec![to.order.placed()]
                    }
                    _ => vec![from.order.placed(), to.order.placed()],
                };
            }
            (Call::Cancel(from), outcome) => {
                let e = account.orders.get_mut(&from.id).expect("a known order");
                assert_eq!(e.known(), Some(&from.order.placed()));
                e.shapes = match outcome {
                    Outcome::Acked(id) => {
                        assert_eq!(id, from.id, "cancel answers the order's id");
                        t.cancels += 1;
                        vec![cancelled(&from.order)]
                    }
                    _ => vec![from.order.placed(), cancelled(&from.order)],
                };
            }
        }
    }
    t
}
