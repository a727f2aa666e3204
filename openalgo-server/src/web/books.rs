//! The books (ui.md `/orderbook`, `/tradebook`, `/positions`, `/holdings`): tables of the
//! current account with their actions (cancel, modify, cancel all, close, close all) and CSV
//! export. Positions and holdings carry `data-ltp-key` cells the script keeps live from the
//! WebSocket feed.

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::{Holding, Order, OrderId, Position, Trade};

use super::csv;
use super::format::{money, signed_cell, time};
use super::html::{csrf_field, error, escape};
use super::layout::{Ctx, page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;

fn key_of(i: &openalgo_core::InstrumentKey) -> String {
    format!("{}:{}", i.exchange, i.symbol.as_str())
}

fn broker_error(e: &openalgo_core::BrokerError) -> String {
    error(&format!("The broker could not answer: {e}"))
}

/// An amount in paise (exact: the decimal times 100, rounded).
fn paise(v: rust_decimal::Decimal) -> rust_decimal::Decimal {
    (v * rust_decimal::Decimal::ONE_HUNDRED).round()
}

/// The part of a row's P&L that does not move with the price (realized), in paise: the script
/// shows `base + (ltp - avg) * qty` as prices arrive, which equals `pnl` at the rendered LTP.
fn base_paise(
    pnl: rust_decimal::Decimal,
    ltp: openalgo_core::Price,
    avg: openalgo_core::Price,
    qty: i64,
) -> rust_decimal::Decimal {
    paise(pnl) - (paise(ltp.value()) - paise(avg.value())) * rust_decimal::Decimal::from(qty)
}

const ORDER_HEADER: &[&str] = &[
    "time",
    "order id",
    "symbol",
    "exchange",
    "action",
    "quantity",
    "filled",
    "price",
    "trigger price",
    "average price",
    "price type",
    "product",
    "status",
];

fn order_cells(o: &Order) -> Vec<String> {
    vec![
        time(o.timestamp),
        o.order_id.to_string(),
        o.instrument.symbol.as_str().to_owned(),
        o.instrument.exchange.to_string(),
        o.action.to_string(),
        o.quantity.to_string(),
        o.filled_quantity.to_string(),
        o.price.to_string(),
        o.trigger_price.to_string(),
        o.average_price.to_string(),
        o.price_type.to_string(),
        o.product.to_string(),
        o.status.to_string(),
    ]
}

fn order_row(ctx: &Ctx, o: &Order, out: &mut String) {
    let id = escape(o.order_id.as_ref());
    let actions = if o.status.is_working() {
        format!(
            r#"<form method="post" action="/orderbook/cancel" class="row">{}<input type="hidden" name="orderid" value="{id}"><button type="submit" class="small danger" data-cancel="{id}">Cancel</button> <a class="button small secondary" href="/orderbook/modify?orderid={id}">Modify</a></form>"#,
            csrf_field(&ctx.csrf)
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        r#"<tr data-order-id="{id}"><td>{}</td><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td data-status>{}</td><td>{actions}</td></tr>"#,
        time(o.timestamp),
        escape(o.instrument.symbol.as_str()),
        o.instrument.exchange,
        o.action,
        o.quantity,
        o.filled_quantity,
        money(o.price.value()),
        money(o.trigger_price.value()),
        money(o.average_price.value()),
        o.price_type,
        o.product,
        escape(o.status.as_str()),
    ));
}

/// Rows per dashboard page of a book.
const PAGE_ROWS: usize = 200;

/// `?page=N` (1-based) of a book page.
#[derive(Debug, serde::Deserialize)]
pub(super) struct PageQuery {
    page: Option<usize>,
}

impl PageQuery {
    fn number(&self) -> usize {
        self.page.unwrap_or(1).max(1)
    }

    fn range(&self) -> std::ops::Range<usize> {
        let start = (self.number() - 1).saturating_mul(PAGE_ROWS);
        start..start.saturating_add(PAGE_ROWS)
    }
}

/// "Rows a–b of n" with links to the neighbouring pages of `path`.
fn pager(path: &str, q: &PageQuery, shown: usize, total: usize) -> String {
    let n = q.number();
    let first = q.range().start;
    let mut out = format!(
        r#"<nav class="pager panel" id="pager"><span>Rows {}–{} of {total}</span>"#,
        if shown == 0 { 0 } else { first + 1 },
        first + shown
    );
    if n > 1 {
        out.push_str(&format!(
            r#" <a class="button small secondary" href="{path}?page={}" rel="prev">Newer</a>"#,
            n - 1
        ));
    }
    if first + shown < total {
        out.push_str(&format!(
            r#" <a class="button small secondary" href="{path}?page={}" rel="next">Older</a>"#,
            n + 1
        ));
    }
    out.push_str("</nav>");
    out
}

/// Counts over the whole order book for the cards.
#[derive(Default)]
struct OrderCounts {
    buy: usize,
    working: usize,
    complete: usize,
    rejected: usize,
}

pub(super) async fn orderbook(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let (t, _) = state.trading();
    let body = match crate::books::orders(&t).await {
        Err(e) => broker_error(&e),
        Ok(rows) => {
            let mut c = OrderCounts::default();
            let (total, orders) = crate::books::slice(rows, query.range(), |o: &Order| {
                c.buy += usize::from(o.action == openalgo_core::Action::Buy);
                c.working += usize::from(o.status.is_working());
                c.complete += usize::from(o.status == openalgo_core::OrderStatus::Complete);
                c.rejected += usize::from(o.status == openalgo_core::OrderStatus::Rejected);
            });
            let mut rows = String::with_capacity(orders.len() * 900);
            // In the book's order: newest first.
            for o in &orders {
                order_row(&ctx, o, &mut rows);
            }
            format!(
                r#"<div class="cards"><div class="card"><div class="label">Orders</div><div class="value" id="orders-total">{total}</div></div><div class="card"><div class="label">Buy</div><div class="value">{}</div></div><div class="card"><div class="label">Sell</div><div class="value">{}</div></div><div class="card"><div class="label">Open</div><div class="value" id="orders-open">{}</div></div><div class="card"><div class="label">Completed</div><div class="value">{}</div></div><div class="card"><div class="label">Rejected</div><div class="value">{}</div></div></div>
<div class="actions panel"><a class="button secondary" href="/orderbook.csv" download>Export CSV</a><form method="post" action="/orderbook/cancel-all" data-confirm="Cancel every open order?">{}<button type="submit" class="danger" id="cancel-all">Cancel all</button></form></div>
<div class="table-wrap"><table id="orders"><thead><tr><th>Time</th><th>Order id</th><th>Symbol</th><th>Exch</th><th>Action</th><th class="num">Qty</th><th class="num">Filled</th><th class="num">Price</th><th class="num">Trigger</th><th class="num">Avg</th><th>Type</th><th>Product</th><th>Status</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>{}"#,
                c.buy,
                total - c.buy,
                c.working,
                c.complete,
                c.rejected,
                csrf_field(&ctx.csrf),
                pager("/orderbook", &query, orders.len(), total),
            )
        }
    };
    let body = format!("{}{body}", super::gtt::tabs("/orderbook"));
    Ok(page(&ctx, "/orderbook", "Order book", &body))
}

pub(super) async fn orderbook_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let _ctx = signed_in!(state, req);
    let rows = crate::books::orders(&state.trading().0).await?;
    Ok(csv::stream(
        "orderbook.csv",
        ORDER_HEADER,
        rows,
        order_cells,
    ))
}

