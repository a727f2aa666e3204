//! `POST /api/v1/margin` (rest-api §3.3.6): the margin a basket would need, computed with the
//! paper engine's rules for the account in use (reducing legs need none).

use actix_web::{HttpResponse, web};
use openalgo_core::money::{decimal_to_f64, parse_decimal};
use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderRequest, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal::Decimal;
use serde_json::json;

use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::validation::Valid;

struct Leg {
    symbol: String,
    exchange: Exchange,
    action: Action,
    quantity: String,
    product: Product,
    price_type: PriceType,
    price: Option<String>,
}

impl TryFrom<&Valid> for Leg {
    type Error = ApiError;
    fn try_from(v: &Valid) -> Result<Self, ApiError> {
        Ok(Self {
            symbol: v.text("symbol")?,
            exchange: v.choice("exchange")?,
            action: v.choice("action")?,
            quantity: v.text("quantity")?,
            product: v.choice("product")?,
            price_type: v.choice("pricetype")?,
            price: v.opt_text("price"),
        })
    }
}

pub(super) async fn margin(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::MARGIN.validate(&body)?;
    let key = v.opt_text("apikey");
    let legs = v
        .items("positions")
        .iter()
        .map(Leg::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    // Service-level checks, 1-based, as the reference words them.
    let mut checked = Vec::with_capacity(legs.len());
    for (i, leg) in legs.iter().enumerate() {
        let n = i + 1;
        let qty = parse_decimal(&leg.quantity)
            .ok()
            .filter(|d| d.fract().is_zero())
            .ok_or_else(|| {
                ApiError::BadRequest(format!("Position {n}: Invalid quantity format"))
            })?;
        if qty <= Decimal::ZERO {
            return Err(ApiError::BadRequest(format!(
                "Position {n}: Quantity must be a positive number"
            )));
        }
        let price = match leg
            .price
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => Decimal::ZERO,
            Some(p) => parse_decimal(p)
                .map_err(|_| ApiError::BadRequest(format!("Position {n}: Invalid price format")))?,
        };
        if price.is_sign_negative() && !price.is_zero() {
            return Err(ApiError::BadRequest(format!(
                "Position {n}: Price cannot be negative"
            )));
        }
        checked.push((leg, u64::try_from(qty).unwrap_or(u64::MAX), price));
    }
    state.authenticate(&present(key)?).await?;
    let (account, mode) = state.trading();
    let mut total = Decimal::ZERO;
    for (leg, qty, price) in checked {
        let symbol = Symbol::new(&leg.symbol).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let instrument = InstrumentKey::new(symbol, leg.exchange);
        let basis = if price.is_zero() {
            state.broker().quote(&instrument).await?.ltp
        } else {
            Price::new(price)
        };
        let mut draft = OrderRequest::builder(instrument, leg.action, Quantity::new(qty));
        draft.product = leg.product;
        // Margin does not depend on the trigger; price the leg as a limit at its basis.
        draft.price_type = if leg.price_type == PriceType::Market {
            PriceType::Market
        } else {
            PriceType::Limit
        };
        draft.price = basis;
        let order = draft.build()?;
        // A live broker's account is priced with the analyzer's margin rules.
        let engine = account
            .paper
            .clone()
            .unwrap_or_else(|| state.sandbox_paper());
        total += engine
            .inspect(|e| e.margin_preview(&order, basis))
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let total = decimal_to_f64(total.round_dp(2));
    Ok(mode.ok(json!({"status": "success", "data": {
        "total_margin_required": total, "span_margin": 0.0, "exposure_margin": total
    }})))
}
