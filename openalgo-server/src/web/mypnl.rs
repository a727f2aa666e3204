//! The sandbox P&L history (ui.md `/sandbox/mypnl`, sandbox.md §3.12): the analyzer account's
//! closed sessions, one row a day recorded by the engine at the session boundary, under today's
//! running row, with a CSV export.

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::sandbox::DailyPnl;

use super::csv;
use super::format::{money, signed_cell};
use super::html::error;
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;

const HEADER: &[&str] = &[
    "date",
    "realized_pnl",
    "positions_unrealized_pnl",
    "holdings_unrealized_pnl",
    "total_mtm",
    "available_balance",
    "used_margin",
    "portfolio_value",
];

/// Today's row then the closed sessions, newest first. The engine is brought up to date first
/// (a session that ended while nobody traded is closed now).
async fn rows(state: &AppState) -> (Vec<(DailyPnl, bool)>, Option<String>) {
    let paper = state.sandbox_paper();
    let stale = paper.refresh().await.err().map(|e| e.to_string());
    let rows = paper.inspect(|e| {
        std::iter::once((e.current_day(), true))
            .chain(e.daily_pnl().iter().rev().map(|d| (d.clone(), false)))
            .collect()
    });
    (rows, stale)
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let (rows, stale) = rows(&state).await;
    let table: String = rows
        .iter()
        .map(|(d, today)| {
            format!(
                r#"<tr{}><td>{}{}</td>{}{}{}{}<td class="num">{}</td></tr>"#,
                if *today { r#" id="pnl-today""# } else { "" },
                d.date.format("%Y-%m-%d"),
                if *today { " (today)" } else { "" },
                signed_cell(d.realized),
                signed_cell(d.positions_unrealized),
                signed_cell(d.holdings_unrealized),
                signed_cell(d.total()),
                money(d.portfolio_value()),
            )
        })
        .collect();
    let body = format!(
        r#"{}<div class="actions panel"><a class="button secondary" href="/sandbox">Sandbox settings</a><a class="button secondary" href="/sandbox/mypnl.csv" download>Export CSV</a></div>
<div class="panel"><h2>Daily P&amp;L</h2><p class="muted">A row is recorded when a session ends (at the 03:00 IST boundary); a reset clears the history. Today's row is live.</p>
<div class="table-wrap"><table id="sandbox-daily-pnl"><thead><tr><th>Date</th><th class="num">Realized</th><th class="num">Positions MTM</th><th class="num">Holdings MTM</th><th class="num">Total</th><th class="num">Portfolio value</th></tr></thead><tbody>{table}</tbody></table></div></div>"#,
        stale.map_or_else(String::new, |e| error(&format!(
            "Prices could not be refreshed: {e}"
        ))),
    );
    Ok(page(&ctx, "/sandbox", "Sandbox P&L", &body))
}

pub(super) async fn csv_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let _ctx = signed_in!(state, req);
    let (rows, _) = rows(&state).await;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(d, _)| {
            vec![
                d.date.format("%Y-%m-%d").to_string(),
                d.realized.round_dp(2).to_string(),
                d.positions_unrealized.round_dp(2).to_string(),
                d.holdings_unrealized.round_dp(2).to_string(),
                d.total().round_dp(2).to_string(),
                d.available.round_dp(2).to_string(),
                d.used_margin.round_dp(2).to_string(),
                d.portfolio_value().round_dp(2).to_string(),
            ]
        })
        .collect();
    Ok(csv::download("sandbox-daily-pnl.csv", HEADER, &cells))
}