/// `orderid` of the modify form.
#[derive(Debug, serde::Deserialize)]
pub(super) struct OrderQuery {
    orderid: String,
}

pub(super) async fn modify_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let Ok(id) = OrderId::new(query.orderid.clone()) else {
        return Ok(page(
            &ctx,
            "/orderbook",
            "Modify order",
            &error("No such order"),
        ));
    };
    let body = match state.trading().0.broker().order_status(&id).await {
        Err(e) => broker_error(&e),
        Ok(o) if !o.status.is_working() => error("Only an open order can be modified"),
        Ok(o) => {
            let types: String = openalgo_core::PriceType::ALL
                .iter()
                .map(|p| {
                    format!(
                        r#"<option{}>{p}</option>"#,
                        if *p == o.price_type { " selected" } else { "" }
                    )
                })
                .collect();
            format!(
                r#"<div class="panel"><p>{} {} {} · {} · {}</p><form method="post" action="/orderbook/modify" class="stack">{}
<input type="hidden" name="orderid" value="{}"><input type="hidden" name="symbol" value="{}"><input type="hidden" name="exchange" value="{}"><input type="hidden" name="action" value="{}"><input type="hidden" name="product" value="{}"><input type="hidden" name="disclosed_quantity" value="0">
<label>Price type <select name="pricetype">{types}</select></label>
<label>Quantity <input name="quantity" inputmode="numeric" value="{}" required></label>
<label>Price <input name="price" inputmode="decimal" value="{}"></label>
<label>Trigger price <input name="trigger_price" inputmode="decimal" value="{}"></label>
<div class="actions"><button type="submit" id="modify-submit">Modify order</button><a class="button secondary" href="/orderbook">Back</a></div></form></div>"#,
                o.action,
                o.quantity,
                escape(o.instrument.symbol.as_str()),
                o.instrument.exchange,
                o.product,
                csrf_field(&ctx.csrf),
                escape(o.order_id.as_ref()),
                escape(o.instrument.symbol.as_str()),
                o.instrument.exchange,
                o.action,
                o.product,
                o.quantity,
                o.price,
                o.trigger_price,
            )
        }
    };
    Ok(page(&ctx, "/orderbook", "Modify order", &body))
}

