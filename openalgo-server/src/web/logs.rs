//! The logs (ui.md `/logs/live`, `/logs/traffic`, `/logs/latency`): the API order log, the
//! traffic monitor and broker latency percentiles per broker and operation, each with filters.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};

use super::blocking;
use super::html::escape;
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;

/// Rows read before filtering.
const WINDOW: usize = 500;

/// Milliseconds with three decimals from microseconds (integer arithmetic).
fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

fn tabs(active: &str) -> String {
    [
        ("orders", "Order log"),
        ("traffic", "Traffic"),
        ("latency", "Latency"),
    ]
    .iter()
    .map(|(t, label)| {
        format!(
            r#"<a class="button {}" href="/logs?tab={t}" id="tab-{t}">{label}</a>"#,
            if *t == active { "" } else { "secondary" }
        )
    })
    .collect::<Vec<_>>()
    .join(" ")
}

/// A stored UTC `YYYY-MM-DD HH:MM:SS` as IST `YYYY-MM-DD HH:MM:SS` (as stored when it does not
/// parse).
fn ist_time(utc: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S").map_or_else(
        |_| escape(utc),
        |t| {
            (t + chrono::Duration::minutes(330))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

fn contains(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.to_lowercase().contains(&needle.to_lowercase())
}

async fn order_log(state: &AppState, q: &HashMap<String, String>) -> Result<String, ApiError> {
    let get = |k: &str| q.get(k).map_or("", |v| v.trim());
    let (mode, kind, text) = (get("mode"), get("api_type"), get("text"));
    let store = Arc::clone(&state.store);
    let entries = blocking(move || store.order_log(WINDOW)).await?;
    let rows: String = entries
        .iter()
        .filter(|e| mode.is_empty() || e.mode == mode)
        .filter(|e| contains(&e.api_type, kind))
        .filter(|e| contains(&e.request, text) || contains(&e.response, text))
        .map(|e| {
            format!(
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td><pre>{}</pre></td><td><pre>{}</pre></td></tr>"#,
                e.created_at.as_deref().map_or_else(String::new, ist_time),
                escape(&e.api_type),
                escape(&e.mode),
                e.status,
                escape(&e.request),
                escape(&e.response)
            )
        })
        .collect();
    let mode_options: String = ["", "live", "analyze"]
        .iter()
        .map(|m| {
            format!(
                r#"<option value="{m}"{}>{}</option>"#,
                if *m == mode { " selected" } else { "" },
                if m.is_empty() { "any" } else { m }
            )
        })
        .collect();
    Ok(format!(
        r#"<div class="panel"><form method="get" action="/logs" class="row"><input type="hidden" name="tab" value="orders"><label>Mode <select name="mode">{mode_options}</select></label><label>Endpoint <input name="api_type" value="{}" placeholder="placeorder"></label><label>Text <input name="text" value="{}" placeholder="symbol, order id"></label><button type="submit">Filter</button></form></div>
<p class="muted">Newest first; the last {WINDOW} order calls from the API and these pages (API keys are never logged).</p>
<div class="table-wrap"><table id="order-log"><thead><tr><th>Time (IST)</th><th>Endpoint</th><th>Mode</th><th class="num">Status</th><th>Request</th><th>Response</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        escape(kind),
        escape(text)
    ))
}

async fn traffic(state: &AppState, q: &HashMap<String, String>) -> Result<String, ApiError> {
    let get = |k: &str| q.get(k).map_or("", |v| v.trim());
    let (path, status) = (get("path"), get("status"));
    let log = state.security.traffic.clone();
    let rows = blocking(move || log.recent(WINDOW)).await?;
    let status_class = status.chars().next();
    let body: String = rows
        .iter()
        .filter(|t| contains(&t.path, path))
        .filter(|t| {
            status_class.is_none_or(|c| t.status.to_string().starts_with(c))
        })
        .map(|t| {
            format!(
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                openalgo_core::clock::ist_from_ms(t.at_ms).format("%H:%M:%S"),
                escape(&t.method),
                escape(&t.path),
                t.status,
                ms(t.duration_us),
                escape(t.ip.as_deref().unwrap_or("")),
            )
        })
        .collect();
    let status_options: String = ["", "2", "3", "4", "5"]
        .iter()
        .map(|s| {
            format!(
                r#"<option value="{s}"{}>{}</option>"#,
                if Some(*s) == status.get(..1).or(Some("")) {
                    " selected"
                } else {
                    ""
                },
                if s.is_empty() {
                    "any".to_owned()
                } else {
                    format!("{s}xx")
                }
            )
        })
        .collect();
    Ok(format!(
        r#"<div class="panel"><form method="get" action="/logs" class="row"><input type="hidden" name="tab" value="traffic"><label>Path contains <input name="path" value="{}"></label><label>Status <select name="status">{status_options}</select></label><button type="submit">Filter</button></form></div>
<div class="table-wrap"><table id="traffic"><thead><tr><th>Time (IST)</th><th>Method</th><th>Path</th><th class="num">Status</th><th class="num">ms</th><th>Client</th></tr></thead><tbody>{body}</tbody></table></div>"#,
        escape(path)
    ))
}

fn latency(state: &AppState, q: &HashMap<String, String>) -> String {
    let broker = q.get("broker").map_or("", |v| v.trim());
    let mut report = state.latency.report();
    report.sort_by(|a, b| (a.broker, a.operation).cmp(&(b.broker, b.operation)));
    let rows: String = report
        .iter()
        .filter(|r| contains(r.broker, broker))
        .map(|r| {
            format!(
                r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                escape(r.broker),
                escape(r.operation),
                r.count,
                r.errors,
                ms(r.p50_us),
                ms(r.p90_us),
                ms(r.p99_us)
            )
        })
        .collect();
    format!(
        r#"<div class="panel"><form method="get" action="/logs" class="row"><input type="hidden" name="tab" value="latency"><label>Broker <input name="broker" value="{}"></label><button type="submit">Filter</button></form></div>
<div class="table-wrap"><table id="latency"><thead><tr><th>Broker</th><th>Operation</th><th class="num">Calls</th><th class="num">Errors</th><th class="num">p50 ms</th><th class="num">p90 ms</th><th class="num">p99 ms</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        escape(broker)
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let tab = query.get("tab").map_or("orders", String::as_str);
    let (tab, section) = match tab {
        "traffic" => ("traffic", traffic(&state, &query).await?),
        "latency" => ("latency", latency(&state, &query)),
        _ => ("orders", order_log(&state, &query).await?),
    };
    let body = format!(r#"<p class="actions">{}</p>{section}"#, tabs(tab));
    Ok(page(&ctx, "/logs", "Logs", &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_print_as_milliseconds() {
        assert_eq!(ms(1_234_567), "1234.567");
        assert_eq!(ms(5), "0.005");
    }

    #[test]
    fn stored_utc_times_show_in_ist() {
        assert_eq!(ist_time("2026-11-24 20:00:05"), "2026-11-25 01:30:05");
        assert_eq!(ist_time("not a time <b>"), "not a time &lt;b&gt;");
    }
}
