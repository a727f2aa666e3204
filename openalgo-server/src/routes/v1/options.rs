//! Option analytics: `optionsymbol`, `syntheticfuture`, `optionchain` (format F3, A-full) and
//! `optiongreeks`, `multioptiongreeks` (format F4, an invalid key answers 401), rest-api §3.6.
//! Thin handlers over the option service (`crate::options`).

use actix_web::{HttpResponse, web};
use chrono::NaiveTime;
use openalgo_core::money::decimal_to_f64;
use openalgo_core::options::underlying::{future_symbol, priced_by_future, quote_exchange};
use openalgo_core::options::{
    Offset, OptionQuery, expiry_cutoff, parse_expiry_time, resolve, synthetic_future,
};
use openalgo_core::symbol::SymbolParts;
use openalgo_core::{Exchange, OptionType};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::symbols::freeze_qty;
use super::table;
use crate::app::AppState;
use crate::error::ApiError;
use crate::options::{ChainRequest, GreeksInput, OptionMarket, SymbolQuery, Target, greeks_of};
use crate::validation::Valid;

fn num(d: Decimal) -> Value {
    json!(decimal_to_f64(d))
}

/// Authenticates for an endpoint whose first broker call is the underlying's quote: a bad key
/// reads `Failed to fetch LTP for <symbol>. Invalid openalgo apikey` (403).
async fn authenticate_quoting(
    state: &AppState,
    v: &Valid,
    target: &Target,
) -> Result<(), ApiError> {
    state
        .authenticate(&v.text("apikey")?)
        .await
        .map(|_| ())
        .map_err(|_| {
            ApiError::KeyRefused(format!(
                "Failed to fetch LTP for {}. Invalid openalgo apikey",
                target.quote_symbol()
            ))
        })
}

pub(super) async fn optionsymbol(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::OPTIONSYMBOL.validate(&body)?;
    let (underlying, exchange) = (v.text("underlying")?, v.choice("exchange")?);
    authenticate_quoting(&state, &v, &Target::quote_only(&underlying, exchange)).await?;
    let target = Target::new(
        &underlying,
        exchange,
        v.opt_text("expiry_date").as_deref(),
        false,
    )?;
    let query = SymbolQuery {
        offset: v.choice::<Offset>("offset")?,
        option_type: v.choice("option_type")?,
        strike_interval: v
            .opt_integer("strike_int")
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX)),
    };
    let market = state.option_market();
    let ltp = market.underlying_ltp(&target).await?;
    let located = market.locate(&target, ltp, &query)?;
    let i = &located.instrument;
    let mut m = Map::new();
    m.insert("status".into(), "success".into());
    m.insert("symbol".into(), i.symbol.as_str().into());
    m.insert("exchange".into(), i.exchange.as_str().into());
    m.insert("lotsize".into(), i.lot_size.into());
    m.insert("tick_size".into(), json!(i.tick_size.to_f64()));
    m.insert("freeze_qty".into(), freeze_qty(i).into());
    m.insert("underlying_ltp".into(), num(ltp));
    Ok(HttpResponse::Ok().json(Value::Object(m)))
}

pub(super) async fn syntheticfuture(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::SYNTHETICFUTURE.validate(&body)?;
    let expiry_text = v.text("expiry_date")?;
    let (underlying, exchange) = (v.text("underlying")?, v.choice("exchange")?);
    authenticate_quoting(&state, &v, &Target::quote_only(&underlying, exchange)).await?;
    let target = Target::new(&underlying, exchange, Some(&expiry_text), false)?;
    let market = state.option_market();
    let ltp = market.underlying_ltp(&target).await?;
    let at_money = |option_type| SymbolQuery {
        offset: Offset::Atm,
        option_type,
        strike_interval: None,
    };
    let call = market.locate(&target, ltp, &at_money(OptionType::Call))?;
    let put = market.locate(&target, ltp, &at_money(OptionType::Put))?;
    let price = |label: &'static str, i: &openalgo_core::Instrument| {
        let market = &market;
        let symbol = i.symbol.as_str().to_owned();
        let exchange = i.exchange;
        async move {
            market
                .quote_of(&symbol, exchange, ". ")
                .await
                .ok()
                .map(|q| q.ltp.value())
                .filter(|p| *p > Decimal::ZERO)
                .ok_or_else(|| {
                    ApiError::internal_message(format!(
                        "Could not fetch LTP for {label} option: {symbol}"
                    ))
                })
        }
    };
    let call_ltp = price("Call", &call.instrument).await?;
    let put_ltp = price("Put", &put.instrument).await?;
    let synthetic = synthetic_future(call.atm_strike, call_ltp, put_ltp);
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "underlying": target.sent,
        "underlying_ltp": num(ltp),
        "expiry": expiry_text,
        "atm_strike": num(call.atm_strike.value()),
        "synthetic_future_price": num(synthetic),
    })))
}