const TRADE_HEADER: &[&str] = &[
    "time",
    "order id",
    "symbol",
    "exchange",
    "action",
    "product",
    "quantity",
    "average price",
    "trade value",
];

fn trade_cells(t: &Trade) -> Vec<String> {
    vec![
        time(t.timestamp),
        t.order_id.to_string(),
        t.instrument.symbol.as_str().to_owned(),
        t.instrument.exchange.to_string(),
        t.action.to_string(),
        t.product.to_string(),
        t.quantity.to_string(),
        t.average_price.to_string(),
        t.average_price.notional(t.quantity.get()).to_string(),
    ]
}

pub(super) async fn tradebook(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let body = match crate::books::trades(&state.trading().0).await {
        Err(e) => broker_error(&e),
        Ok(rows) => {
            let mut buys = 0;
            let (total, trades) = crate::books::slice(rows, query.range(), |t: &Trade| {
                buys += usize::from(t.action == openalgo_core::Action::Buy);
            });
            let rows: String = trades
                .iter()
                .map(|t| {
                    format!(
                        r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                        time(t.timestamp),
                        escape(t.order_id.as_ref()),
                        escape(t.instrument.symbol.as_str()),
                        t.instrument.exchange,
                        t.action,
                        t.product,
                        t.quantity,
                        money(t.average_price.value()),
                        money(t.average_price.notional(t.quantity.get())),
                    )
                })
                .collect();
            format!(
                r#"<div class="cards"><div class="card"><div class="label">Trades</div><div class="value" id="trades-total">{}</div></div><div class="card"><div class="label">Buy</div><div class="value">{buys}</div></div><div class="card"><div class="label">Sell</div><div class="value">{}</div></div></div>
<div class="actions panel"><a class="button secondary" href="/tradebook.csv" download>Export CSV</a></div>
<div class="table-wrap"><table id="trades"><thead><tr><th>Time</th><th>Order id</th><th>Symbol</th><th>Exch</th><th>Action</th><th>Product</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Value</th></tr></thead><tbody>{rows}</tbody></table></div>{}"#,
                total,
                total - buys,
                pager("/tradebook", &query, trades.len(), total),
            )
        }
    };
    Ok(page(&ctx, "/tradebook", "Trade book", &body))
}

