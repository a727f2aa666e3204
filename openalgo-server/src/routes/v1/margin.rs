//! `POST /api/v1/margin` (rest-api §3.3.6): the margin a basket would need, computed with the
//! paper engine's rules for the account in use (reducing legs need none).

use actix_web::{HttpResponse, web};
use openalgo_core::money::{decimal_to_f64, parse_decimal};
use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderRequest, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal::Decimal;
use serde_json::json;

use super::present;
use crate::app::AppState;
use crate::error::ApiError;
use crate::validation::{Form, Format, object};

struct Leg {
    symbol: String,
    exchange: Exchange,
    action: Action,
    quantity: String,
    product: Product,
    price_type: PriceType,
    price: Option<String>,
}

/// One basket leg as read (every field present once validation passed).
type RawLeg = (
    Option<String>,
    Option<Exchange>,
    Option<Action>,
    Option<String>,
    Option<Product>,
    Option<PriceType>,
    Option<String>,
);

fn form_leg(leg: &mut Form) -> RawLeg {
    let symbol = leg.string("symbol", true, 0, 0);
    if symbol
        .as_ref()
        .is_some_and(|s| s.is_empty() || s.chars().count() > 50)
    {
        leg.reject("symbol", "Symbol must be between 1 and 50 characters.");
    }
    let exchange = leg.choice("exchange", true);
    let action = leg.choice("action", true);
    let quantity = leg.string("quantity", true, 0, 0);
    let product = leg.choice("product", true);
    let price_type = leg.choice("pricetype", true);
    let price = leg.string("price", false, 0, 0);
    let _trigger = leg.string("trigger_price", false, 0, 0);
    (
        symbol, exchange, action, quantity, product, price_type, price,
    )
}

impl TryFrom<RawLeg> for Leg {
    type Error = ApiError;
    fn try_from(
        (symbol, exchange, action, quantity, product, price_type, price): RawLeg,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            symbol: present(symbol)?,
            exchange: present(exchange)?,
            action: present(action)?,
            quantity: present(quantity)?,
            product: present(product)?,
            price_type: present(price_type)?,
            price,
        })
    }
}

pub(super) async fn margin(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut f = Form::new(object(&body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 0, 0);
    if key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.chars().count() > 256)
    {
        f.reject("apikey", "API key must be between 1 and 256 characters.");
    }
    let items = f.objects("positions", true);
    if items.as_ref().is_some_and(|v| v.is_empty() || v.len() > 50) {
        f.reject("positions", "Positions must contain 1 to 50 items.");
    }
    let read = form_leg;
    let parsed = f.each_object("positions", items.unwrap_or_default(), read);
    let legs = parsed
        .into_iter()
        .map(Leg::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    f.finish()?;
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