pub(super) async fn optionchain(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::OPTIONCHAIN.validate(&body)?;
    let expiry = v.text("expiry_date")?;
    if expiry.trim().is_empty() {
        return Err(ApiError::BadRequest("Expiry date is required.".into()));
    }
    let target = Target::new(
        &v.text("underlying")?,
        v.choice("exchange")?,
        Some(&expiry),
        true,
    )?;
    state.authenticate(&v.text("apikey")?).await?;
    let request = ChainRequest {
        target,
        strike_count: v
            .opt_integer("strike_count")
            .and_then(|n| usize::try_from(n).ok()),
        with_greeks: v.opt_bool("with_greeks").unwrap_or(false),
        rate_percent: v.opt_number("interest_rate").unwrap_or_default(),
    };
    let chain = state.option_market().chain(&request).await?;
    Ok(HttpResponse::Ok().json(chain.body()))
}

/// One option's Greeks request.
struct GreeksAsk {
    symbol: String,
    exchange: Exchange,
    underlying_symbol: Option<String>,
    underlying_exchange: Option<String>,
    rate: Decimal,
    forward: Option<Decimal>,
    expiry_time: Option<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

/// The Greeks body of one option (rest-api §3.6.3).
async fn greeks_body(market: &OptionMarket, ask: &GreeksAsk) -> Result<Value, ApiError> {
    let parts = SymbolParts::parse_for_exchange(&ask.symbol, ask.exchange)
        .map_err(|_| bad(format!("Invalid option symbol format: {}", ask.symbol)))?;
    let SymbolParts::Option {
        underlying,
        expiry,
        strike,
        option_type,
    } = parts
    else {
        return Err(bad(format!("Invalid option symbol format: {}", ask.symbol)));
    };
    let cutoff: NaiveTime = match ask.expiry_time.as_deref() {
        Some(t) => parse_expiry_time(t)
            .ok_or_else(|| bad(format!("Invalid expiry_time '{t}': use HH:MM")))?,
        None => expiry_cutoff(ask.exchange),
    };
    let underlying_exchange = match ask.underlying_exchange.as_deref() {
        Some(e) => e
            .parse::<Exchange>()
            .map_err(|_| bad(format!("Invalid underlying_exchange '{e}'")))?,
        None => quote_exchange(underlying, ask.exchange),
    };
    let underlying_symbol = match (
        &ask.underlying_symbol,
        priced_by_future(underlying_exchange),
    ) {
        (Some(s), _) => s.clone(),
        (None, true) => future_symbol(underlying, expiry),
        (None, false) => underlying.to_owned(),
    };
    let option_quote = market.quote_of(&ask.symbol, ask.exchange, ". ").await?;
    let option_price = option_quote.ltp.value();
    let (spot, forward) = if let Some(f) = ask.forward {
        (f, Some(f))
    } else {
        let spot = market
            .quote_of(&underlying_symbol, underlying_exchange, ". ")
            .await?
            .ltp
            .value();
        (
            spot,
            synthetic_forward(market, underlying, ask.exchange, expiry, spot).await,
        )
    };
    let report = greeks_of(
        &GreeksInput {
            option_type,
            strike,
            expiry,
            cutoff,
            forward: forward.unwrap_or(spot),
            option_price,
            rate_percent: ask.rate,
        },
        market.now_ist,
    )
    .map_err(bad)?;
    let mut m = Map::new();
    m.insert("status".into(), "success".into());
    m.insert("symbol".into(), ask.symbol.clone().into());
    m.insert("exchange".into(), ask.exchange.as_str().into());
    m.insert("underlying".into(), underlying.into());
    m.insert("strike".into(), num(strike.value()));
    m.insert("option_type".into(), option_type.as_str().into());
    m.insert(
        "expiry_date".into(),
        expiry.date().format("%d-%b-%Y").to_string().into(),
    );
    m.insert("days_to_expiry".into(), num(report.days_to_expiry));
    m.insert("spot_price".into(), num(spot));
    if let Some(f) = forward {
        m.insert("forward_price".into(), num(f));
    }
    m.insert("option_price".into(), num(option_price));
    m.insert("interest_rate".into(), num(ask.rate));
    m.insert("implied_volatility".into(), num(report.implied_volatility));
    m.insert(
        "greeks".into(),
        json!({"delta": num(report.delta), "gamma": num(report.gamma), "theta": num(report.theta),
               "vega": num(report.vega), "rho": num(report.rho)}),
    );
    Ok(Value::Object(m))
}

/// The synthetic future of `underlying`'s `expiry` at the ATM strike nearest `spot`, when both
/// ATM options are listed and priced.
async fn synthetic_forward(
    market: &OptionMarket,
    underlying: &str,
    exchange: Exchange,
    expiry: openalgo_core::symbol::ExpiryDate,
    spot: Decimal,
) -> Option<Decimal> {
    let leg = |option_type| OptionQuery {
        underlying,
        exchange,
        expiry,
        offset: Offset::Atm,
        option_type,
        ltp: spot,
        strike_interval: None,
    };
    let call = resolve(&market.symbols, &market.ladders, &leg(OptionType::Call)).ok()?;
    let put = resolve(&market.symbols, &market.ladders, &leg(OptionType::Put)).ok()?;
    if call.strike != put.strike {
        return None;
    }
    let price = |i: &openalgo_core::Instrument| {
        let symbol = i.symbol.as_str().to_owned();
        let exchange = i.exchange;
        async move {
            market
                .quote_of(&symbol, exchange, ". ")
                .await
                .ok()
                .map(|q| q.ltp.value())
                .filter(|p| *p > Decimal::ZERO)
        }
    };
    let c = price(call.instrument).await?;
    let p = price(put.instrument).await?;
    Some(synthetic_future(call.strike, c, p))
}

/// Authenticates a Greeks request: an invalid key answers 401.
async fn authenticate_greeks(state: &AppState, v: &Valid) -> Result<(), ApiError> {
    state
        .authenticate(&v.text("apikey")?)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            ApiError::InvalidApiKey => ApiError::Unauthorized,
            other => other,
        })
}