pub(super) async fn tradebook_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let _ctx = signed_in!(state, req);
    let rows = crate::books::trades(&state.trading().0).await?;
    Ok(csv::stream(
        "tradebook.csv",
        TRADE_HEADER,
        rows,
        trade_cells,
    ))
}

const POSITION_HEADER: &[&str] = &[
    "symbol",
    "exchange",
    "product",
    "quantity",
    "average price",
    "ltp",
    "pnl",
];

fn position_cells(p: &Position) -> Vec<String> {
    vec![
        p.instrument.symbol.as_str().to_owned(),
        p.instrument.exchange.to_string(),
        p.product.to_string(),
        p.quantity.to_string(),
        p.average_price.to_string(),
        p.ltp.to_string(),
        format!("{:.2}", p.pnl),
    ]
}

fn position_row(ctx: &Ctx, p: &Position) -> String {
    let key = key_of(&p.instrument);
    let close = if p.quantity == 0 {
        String::new()
    } else {
        format!(
            r#"<form method="post" action="/positions/close">{}<input type="hidden" name="symbol" value="{}"><input type="hidden" name="exchange" value="{}"><input type="hidden" name="product" value="{}"><input type="hidden" name="quantity" value="{}"><button type="submit" class="small danger" data-close="{}">Close</button></form>"#,
            csrf_field(&ctx.csrf),
            escape(p.instrument.symbol.as_str()),
            p.instrument.exchange,
            p.product,
            p.quantity,
            escape(&key),
        )
    };
    let paise = paise(p.pnl);
    let base = base_paise(p.pnl, p.ltp, p.average_price, p.quantity);
    format!(
        r#"<tr data-position="{}" data-qty="{}" data-avg="{}" data-pnl-paise="{paise}" data-base-paise="{base}"><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num" data-ltp-key="{}">{}</td>{}<td>{close}</td></tr>"#,
        escape(&key),
        p.quantity,
        p.average_price,
        escape(p.instrument.symbol.as_str()),
        p.instrument.exchange,
        p.product,
        p.quantity,
        money(p.average_price.value()),
        escape(&key),
        money(p.ltp.value()),
        signed_cell(p.pnl).replacen("<td ", "<td data-pnl ", 1),
    )
}

pub(super) async fn positions(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let body = match state.trading().0.broker().positions().await {
        Err(e) => broker_error(&e),
        Ok(list) => {
            let total: rust_decimal::Decimal = list.iter().map(|p| p.pnl).sum();
            let open = list.iter().filter(|p| p.quantity != 0).count();
            let rows: String = list.iter().map(|p| position_row(&ctx, p)).collect();
            format!(
                r#"<div class="cards"><div class="card"><div class="label">Open positions</div><div class="value" id="positions-open">{open}</div></div><div class="card"><div class="label">P&amp;L <span class="live-dot" id="live-status" title="connecting"></span></div><div class="value {}" data-pnl-total>{}</div></div></div>
<div class="actions panel"><a class="button secondary" href="/positions.csv" download>Export CSV</a><form method="post" action="/positions/close-all" data-confirm="Close every open position at market?">{}<button type="submit" class="danger" id="close-all">Close all</button></form></div>
<div class="table-wrap"><table id="positions"><thead><tr><th>Symbol</th><th>Exch</th><th>Product</th><th class="num">Qty</th><th class="num">Avg</th><th class="num">LTP</th><th class="num">P&amp;L</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>"#,
                super::format::tone(total),
                money(total),
                csrf_field(&ctx.csrf),
            )
        }
    };
    Ok(page(&ctx, "/positions", "Positions", &body))
}

