//! Symbol search with a quote and depth panel (ui.md `/search`, the `/trading` quote header and
//! depth panel): search the master contract, pick an instrument, see its quote (last price
//! live from the feed) and five levels of depth, and open the ticket for it.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::instrument::SearchQuery;
use openalgo_core::{Exchange, InstrumentKey, Symbol};

use super::format::{money, query_value as encode};
use super::html::{error, escape};
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;

fn exchange_options(chosen: &str) -> String {
    std::iter::once(("", "any"))
        .chain(Exchange::ALL.iter().map(|e| (e.as_str(), e.as_str())))
        .map(|(v, label)| {
            format!(
                r#"<option value="{v}"{}>{label}</option>"#,
                if v == chosen { " selected" } else { "" }
            )
        })
        .collect()
}

async fn quote_panel(state: &AppState, symbol: &str, exchange: &str) -> String {
    let Ok(exchange) = Exchange::from_str(exchange) else {
        return error("Unknown exchange");
    };
    if state.symbols().get(symbol, exchange).is_none() {
        return error("Unknown symbol for that exchange");
    }
    let Ok(sym) = Symbol::new(symbol) else {
        return error("Unknown symbol");
    };
    let key = InstrumentKey::new(sym, exchange);
    let live = format!("{exchange}:{symbol}");
    let quote = match state.broker().quote(&key).await {
        Ok(q) => format!(
            r#"<dl class="kv"><dt>Last price <span class="live-dot" id="live-status"></span></dt><dd data-ltp-key="{}" id="quote-ltp">{}</dd><dt>Bid / ask</dt><dd>{} / {}</dd><dt>Open / high / low</dt><dd>{} / {} / {}</dd><dt>Previous close</dt><dd>{}</dd><dt>Volume</dt><dd>{}</dd><dt>Open interest</dt><dd>{}</dd></dl>"#,
            escape(&live),
            money(q.ltp.value()),
            money(q.bid.value()),
            money(q.ask.value()),
            money(q.open.value()),
            money(q.high.value()),
            money(q.low.value()),
            money(q.prev_close.value()),
            q.volume,
            q.oi
        ),
        Err(e) => error(&format!("Quote unavailable: {e}")),
    };
    let depth = match state.broker().depth(&key).await {
        Ok(d) => {
            let levels = d.bids.len().max(d.asks.len());
            let rows: String = (0..levels)
                .map(|i| {
                    let side = |l: Option<&openalgo_core::DepthLevel>| {
                        l.map_or_else(
                            || "<td></td><td></td>".to_owned(),
                            |l| {
                                format!(
                                    r#"<td class="num">{}</td><td class="num">{}</td>"#,
                                    l.quantity,
                                    money(l.price.value())
                                )
                            },
                        )
                    };
                    format!("<tr>{}{}</tr>", side(d.bids.get(i)), side(d.asks.get(i)))
                })
                .collect();
            format!(
                r#"<div class="table-wrap"><table id="depth"><thead><tr><th class="num">Bid qty</th><th class="num">Bid</th><th class="num">Ask qty</th><th class="num">Ask</th></tr></thead><tbody>{rows}</tbody></table></div><p class="muted">Total buy {} · total sell {}</p>"#,
                d.total_buy_quantity, d.total_sell_quantity
            )
        }
        Err(e) => error(&format!("Depth unavailable: {e}")),
    };
    format!(
        r#"<div class="grid2" id="quote"><div class="panel"><h2>{}:{}</h2>{quote}<p class="actions"><a class="button" id="trade-buy" href="/ticket?symbol={}&amp;exchange={exchange}&amp;action=BUY">Buy</a><a class="button secondary" href="/ticket?symbol={}&amp;exchange={exchange}&amp;action=SELL">Sell</a></p></div><div class="panel"><h2>Depth</h2>{depth}</div></div>"#,
        exchange,
        escape(symbol),
        encode(symbol),
        encode(symbol),
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let get = |k: &str| query.get(k).map_or("", |v| v.trim());
    let text = get("q");
    let exchange = get("exchange");
    let results = if text.is_empty() {
        String::new()
    } else {
        let mut q = SearchQuery::new(text);
        q.exchange = Exchange::from_str(exchange).ok();
        q.limit = q.limit.min(100);
        let symbols = state.symbols();
        let found = symbols.search(&q);
        let rows: String = found
            .iter()
            .map(|i| {
                let sym = i.symbol.as_str();
                format!(
                    r#"<tr><td><a href="/search?q={}&amp;exchange={}&amp;symbol={}&amp;on={}" data-symbol="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td><a href="/ticket?symbol={}&amp;exchange={}">Trade</a></td></tr>"#,
                    encode(text),
                    encode(exchange),
                    encode(sym),
                    i.exchange,
                    escape(sym),
                    escape(sym),
                    escape(&i.name),
                    i.exchange,
                    i.instrument_type,
                    i.lot_size,
                    i.tick_size,
                    encode(sym),
                    i.exchange,
                )
            })
            .collect();
        format!(
            r#"<p class="muted">{} found</p><div class="table-wrap"><table id="results"><thead><tr><th>Symbol</th><th>Name</th><th>Exch</th><th>Type</th><th class="num">Lot</th><th class="num">Tick</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            found.len()
        )
    };
    let panel = match (get("symbol"), get("on")) {
        ("", _) | (_, "") => String::new(),
        (symbol, on) => quote_panel(&state, symbol, on).await,
    };
    let body = format!(
        r#"<div class="panel"><form method="get" action="/search" class="row"><label>Symbol or name <input name="q" id="s-query" value="{}" autofocus></label><label>Exchange <select name="exchange">{}</select></label><button type="submit" id="s-submit">Search</button></form></div>{panel}{results}"#,
        escape(text),
        exchange_options(exchange),
    );
    Ok(page(&ctx, "/search", "Symbol search", &body))
}
