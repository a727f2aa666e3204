//! Option orders (rest-api §3.1.3, §3.1.4, §5.6): an option contract already resolved from
//! (underlying, expiry, offset, type) is placed as one order or split, and a multi-leg order
//! places its BUY legs before its SELL legs and reports the legs in request order. The
//! placement is the same `place`/`split` as `placeorder` and `splitorder`.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::commands::{Reply, SplitReport, place, split};
use super::{OrderError, OrderService};
use crate::money::decimal_to_f64;
use crate::{Action, OptionType, OrderDraft, Product};

/// What an option order echoes of its request: the underlying as sent, its price, the offset
/// and the option type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionEcho {
    /// The `underlying` as the request sent it.
    pub underlying: String,
    /// The underlying's last price the contract was resolved from.
    pub underlying_ltp: Decimal,
    /// The offset as the request sent it.
    pub offset: String,
    /// Call or put.
    pub option_type: OptionType,
}

/// One resolved option order: the draft of the contract, and its split size (0: one order).
#[derive(Debug, Clone)]
pub struct OptionOrder {
    /// The order on the resolved contract.
    pub draft: OrderDraft,
    /// Units per child order; 0 places one order.
    pub split: u64,
    /// What the answer echoes.
    pub echo: OptionEcho,
}

/// How an option order went: one order, or the children of a split.
#[derive(Debug)]
pub enum OptionPlacement {
    /// One order with its id.
    Single(crate::OrderId),
    /// The children of a split.
    Split(SplitReport),
}

/// The answer of `optionsorder`.
#[derive(Debug)]
pub struct OptionPlaced {
    /// The contract's symbol.
    pub symbol: String,
    /// The option exchange.
    pub exchange: crate::Exchange,
    /// The request's echo.
    pub echo: OptionEcho,
    /// The placement.
    pub placement: OptionPlacement,
}

impl Reply for OptionPlaced {
    fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), "success".into());
        if let OptionPlacement::Single(id) = &self.placement {
            m.insert("orderid".into(), json!(id));
        }
        m.insert("symbol".into(), self.symbol.clone().into());
        m.insert("exchange".into(), self.exchange.as_str().into());
        m.insert("underlying".into(), self.echo.underlying.clone().into());
        m.insert(
            "underlying_ltp".into(),
            json!(decimal_to_f64(self.echo.underlying_ltp)),
        );
        m.insert("offset".into(), self.echo.offset.clone().into());
        m.insert("option_type".into(), self.echo.option_type.as_str().into());
        if let OptionPlacement::Split(report) = &self.placement
            && let Value::Object(split) = report.body()
        {
            for key in ["total_quantity", "split_size", "results"] {
                if let Some(v) = split.get(key) {
                    m.insert(key.into(), v.clone());
                }
            }
        }
        Value::Object(m)
    }
}

/// Places a resolved option order: one order, or split when `split > 0`.
///
/// # Errors
/// [`OrderError`] for an inconsistent draft, a split of more than 100 orders, or (unsplit) the
/// broker's refusal.
#[tracing::instrument(skip_all, fields(symbol = %order.draft.instrument.symbol.as_str()))]
pub async fn options_order(
    t: OrderService,
    order: OptionOrder,
) -> Result<OptionPlaced, OrderError> {
    let symbol = order.draft.instrument.symbol.as_str().to_owned();
    let exchange = order.draft.instrument.exchange;
    let placement = if order.split > 0 {
        OptionPlacement::Split(split(t, order.draft, order.split).await?)
    } else {
        OptionPlacement::Single(place(t, order.draft).await?.order_id)
    };
    Ok(OptionPlaced {
        symbol,
        exchange,
        echo: order.echo,
        placement,
    })
}

/// One leg of a multi-leg option order, as the request described it.
#[derive(Debug, Clone)]
pub struct LegRequest {
    /// 1-based position in the request.
    pub leg: usize,
    /// The offset as sent.
    pub offset: String,
    /// Call or put.
    pub option_type: OptionType,
    /// Buy or sell.
    pub action: Action,
    /// The resolved order and its split size, or why the contract could not be resolved.
    pub order: Result<(OrderDraft, u64), String>,
}

/// A multi-leg option order: the legs, resolved against one underlying price.
#[derive(Debug, Clone)]
pub struct MultiLegOrder {
    /// The `underlying` as sent.
    pub underlying: String,
    /// The underlying's price every leg was resolved from.
    pub underlying_ltp: Decimal,
    /// The legs in request order.
    pub legs: Vec<LegRequest>,
    /// The per-leg `mode` marker of successful legs (`live` or `analyze`).
    pub mode: &'static str,
}

/// The result of one leg.
#[derive(Debug)]
pub struct LegResult {
    /// 1-based position in the request.
    pub leg: usize,
    /// The offset as sent.
    pub offset: String,
    /// Call or put.
    pub option_type: OptionType,
    /// Buy or sell.
    pub action: Action,
    /// The contract (symbol, exchange, product) when it was resolved.
    pub contract: Option<(String, crate::Exchange, Product)>,
    /// The placement, or why the leg failed.
    pub outcome: Result<OptionPlacement, String>,
}