pub(super) async fn positions_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let _ctx = signed_in!(state, req);
    let list = state.trading().0.broker().positions().await?;
    let rows: Vec<_> = list.iter().map(position_cells).collect();
    Ok(csv::download("positions.csv", POSITION_HEADER, &rows))
}

const HOLDING_HEADER: &[&str] = &[
    "symbol",
    "exchange",
    "product",
    "quantity",
    "average price",
    "ltp",
    "pnl",
];

fn holding_cells(h: &Holding) -> Vec<String> {
    vec![
        h.instrument.symbol.as_str().to_owned(),
        h.instrument.exchange.to_string(),
        h.product.to_string(),
        h.quantity.to_string(),
        h.average_price.to_string(),
        h.ltp.to_string(),
        format!("{:.2}", h.pnl),
    ]
}

pub(super) async fn holdings(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let body = match state.trading().0.broker().holdings().await {
        Err(e) => broker_error(&e),
        Ok(list) => {
            let value: rust_decimal::Decimal =
                list.iter().map(|h| h.ltp.notional(h.quantity.get())).sum();
            let cost: rust_decimal::Decimal = list
                .iter()
                .map(|h| h.average_price.notional(h.quantity.get()))
                .sum();
            let pnl: rust_decimal::Decimal = list.iter().map(|h| h.pnl).sum();
            let rows: String = list
                .iter()
                .map(|h| {
                    let key = key_of(&h.instrument);
                    let paise = paise(h.pnl);
                    let qty = i64::try_from(h.quantity.get()).unwrap_or(i64::MAX);
                    let base = base_paise(h.pnl, h.ltp, h.average_price, qty);
                    format!(
                        r#"<tr data-qty="{}" data-avg="{}" data-pnl-paise="{paise}" data-base-paise="{base}"><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num" data-ltp-key="{}">{}</td>{}</tr>"#,
                        h.quantity,
                        h.average_price,
                        escape(h.instrument.symbol.as_str()),
                        h.instrument.exchange,
                        h.product,
                        h.quantity,
                        money(h.average_price.value()),
                        escape(&key),
                        money(h.ltp.value()),
                        signed_cell(h.pnl).replacen("<td ", "<td data-pnl ", 1),
                    )
                })
                .collect();
            format!(
                r#"<div class="cards"><div class="card"><div class="label">Holding value</div><div class="value">{}</div></div><div class="card"><div class="label">Investment</div><div class="value">{}</div></div><div class="card"><div class="label">P&amp;L <span class="live-dot" id="live-status"></span></div><div class="value {}" data-pnl-total>{}</div></div></div>
<div class="actions panel"><a class="button secondary" href="/holdings.csv" download>Export CSV</a></div>
<div class="table-wrap"><table id="holdings"><thead><tr><th>Symbol</th><th>Exch</th><th>Product</th><th class="num">Qty</th><th class="num">Avg</th><th class="num">LTP</th><th class="num">P&amp;L</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
                money(value),
                money(cost),
                super::format::tone(pnl),
                money(pnl),
            )
        }
    };
    Ok(page(&ctx, "/holdings", "Holdings", &body))
}

pub(super) async fn holdings_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let _ctx = signed_in!(state, req);
    let list = state.trading().0.broker().holdings().await?;
    let rows: Vec<_> = list.iter().map(holding_cells).collect();
    Ok(csv::download("holdings.csv", HOLDING_HEADER, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_moving_part_of_pnl_is_split_from_the_realized_part() {
        let d = |s| rust_decimal::Decimal::from_str(s).unwrap();
        let p = |s| openalgo_core::Price::new(d(s));
        // Long 10 at 100, LTP 101.5, 40 realized earlier: P&L 55.
        assert_eq!(base_paise(d("55"), p("101.5"), p("100"), 10), d("4000"));
        // Closed: the whole P&L is realized.
        assert_eq!(base_paise(d("-12.25"), p("99"), p("100"), 0), d("-1225"));
    }
}
