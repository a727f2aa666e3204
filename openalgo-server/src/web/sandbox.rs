//! The sandbox page (ui.md `/sandbox`, `/sandbox/mypnl`): the analyzer account's settings
//! (capital, leverages, MIS square-off times), its funds and today's P&L by position, and a
//! confirmed "reset funds" that starts the account over.

use actix_web::{HttpRequest, HttpResponse, web};

use super::format::{money, signed_cell};
use super::html::{csrf_field, error, escape};
use super::layout::{page, redirect_with, signed_in};
use super::{FormData, admit_signed_in};
use crate::error::ApiError;
use crate::state::{AppState, Mode};

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let paper = state.sandbox_paper();
    let c = paper.inspect(|e| e.config().clone());
    let funds = match state.sandbox().broker().funds().await {
        Ok(f) => format!(
            r#"<dl class="kv"><dt>Available</dt><dd id="sandbox-available">{}</dd><dt>Used margin</dt><dd>{}</dd><dt>Realized P&amp;L</dt><dd>{}</dd><dt>Unrealized P&amp;L</dt><dd>{}</dd></dl>"#,
            money(f.available_cash),
            money(f.utilised_debits),
            money(f.m2m_realized),
            money(f.m2m_unrealized)
        ),
        Err(e) => error(&e.to_string()),
    };
    let positions = match state.sandbox().broker().positions().await {
        Ok(list) => list
            .iter()
            .map(|p| {
                format!(
                    r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td>{}</tr>"#,
                    escape(p.instrument.symbol.as_str()),
                    p.instrument.exchange,
                    p.product,
                    p.quantity,
                    signed_cell(p.pnl)
                )
            })
            .collect::<String>(),
        Err(e) => error(&e.to_string()),
    };
    let curve = state.pnl.points(Mode::Analyze);
    let (hi, lo) = curve.iter().fold((None, None), |(hi, lo), (_, v)| {
        (
            Some(hi.map_or(*v, |h: rust_decimal::Decimal| h.max(*v))),
            Some(lo.map_or(*v, |l: rust_decimal::Decimal| l.min(*v))),
        )
    });
    let show = |v: Option<rust_decimal::Decimal>| v.map_or_else(|| "—".to_owned(), money);
    let body = format!(
        r#"<div class="grid2"><div class="panel"><h2>Settings</h2><dl class="kv" id="sandbox-settings">
<dt>Starting capital</dt><dd>{}</dd><dt>Leverage equity MIS / CNC</dt><dd>{} / {}</dd><dt>Leverage futures</dt><dd>{}</dd><dt>Leverage options buy / sell</dt><dd>{} / {}</dd>
<dt>MIS square-off NSE/BSE</dt><dd>{}</dd><dt>MIS square-off CDS/BCD</dt><dd>{}</dd><dt>MIS square-off MCX</dt><dd>{}</dd><dt>MIS square-off NCDEX</dt><dd>{}</dd><dt>MIS cut-offs</dt><dd>{}</dd></dl>
<p class="muted">Set at start-up from the server's configuration.</p></div>
<div class="panel"><h2>Funds</h2>{funds}<form method="post" action="/sandbox/reset" data-confirm="Reset the sandbox account? Orders, trades and positions are removed and the capital starts over.">{}<button type="submit" class="danger" id="sandbox-reset">Reset funds</button></form></div></div>
<div class="panel"><h2>Today's sandbox P&amp;L</h2><p>Highest {} · lowest {} · {} samples</p>
<div class="table-wrap"><table id="sandbox-positions"><thead><tr><th>Symbol</th><th>Exch</th><th>Product</th><th class="num">Qty</th><th class="num">P&amp;L</th></tr></thead><tbody>{positions}</tbody></table></div></div>"#,
        money(c.starting_capital),
        c.leverage.equity_mis,
        c.leverage.equity_cnc,
        c.leverage.futures,
        c.leverage.option_buy,
        c.leverage.option_sell,
        c.square_off.nse_bse.format("%H:%M"),
        c.square_off.cds_bcd.format("%H:%M"),
        c.square_off.mcx.format("%H:%M"),
        c.square_off.ncdex.format("%H:%M"),
        if c.mis_cutoffs {
            "on"
        } else {
            "off (round-the-clock market)"
        },
        csrf_field(&ctx.csrf),
        show(hi),
        show(lo),
        curve.len(),
    );
    Ok(page(&ctx, "/sandbox", "Sandbox", &body))
}

pub(super) async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    state.sandbox_paper().reset().await?;
    Ok(redirect_with(
        "/sandbox",
        true,
        "The sandbox account starts over with its starting capital",
    ))
}
