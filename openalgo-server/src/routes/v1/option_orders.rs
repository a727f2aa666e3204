//! `optionsorder` and `optionsmultiorder` (rest-api §3.1.3, §3.1.4), validation format F3.
//! The parse step resolves each contract through the option service (the underlying's price
//! through the broker, the strike from the master); the typed commands then place through
//! the order service like `placeorder` and `splitorder` (order log, idempotency, analyzer).

use openalgo_core::options::Offset;
use openalgo_core::orders::options::{
    LegRequest, MultiLegOrder, OptionEcho, OptionOrder, options_multi_order, options_order,
};
use openalgo_core::{
    InstrumentKey, OptionType, OrderDraft, OrderRequest, Price, PriceType, Product, Quantity,
    StrategyTag,
};
use rust_decimal::Decimal;

use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::options::{Located, OptionMarket, SymbolQuery, Target};
use crate::state::Mode;
use crate::validation::Valid;

/// The strike interval of a validated request.
fn strike_interval(v: &Valid) -> Option<u32> {
    v.opt_integer("strike_int")
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
}

/// A leg's (or the order's) placement fields on the resolved contract.
fn draft(v: &Valid, located: &Located, strategy: &str) -> Result<(OrderDraft, u64), ApiError> {
    let units: u64 = present(v.opt_integer("quantity"))?
        .try_into()
        .map_err(|_| ApiError::BadRequest("Quantity must be a positive integer.".into()))?;
    let key = InstrumentKey::new(
        located.instrument.symbol.clone(),
        located.instrument.exchange,
    );
    let mut d = OrderRequest::builder(key, v.choice("action")?, Quantity::new(units));
    d.price_type = v.opt_choice::<PriceType>("pricetype")?.unwrap_or_default();
    d.product = v.opt_choice::<Product>("product")?.unwrap_or_default();
    d.price = Price::new(v.opt_number("price").unwrap_or_default());
    d.trigger_price = Price::new(v.opt_number("trigger_price").unwrap_or_default());
    d.disclosed_quantity = Quantity::new(
        v.opt_integer("disclosed_quantity")
            .and_then(|i| u64::try_from(i).ok())
            .unwrap_or(0),
    );
    d.strategy = StrategyTag::new(strategy).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let split = v
        .opt_integer("splitsize")
        .and_then(|i| u64::try_from(i).ok())
        .unwrap_or(0);
    Ok((d, split))
}

/// Resolves the contract of a leg (or of the order) at the underlying price `ltp`.
fn locate(
    market: &OptionMarket,
    target: &Target,
    ltp: Decimal,
    v: &Valid,
    strike_interval: Option<u32>,
) -> Result<(Located, String, OptionType), ApiError> {
    let offset_text = v.text("offset")?;
    let option_type: OptionType = v.choice("option_type")?;
    let offset: Offset = offset_text
        .parse()
        .map_err(|e: openalgo_core::options::ResolveError| ApiError::BadRequest(e.to_string()))?;
    let located = market.locate(
        target,
        ltp,
        &SymbolQuery {
            offset,
            option_type,
            strike_interval,
        },
    )?;
    Ok((located, offset_text, option_type))
}

order_call!(
    optionsorder,
    optionsorder_parse,
    options_order,
    false,
    approved optionsorder_approved
);

async fn optionsorder_parse(state: &AppState, body: &[u8]) -> Result<(i64, OptionOrder), ApiError> {
    let v = table::OPTIONSORDER.validate(body)?;
    let exchange = v.choice("exchange")?;
    let underlying = v.text("underlying")?;
    let user = state.authenticate(&v.text("apikey")?).await.map_err(|_| {
        ApiError::KeyRefused(format!(
            "Failed to fetch LTP for {}. Invalid openalgo apikey",
            Target::quote_only(&underlying, exchange).quote_symbol()
        ))
    })?;
    // After the key (the reference checks the expiry first): what the schema documents is
    // refused only by a wrong key.
    let target = Target::new(
        &underlying,
        exchange,
        v.opt_text("expiry_date").as_deref(),
        false,
    )?;
    let market = state.option_market();
    let ltp = market.underlying_ltp(&target).await?;
    let (located, offset, option_type) = locate(&market, &target, ltp, &v, strike_interval(&v))?;
    let (draft, split) = draft(&v, &located, &v.text("strategy")?)?;
    Ok((
        user,
        OptionOrder {
            draft,
            split,
            echo: OptionEcho {
                underlying: target.sent,
                underlying_ltp: ltp,
                offset,
                option_type,
            },
        },
    ))
}

order_call!(
    optionsmultiorder,
    optionsmultiorder_parse,
    |t, mut order: MultiLegOrder, mode: Mode| {
        order.mode = match mode {
            Mode::Live => "live",
            Mode::Analyze => "analyze",
        };
        options_multi_order(t, order)
    },
    false,
    with_mode,
    approved optionsmultiorder_approved
);

async fn optionsmultiorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, MultiLegOrder), ApiError> {
    let v = table::OPTIONSMULTIORDER.validate(body)?;
    let exchange = v.choice("exchange")?;
    let underlying = v.text("underlying")?;
    let top_expiry = v.opt_text("expiry_date");
    let user = state.authenticate(&v.text("apikey")?).await?;
    let strategy = v.text("strategy")?;
    let interval = strike_interval(&v);
    let market = state.option_market();
    // The underlying's price once for every leg.
    let quote_target = Target::quote_only(&underlying, exchange);
    let ltp = market.underlying_ltp(&quote_target).await?;
    let mut legs = Vec::new();
    for (i, leg) in v.items("legs").iter().enumerate() {
        let expiry = leg.opt_text("expiry_date").or_else(|| top_expiry.clone());
        let resolved = Target::new(&underlying, exchange, expiry.as_deref(), false)
            .and_then(|t| locate(&market, &t, ltp, leg, interval))
            .and_then(|(located, _, _)| draft(leg, &located, &strategy));
        legs.push(LegRequest {
            leg: i + 1,
            offset: leg.text("offset")?,
            option_type: leg.choice("option_type")?,
            action: leg.choice("action")?,
            order: resolved.map_err(|e| e.to_string()),
        });
    }
    Ok((
        user,
        MultiLegOrder {
            underlying,
            underlying_ltp: ltp,
            legs,
            // Set from the call's mode when the command runs.
            mode: "live",
        },
    ))
}
