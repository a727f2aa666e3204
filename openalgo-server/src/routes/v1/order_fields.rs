//! The order fields shared by placeorder, placesmartorder, splitorder, basket legs and
//! modifyorder, parsed once with the reference's rules and turned into a core draft.

use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderDraft, OrderRequest, Price, PriceType, Product, Quantity,
    StrategyTag, Symbol,
};
use rust_decimal::Decimal;

use super::present;
use crate::error::ApiError;
use crate::validation::Valid;

/// Parsed (not yet cross-checked) order fields.
#[derive(Debug, Default)]
pub(super) struct OrderFields {
    exchange: Option<Exchange>,
    symbol: Option<String>,
    action: Option<Action>,
    quantity: Option<Decimal>,
    price_type: Option<PriceType>,
    product: Option<Product>,
    price: Option<Decimal>,
    trigger: Option<Decimal>,
    disclosed: Option<Decimal>,
}

impl OrderFields {
    /// The order fields of a validated request (or basket leg): exchange, symbol, action,
    /// quantity, pricetype, product, price, trigger_price, disclosed_quantity.
    ///
    /// # Errors
    /// 500 when a validated choice does not parse (the table and the vocabulary disagree).
    pub(super) fn from_valid(v: &Valid) -> Result<Self, ApiError> {
        Ok(Self {
            exchange: v.opt_choice("exchange")?,
            symbol: v.opt_text("symbol"),
            action: v.opt_choice("action")?,
            quantity: v.opt_number("quantity"),
            price_type: v.opt_choice("pricetype")?,
            product: v.opt_choice("product")?,
            price: v.opt_number("price"),
            trigger: v.opt_number("trigger_price"),
            disclosed: v.opt_number("disclosed_quantity"),
        })
    }

    /// The reference's fractional-quantity check, run after field validation.
    ///
    /// # Errors
    /// [`ApiError::Validation`] in the stringified format.
    pub(super) fn units(&self) -> Result<u64, ApiError> {
        whole_units(present(self.quantity)?)
    }

    /// The instrument named by the request.
    ///
    /// # Errors
    /// 400 for a malformed symbol.
    pub(super) fn instrument(&self) -> Result<InstrumentKey, ApiError> {
        let symbol = present(self.symbol.as_ref())?;
        let symbol = Symbol::new(symbol).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(InstrumentKey::new(symbol, present(self.exchange)?))
    }

    /// A core draft with `units` units (defaults: MARKET, MIS, prices 0).
    ///
    /// # Errors
    /// 400 for a malformed symbol or strategy.
    pub(super) fn draft(&self, units: u64, strategy: &str) -> Result<OrderDraft, ApiError> {
        let mut d = OrderRequest::builder(
            self.instrument()?,
            present(self.action)?,
            Quantity::new(units),
        );
        d.price_type = self.price_type.unwrap_or_default();
        d.product = self.product.unwrap_or_default();
        d.price = Price::new(self.price.unwrap_or_default());
        d.trigger_price = Price::new(self.trigger.unwrap_or_default());
        d.disclosed_quantity =
            Quantity::new(self.disclosed.unwrap_or_default().try_into().unwrap_or(0));
        d.strategy = StrategyTag::new(strategy).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(d)
    }
}

/// The reference's fractional-quantity check of a validated quantity.
///
/// # Errors
/// [`ApiError::Validation`] in the stringified format; 400 for a quantity beyond `u64`.
pub(super) fn whole_units(q: Decimal) -> Result<u64, ApiError> {
    if !q.fract().is_zero() {
        return Err(ApiError::Validation(serde_json::Value::String(format!(
            "{{'quantity': ['Fractional quantity ({}) is not allowed for non-crypto exchanges.']}}",
            q.normalize()
        ))));
    }
    q.try_into()
        .map_err(|_| ApiError::BadRequest("Quantity is too large".into()))
}