/// The answer of `optionsmultiorder`.
#[derive(Debug)]
pub struct MultiLegPlaced {
    /// The `underlying` as sent.
    pub underlying: String,
    /// The underlying's price.
    pub underlying_ltp: Decimal,
    /// The legs' results, in request order.
    pub results: Vec<LegResult>,
    /// The per-leg mode marker.
    pub mode: &'static str,
}

fn leg_body(r: &LegResult, mode: &str) -> Value {
    let mut m = Map::new();
    m.insert("leg".into(), r.leg.into());
    if let Some((symbol, exchange, product)) = &r.contract {
        m.insert("symbol".into(), symbol.clone().into());
        m.insert("exchange".into(), exchange.as_str().into());
        if r.outcome.is_ok() {
            m.insert("product".into(), product.as_str().into());
        }
    }
    m.insert("offset".into(), r.offset.clone().into());
    m.insert("option_type".into(), r.option_type.as_str().into());
    m.insert("action".into(), r.action.as_str().into());
    match &r.outcome {
        Ok(OptionPlacement::Single(id)) => {
            m.insert("status".into(), "success".into());
            m.insert("orderid".into(), json!(id));
            m.insert("mode".into(), mode.into());
        }
        Ok(OptionPlacement::Split(report)) => {
            let any_ok = report.legs.iter().any(|l| l.result.is_ok());
            m.insert(
                "status".into(),
                if any_ok { "success" } else { "error" }.into(),
            );
            m.insert("total_quantity".into(), report.total.into());
            m.insert("split_size".into(), report.split.into());
            let body = report.body();
            m.insert(
                "split_results".into(),
                body.get("results").cloned().unwrap_or_default(),
            );
            if any_ok {
                m.insert("mode".into(), mode.into());
            }
        }
        Err(message) => {
            m.insert("status".into(), "error".into());
            m.insert("message".into(), message.clone().into());
        }
    }
    Value::Object(m)
}

impl Reply for MultiLegPlaced {
    fn body(&self) -> Value {
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| leg_body(r, self.mode))
            .collect();
        json!({
            "status": "success",
            "underlying": self.underlying,
            "underlying_ltp": decimal_to_f64(self.underlying_ltp),
            "results": results,
        })
    }
}

/// The order legs are placed in: BUY legs in request order, then SELL legs (rest-api §5.6).
#[must_use]
pub fn leg_sequence(actions: &[Action]) -> Vec<usize> {
    let buys = (0..actions.len()).filter(|&i| actions[i] == Action::Buy);
    let sells = (0..actions.len()).filter(|&i| actions[i] == Action::Sell);
    buys.chain(sells).collect()
}

/// Places every leg of a multi-leg option order, BUY legs first; legs that failed to resolve
/// are reported without placing. Results come back in request order.
///
/// # Errors
/// Never: each leg's failure is reported in its result.
#[tracing::instrument(skip_all, fields(legs = order.legs.len()))]
pub async fn options_multi_order(
    t: OrderService,
    order: MultiLegOrder,
) -> Result<MultiLegPlaced, OrderError> {
    let actions: Vec<Action> = order.legs.iter().map(|l| l.action).collect();
    let mut results: Vec<LegResult> = Vec::with_capacity(order.legs.len());
    let mut legs: Vec<Option<LegRequest>> = order.legs.into_iter().map(Some).collect();
    for i in leg_sequence(&actions) {
        let Some(leg) = legs[i].take() else { continue };
        let (contract, outcome) = match leg.order {
            Err(message) => (None, Err(message)),
            Ok((draft, split_size)) => {
                let contract = Some((
                    draft.instrument.symbol.as_str().to_owned(),
                    draft.instrument.exchange,
                    draft.product,
                ));
                let outcome = if split_size > 0 {
                    split(t.clone(), draft, split_size)
                        .await
                        .map(OptionPlacement::Split)
                } else {
                    place(t.clone(), draft)
                        .await
                        .map(|p| OptionPlacement::Single(p.order_id))
                };
                (contract, outcome.map_err(|e| e.to_string()))
            }
        };
        results.push(LegResult {
            leg: leg.leg,
            offset: leg.offset,
            option_type: leg.option_type,
            action: leg.action,
            contract,
            outcome,
        });
    }
    results.sort_by_key(|r| r.leg);
    Ok(MultiLegPlaced {
        underlying: order.underlying,
        underlying_ltp: order.underlying_ltp,
        results,
        mode: order.mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buy_legs_go_first_in_request_order() {
        // rest-api §5.6: [SELL, BUY, SELL, BUY] places legs 2, 4, 1, 3.
        let seq = leg_sequence(&[Action::Sell, Action::Buy, Action::Sell, Action::Buy]);
        assert_eq!(seq, [1, 3, 0, 2]);
        assert_eq!(leg_sequence(&[]), Vec::<usize>::new());
        assert_eq!(leg_sequence(&[Action::Buy, Action::Buy]), [0, 1]);
    }
}
