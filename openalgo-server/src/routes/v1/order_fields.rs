//! The order fields shared by placeorder, placesmartorder, splitorder, basket legs and
//! modifyorder, parsed once with the reference's rules and turned into a core draft.

use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderDraft, OrderRequest, Price, PriceType, Product, Quantity,
    StrategyTag, Symbol,
};
use rust_decimal::Decimal;

use super::present;
use crate::error::ApiError;
use crate::validation::Form;

/// How `quantity` is checked.
#[derive(Debug, Clone, Copy)]
pub(super) enum QuantityRule {
    /// > 0 with the given message.
    Positive(&'static str),
    /// ≥ 0 (smart orders).
    NonNegative,
}

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

fn non_negative(d: Decimal) -> bool {
    !d.is_sign_negative() || d.is_zero()
}

impl OrderFields {
    /// Reads exchange, symbol, action, quantity (and, when `with_pricing`, pricetype, product,
    /// price, trigger_price, disclosed_quantity) in the reference's declaration order.
    pub(super) fn read(f: &mut Form, rule: QuantityRule, required_pricing: bool) -> Self {
        let exchange = f.choice("exchange", true);
        let symbol = f.string("symbol", true, 0, 0);
        let action = f.choice("action", true);
        let quantity = match rule {
            QuantityRule::Positive(msg) => f.number("quantity", true, |d| d > Decimal::ZERO, msg),
            QuantityRule::NonNegative => f.number(
                "quantity",
                true,
                non_negative,
                "Quantity must be a non-negative number.",
            ),
        };
        Self {
            exchange,
            symbol,
            action,
            quantity,
            price_type: f.choice("pricetype", required_pricing),
            product: f.choice("product", required_pricing),
            price: f.number(
                "price",
                required_pricing,
                non_negative,
                "Price must be a non-negative number.",
            ),
            trigger: f.number(
                "trigger_price",
                required_pricing,
                non_negative,
                "Trigger price must be a non-negative number.",
            ),
            disclosed: f.number(
                "disclosed_quantity",
                required_pricing,
                |d| non_negative(d) && d.fract().is_zero(),
                "Disclosed quantity must be a non-negative integer.",
            ),
        }
    }

    /// The reference's fractional-quantity check, run after field validation.
    ///
    /// # Errors
    /// [`ApiError::Validation`] in the stringified format.
    pub(super) fn units(&self) -> Result<u64, ApiError> {
        let q = present(self.quantity)?;
        if !q.fract().is_zero() {
            return Err(ApiError::Validation(serde_json::Value::String(format!(
                "{{'quantity': ['Fractional quantity ({}) is not allowed for non-crypto exchanges.']}}",
                q.normalize()
            ))));
        }
        q.try_into()
            .map_err(|_| ApiError::BadRequest("Quantity is too large".into()))
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
