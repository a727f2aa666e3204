//! Basket orders: BUY legs first, then SELL legs, each group in request order (rest-api §5.3).

use super::OrderError;
use crate::{Action, InstrumentKey, OrderId, OrderRequest, Product};

/// Placement order of basket legs: indexes of the BUY legs in request order, then the SELL legs
/// in request order. Buying first frees hedge margin before the short legs go in.
#[must_use]
pub fn basket_sequence(legs: &[OrderRequest]) -> Vec<usize> {
    let buys = legs
        .iter()
        .enumerate()
        .filter(|(_, l)| l.action() == Action::Buy);
    let sells = legs
        .iter()
        .enumerate()
        .filter(|(_, l)| l.action() == Action::Sell);
    buys.chain(sells).map(|(i, _)| i).collect()
}

/// The outcome of one basket leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasketLeg {
    /// Index of the leg in the request.
    pub request_index: usize,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product.
    pub product: Product,
    /// Order id or why it failed.
    pub result: Result<OrderId, OrderError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exchange, Quantity, Symbol};

    fn leg(symbol: &str, action: Action) -> OrderRequest {
        OrderRequest::builder(
            InstrumentKey::new(Symbol::new(symbol).unwrap(), Exchange::Nse),
            action,
            Quantity::new(1),
        )
        .build()
        .unwrap()
    }

    #[test]
    fn buys_first_then_sells_stably() {
        let legs = [
            leg("A", Action::Buy),
            leg("B", Action::Sell),
            leg("C", Action::Buy),
            leg("D", Action::Sell),
        ];
        assert_eq!(basket_sequence(&legs), vec![0, 2, 1, 3]);
        assert_eq!(basket_sequence(&[]), Vec::<usize>::new());
        let sells = [leg("X", Action::Sell), leg("Y", Action::Sell)];
        assert_eq!(basket_sequence(&sells), vec![0, 1]);
    }
}
