//! The sandbox page (ui.md `/sandbox`, `/sandbox/mypnl`): the analyzer account's settings
//! (capital, leverages, MIS square-off times), its funds and today's P&L by position, and a
//! confirmed "reset funds" that starts the account over.

use actix_web::{HttpRequest, HttpResponse, web};

use super::format::{money, signed_cell};
use super::html::{csrf_field, error, escape};
use super::layout::{page, redirect_with, signed_in};
use super::{FormData, admit_signed_in};
use crate::app::AppState;
use crate::error::ApiError;
use crate::sandbox_settings::SandboxOverrides;
use crate::state::Mode;

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
        r#"<div class="grid2"><div class="panel"><h2>Settings</h2><form method="post" action="/sandbox/settings" id="sandbox-settings">{}<dl class="kv">
<dt><label for="capital">Starting capital (₹1,00,000–₹1,00,00,000)</label></dt><dd><input id="capital" name="capital" inputmode="numeric" value="{}"></dd>
<dt><label for="lev_equity_mis">Leverage equity MIS</label></dt><dd><input id="lev_equity_mis" name="lev_equity_mis" value="{}"></dd>
<dt><label for="lev_equity_cnc">Leverage equity CNC</label></dt><dd><input id="lev_equity_cnc" name="lev_equity_cnc" value="{}"></dd>
<dt><label for="lev_futures">Leverage futures</label></dt><dd><input id="lev_futures" name="lev_futures" value="{}"></dd>
<dt><label for="lev_option_buy">Leverage options buy</label></dt><dd><input id="lev_option_buy" name="lev_option_buy" value="{}"></dd>
<dt><label for="lev_option_sell">Leverage options sell</label></dt><dd><input id="lev_option_sell" name="lev_option_sell" value="{}"></dd>
<dt><label for="sq_nse_bse">MIS square-off NSE/BSE</label></dt><dd><input id="sq_nse_bse" name="sq_nse_bse" value="{}"></dd>
<dt><label for="sq_cds_bcd">MIS square-off CDS/BCD</label></dt><dd><input id="sq_cds_bcd" name="sq_cds_bcd" value="{}"></dd>
<dt><label for="sq_mcx">MIS square-off MCX</label></dt><dd><input id="sq_mcx" name="sq_mcx" value="{}"></dd>
<dt><label for="sq_ncdex">MIS square-off NCDEX</label></dt><dd><input id="sq_ncdex" name="sq_ncdex" value="{}"></dd>
<dt>MIS cut-offs</dt><dd>{}</dd></dl>
<p class="muted">Leverages and square-off times apply at once; a new starting capital applies at the next "Reset funds". Leverages 1–50, times HH:MM (IST).</p><button type="submit" id="sandbox-save">Save settings</button></form></div>
<div class="panel"><h2>Funds</h2>{funds}<form method="post" action="/sandbox/reset" data-confirm="Reset the sandbox account? Orders, trades and positions are removed and the capital starts over.">{}<button type="submit" class="danger" id="sandbox-reset">Reset funds</button></form><p><a class="button secondary" href="/sandbox/mypnl">My P&amp;L history</a></p></div></div>
<div class="panel"><h2>Today's sandbox P&amp;L</h2><p>Highest {} · lowest {} · {} samples</p>
<div class="table-wrap"><table id="sandbox-positions"><thead><tr><th>Symbol</th><th>Exch</th><th>Product</th><th class="num">Qty</th><th class="num">P&amp;L</th></tr></thead><tbody>{positions}</tbody></table></div></div>"#,
        csrf_field(&ctx.csrf),
        c.starting_capital.normalize(),
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

/// Saves the edited settings: validated, persisted, and applied to the analyzer's engine.
pub(super) async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let overrides =
        match SandboxOverrides::parse(|name| form.get(name).cloned().unwrap_or_default()) {
            Ok(o) => o,
            Err(e) => return Ok(redirect_with("/sandbox", false, &e.to_string())),
        };
    let store = std::sync::Arc::clone(&state.store);
    let saved = overrides.clone();
    crate::error::blocking(move || saved.save(store.as_ref())).await??;
    state.sandbox_paper().update_config(|c| overrides.apply(c));
    Ok(redirect_with(
        "/sandbox",
        true,
        "Sandbox settings saved; a new starting capital applies at the next reset",
    ))
}
