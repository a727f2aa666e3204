//! Validation of an order against the instrument master: product per segment, lot size, tick.

use super::OrderError;
use crate::instrument::{Instrument, SymbolTable};
use crate::{OrderRequest, Price, Product};

/// Finds the order's instrument in the master.
///
/// # Errors
/// [`OrderError::SymbolNotFound`].
pub fn resolve<'t>(
    table: &'t SymbolTable,
    order: &OrderRequest,
) -> Result<&'t Instrument, OrderError> {
    let key = order.instrument();
    table
        .get(key.symbol.as_str(), key.exchange)
        .ok_or_else(|| OrderError::SymbolNotFound {
            symbol: key.symbol.to_string(),
            exchange: key.exchange,
        })
}

/// Checks an order against its instrument: NRML is refused on cash-equity venues and CNC on
/// derivative venues (except NCO, as the reference); on lot-sized venues the quantity must be
/// a whole number of lots; limit and trigger prices must sit on the tick grid.
///
/// # Errors
/// The first rule broken, as an [`OrderError`].
pub fn validate_against(order: &OrderRequest, instrument: &Instrument) -> Result<(), OrderError> {
    let exchange = instrument.exchange;
    match order.product() {
        Product::Nrml if exchange.is_cash_equity() => {
            return Err(OrderError::ProductNotAllowed {
                product: Product::Nrml,
                exchange,
                hint: "use CNC for delivery or MIS for intraday",
            });
        }
        Product::Cnc if exchange.is_derivative() && exchange != crate::Exchange::Nco => {
            return Err(OrderError::ProductNotAllowed {
                product: Product::Cnc,
                exchange,
                hint: "use NRML for carry-forward or MIS for intraday",
            });
        }
        _ => {}
    }
    let lot = u64::from(instrument.lot_size.max(1));
    if exchange.requires_lot_multiple() && !order.quantity().get().is_multiple_of(lot) {
        return Err(OrderError::LotSize {
            lot_size: instrument.lot_size.max(1),
            quantity: order.quantity().get(),
        });
    }
    let tick = instrument.tick_size;
    let check = |field: &'static str, value: Price| {
        if value.is_positive() && !value.is_multiple_of(tick) {
            Err(OrderError::TickSize { field, value, tick })
        } else {
            Ok(())
        }
    };
    check("price", order.price())?;
    check("trigger_price", order.trigger_price())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::instrument;
    use crate::{Action, Exchange, InstrumentKey, PriceType, Quantity, Symbol};
    use rust_decimal_macros::dec;

    fn order(symbol: &str, ex: Exchange, qty: u64) -> crate::OrderDraft {
        OrderRequest::builder(
            InstrumentKey::new(Symbol::new(symbol).unwrap(), ex),
            Action::Buy,
            Quantity::new(qty),
        )
    }

    #[test]
    fn product_rules() {
        let sbin = instrument("SBIN", Exchange::Nse, "3045", 1);
        let mut d = order("SBIN", Exchange::Nse, 1);
        d.product = Product::Nrml;
        let err = validate_against(&d.build().unwrap(), &sbin).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NRML product not allowed for NSE: use CNC for delivery or MIS for intraday"
        );
        let fut = instrument("NIFTY30JAN25FUT", Exchange::Nfo, "1", 75);
        let mut d = order("NIFTY30JAN25FUT", Exchange::Nfo, 75);
        d.product = Product::Cnc;
        assert!(matches!(
            validate_against(&d.build().unwrap(), &fut),
            Err(OrderError::ProductNotAllowed { .. })
        ));
        let mut d = order("NIFTY30JAN25FUT", Exchange::Nfo, 75);
        d.product = Product::Nrml;
        assert!(validate_against(&d.build().unwrap(), &fut).is_ok());
    }

    #[test]
    fn lot_size_multiples() {
        let fut = instrument("NIFTY30JAN25FUT", Exchange::Nfo, "1", 75);
        let err = validate_against(
            &order("NIFTY30JAN25FUT", Exchange::Nfo, 50).build().unwrap(),
            &fut,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Quantity must be in multiples of lot size 75"
        );
        assert!(
            validate_against(
                &order("NIFTY30JAN25FUT", Exchange::Nfo, 150)
                    .build()
                    .unwrap(),
                &fut
            )
            .is_ok()
        );
        // NSE equities are not lot-checked even with a lot size recorded.
        let eq = instrument("SBIN", Exchange::Nse, "3045", 5);
        assert!(validate_against(&order("SBIN", Exchange::Nse, 3).build().unwrap(), &eq).is_ok());
    }

    #[test]
    fn tick_size() {
        let sbin = instrument("SBIN", Exchange::Nse, "3045", 1);
        let mut d = order("SBIN", Exchange::Nse, 1);
        d.price_type = PriceType::Limit;
        d.price = Price::new(dec!(812.33));
        let err = validate_against(&d.clone().build().unwrap(), &sbin).unwrap_err();
        assert_eq!(
            err.to_string(),
            "price 812.33 is not a multiple of the tick size 0.05"
        );
        d.price = Price::new(dec!(812.35));
        assert!(validate_against(&d.build().unwrap(), &sbin).is_ok());
    }

    #[test]
    fn resolve_reports_missing_symbols() {
        let table = SymbolTable::new(vec![instrument("SBIN", Exchange::Nse, "3045", 1)]);
        let o = order("INFY", Exchange::Nse, 1).build().unwrap();
        assert_eq!(
            resolve(&table, &o).unwrap_err().to_string(),
            "Symbol INFY not found on NSE"
        );
        let o = order("SBIN", Exchange::Bse, 1).build().unwrap();
        assert!(resolve(&table, &o).is_err());
        let o = order("SBIN", Exchange::Nse, 1).build().unwrap();
        assert_eq!(resolve(&table, &o).unwrap().token.as_str(), "3045");
    }
}