pub(super) async fn optiongreeks(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::OPTIONGREEKS.validate(&body)?;
    authenticate_greeks(&state, &v).await?;
    let ask = GreeksAsk {
        symbol: v.text("symbol")?,
        exchange: v.choice("exchange")?,
        underlying_symbol: v.opt_text("underlying_symbol"),
        underlying_exchange: v.opt_text("underlying_exchange"),
        rate: v.opt_number("interest_rate").unwrap_or_default(),
        forward: v.opt_number("forward_price").filter(|f| *f > Decimal::ZERO),
        expiry_time: v.opt_text("expiry_time"),
    };
    let body = greeks_body(&state.option_market(), &ask).await?;
    Ok(HttpResponse::Ok().json(body))
}

pub(super) async fn multioptiongreeks(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::MULTIOPTIONGREEKS.validate(&body)?;
    authenticate_greeks(&state, &v).await?;
    let rate = v.opt_number("interest_rate").unwrap_or_default();
    let expiry_time = v.opt_text("expiry_time");
    let market = state.option_market();
    let mut data = Vec::new();
    let mut ok = 0usize;
    for item in v.items("symbols") {
        let ask = GreeksAsk {
            symbol: item.text("symbol")?,
            exchange: item.choice("exchange")?,
            underlying_symbol: item.opt_text("underlying_symbol"),
            underlying_exchange: item.opt_text("underlying_exchange"),
            rate,
            forward: None,
            expiry_time: expiry_time.clone(),
        };
        match greeks_body(&market, &ask).await {
            Ok(b) => {
                ok += 1;
                data.push(b);
            }
            Err(e) => data.push(json!({"status": "error", "symbol": ask.symbol,
                "exchange": ask.exchange.as_str(), "message": e.to_string()})),
        }
    }
    let total = data.len();
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "data": data,
        "summary": {"total": total, "success": ok, "failed": total - ok},
    })))
}
