//! The option chain page (`/options`): pick an underlying and an expiry, see the strikes around
//! ATM with each side's last price (live over `/ws`), open interest, implied volatility and
//! delta, and open the order ticket (with its review step) for any call or put in one click.
//! The chain is the option service's, the same as `/api/v1/optionchain`.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::Exchange;
use openalgo_core::instrument::ExpiryKind;
use openalgo_core::options::split_underlying;
use rust_decimal::Decimal;

use super::format::{money, query_value as encode};
use super::html::{error, escape};
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;
use crate::options::{ChainLeg, ChainRequest, ChainView, Target};

/// Underlying exchanges whose options the page offers.
const EXCHANGES: &[Exchange] = &[
    Exchange::NseIndex,
    Exchange::BseIndex,
    Exchange::Nse,
    Exchange::Bse,
    Exchange::Mcx,
    Exchange::Cds,
];

fn select(name: &str, id: &str, values: &[String], chosen: &str) -> String {
    let options: String = values
        .iter()
        .map(|v| {
            format!(
                r#"<option{}>{}</option>"#,
                if v == chosen { " selected" } else { "" },
                escape(v)
            )
        })
        .collect();
    format!(r#"<select name="{name}" id="{id}">{options}</select>"#)
}

/// Shown figures: a decimal, or a dash when there is none.
fn figure(value: Option<Decimal>) -> String {
    value.map_or_else(|| "–".to_owned(), |d| d.normalize().to_string())
}

/// One side's cells, outermost first for calls (OI, IV, delta, LTP, trade) and innermost
/// first for puts (trade, LTP, delta, IV, OI).
fn side(leg: Option<&ChainLeg>, call: bool) -> String {
    let Some(leg) = leg else {
        return r#"<td></td><td></td><td></td><td></td><td></td>"#.to_owned();
    };
    let symbol = leg.instrument.symbol.as_str();
    let exchange = leg.instrument.exchange;
    let greeks = leg.greeks.as_ref().and_then(|g| g.as_ref().ok());
    let ticket = |action: &str| {
        format!(
            r#"<a class="button small{}" data-ticket="{action}" href="/ticket?symbol={}&amp;exchange={exchange}&amp;action={action}&amp;quantity={}&amp;product=NRML">{}</a>"#,
            if action == "SELL" { " secondary" } else { "" },
            encode(symbol),
            leg.instrument.lot_size,
            if action == "BUY" { "B" } else { "S" },
        )
    };
    // The feed keeps the LTP and OI cells current; the page's script recomputes IV and delta
    // from each new price (cells keyed by the contract).
    let key = format!("{exchange}:{}", escape(symbol));
    let cells = [
        format!(
            r#"<td class="num" data-oi data-oi-key="{key}">{}</td>"#,
            leg.quote.oi
        ),
        format!(
            r#"<td class="num" data-iv data-iv-key="{key}">{}</td>"#,
            figure(greeks.map(|g| g.implied_volatility))
        ),
        format!(
            r#"<td class="num" data-delta data-delta-key="{key}">{}</td>"#,
            figure(greeks.map(|g| g.delta))
        ),
        format!(
            r#"<td class="num" data-ltp-key="{key}" data-option="{}" title="{}">{}</td>"#,
            if call { "CE" } else { "PE" },
            escape(symbol),
            money(leg.quote.ltp.value())
        ),
        format!(
            r#"<td class="actions">{}{}</td>"#,
            ticket("BUY"),
            ticket("SELL")
        ),
    ];
    if call {
        cells.concat()
    } else {
        cells.iter().rev().cloned().collect()
    }
}

fn table(chain: &ChainView) -> String {
    let rows: String = chain
        .rows
        .iter()
        .map(|r| {
            let atm = r.strike == chain.atm_strike;
            format!(
                r#"<tr{} data-strike="{}">{}<td class="num strike"><strong>{}</strong></td>{}</tr>"#,
                if atm { r#" class="atm""# } else { "" },
                r.strike.value().normalize(),
                side(r.ce.as_ref(), true),
                money(r.strike.value()),
                side(r.pe.as_ref(), false),
            )
        })
        .collect();
    format!(
        r#"<p class="muted" id="chain-summary">{} {} · ATM {} · forward {} · expires {}</p>
<div class="table-wrap"><table id="option-chain" data-expiry-ts="{}" data-server-ts="{}" data-forward="{}" data-underlying-ltp="{}" data-underlying-key="{}:{}"><thead><tr><th class="num">OI</th><th class="num">IV %</th><th class="num">Delta</th><th class="num">Call LTP</th><th></th><th class="num">Strike</th><th></th><th class="num">Put LTP</th><th class="num">Delta</th><th class="num">IV %</th><th class="num">OI</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        escape(&chain.underlying_symbol),
        format_args!(
            r#"<span data-ltp-key="{}:{}">{}</span>"#,
            chain.underlying_exchange,
            escape(&chain.underlying_symbol),
            money(chain.underlying_ltp)
        ),
        money(chain.atm_strike.value()),
        figure(chain.forward),
        chain.expiry.dashed(),
        chain.expiry_ts,
        chain.server_ts,
        chain.forward.unwrap_or(chain.underlying_ltp).normalize(),
        chain.underlying_ltp.normalize(),
        chain.underlying_exchange,
        escape(&chain.underlying_symbol),
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let get = |k: &str, d: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_ascii_uppercase())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| d.to_owned())
    };
    let underlying = get("underlying", "NIFTY");
    let exchange_text = get("exchange", "NSE_INDEX");
    let strikes: usize = query
        .get("strikes")
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| (1..=50).contains(n))
        .unwrap_or(10);
    let market = state.option_market();
    let exchange = Exchange::from_str(&exchange_text).unwrap_or(Exchange::NseIndex);
    let (base, _) = split_underlying(&underlying);
    let expiries: Vec<String> = market
        .symbols
        .expiries(
            base,
            exchange.option_exchange(),
            ExpiryKind::Options,
            market.now_ist.date(),
        )
        .into_iter()
        .map(|e| e.compact())
        .collect();
    let expiry = query
        .get("expiry")
        .map(|e| e.trim().to_ascii_uppercase())
        .filter(|e| expiries.contains(e))
        .or_else(|| expiries.first().cloned());
    let chain = match &expiry {
        None => error(&format!(
            "No option expiries listed for {} on {}",
            escape(&underlying),
            exchange.option_exchange()
        )),
        Some(expiry) => {
            let request = Target::new(&underlying, exchange, Some(expiry), false).map(|target| {
                ChainRequest {
                    target,
                    strike_count: Some(strikes),
                    with_greeks: true,
                    rate_percent: Decimal::ZERO,
                }
            });
            match request {
                Ok(request) => match market.chain(&request).await {
                    Ok(chain) => table(&chain),
                    Err(e) => error(&e.to_string()),
                },
                Err(e) => error(&e.to_string()),
            }
        }
    };
    let exchanges: Vec<String> = EXCHANGES.iter().map(|e| e.as_str().to_owned()).collect();
    let counts: Vec<String> = [5, 10, 20, 50].iter().map(ToString::to_string).collect();
    let body = format!(
        r#"<div class="panel"><form method="get" action="/options" class="row" id="chain-form"><label>Underlying <input name="underlying" id="o-underlying" value="{}" list="o-underlyings" autocomplete="off"></label><datalist id="o-underlyings"><option>NIFTY</option><option>BANKNIFTY</option><option>FINNIFTY</option><option>SENSEX</option></datalist><label>Exchange {}</label><label>Expiry {}</label><label>Strikes each side {}</label><button type="submit" id="o-submit">Show chain</button></form><p class="muted">Last prices and open interest follow the live feed; IV and delta are recomputed from each new price (Black-76 at the ATM synthetic future moved with the underlying, rate 0). B / S open the order ticket, which shows the order for review before it is placed.</p></div>{chain}"#,
        escape(&underlying),
        select("exchange", "o-exchange", &exchanges, exchange.as_str()),
        select(
            "expiry",
            "o-expiry",
            &expiries,
            expiry.as_deref().unwrap_or("")
        ),
        select("strikes", "o-strikes", &counts, &strikes.to_string()),
    );
    Ok(page(&ctx, "/options", "Option chain", &body))
}
