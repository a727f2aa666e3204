//! The Strategies pages (ui.md `/strategy`, `/chartink`): the list with each webhook's URL and
//! state, a form for a new strategy, and a strategy's page with its ready-to-paste alert
//! bodies, symbol mappings (added in bulk), switch, delete and alert log. The forms share the
//! JSON API's rules (`strategies.rs`).

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::automation::Schedule;
use serde_json::{Map, Value};

use super::html::{csrf_field, escape};
use super::layout::{page, redirect_with, signed_in};
use super::strategies::{add_mappings, all, create_stored, one, save, view};
use super::{FormData, admit_signed_in};
use crate::app::AppState;
use crate::error::{ApiError, blocking};

fn form_json(form: &FormData) -> Value {
    Value::Object(
        form.iter()
            .filter(|(k, _)| k.as_str() != "csrf_token")
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    )
}

pub(super) async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let rows: String = all(&state)
        .await?
        .iter()
        .map(|s| {
            let v = view(&req, s);
            format!(
                r#"<tr data-strategy="{id}"><td><a href="/strategy/{id}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td><code class="webhook-url">{}</code></td></tr>"#,
                escape(s.strategy.name.as_str()),
                escape(&s.row.platform),
                s.strategy.mode.as_str(),
                escape(v["strategy_type"].as_str().unwrap_or("")),
                if s.strategy.active { "on" } else { "off" },
                s.strategy.mappings.len(),
                escape(v["webhook_url"].as_str().unwrap_or("")),
                id = s.row.id,
            )
        })
        .collect();
    let body = format!(
        r#"<div class="panel"><h2>Strategies</h2><div class="table-wrap"><table id="strategies"><thead><tr><th>Name</th><th>Platform</th><th>Mode</th><th>Type</th><th>Active</th><th class="num">Symbols</th><th>Webhook URL</th></tr></thead><tbody>{rows}</tbody></table></div>
<p class="muted">A webhook URL is all an alert needs: it carries no API key. Alerts place orders through the same order service and risk rules as the API, in the current mode's account.</p></div>
<div class="panel"><h2>New strategy</h2><form method="post" action="/strategy/new" id="strategy-new">{}<dl class="kv">
<dt><label for="s-name">Name</label></dt><dd><input id="s-name" name="name" maxlength="50" required></dd>
<dt><label for="s-platform">Platform</label></dt><dd><select id="s-platform" name="platform"><option>tradingview</option><option>gocharting</option><option>amibroker</option><option>python</option><option>metatrader</option><option>excel</option><option>others</option><option>chartink</option></select></dd>
<dt><label for="s-mode">Trading mode</label></dt><dd><select id="s-mode" name="trading_mode"><option>LONG</option><option>SHORT</option><option>BOTH</option></select></dd>
<dt><label for="s-type">Type</label></dt><dd><select id="s-type" name="strategy_type"><option>intraday</option><option>positional</option></select></dd>
<dt><label for="s-start">Entries from (IST)</label></dt><dd><input id="s-start" name="start_time" value="09:15"></dd>
<dt><label for="s-end">Entries until</label></dt><dd><input id="s-end" name="end_time" value="15:00"></dd>
<dt><label for="s-sq">Square-off at</label></dt><dd><input id="s-sq" name="squareoff_time" value="15:15"></dd>
</dl><button type="submit" id="strategy-create">Create strategy</button></form></div>"#,
        csrf_field(&ctx.csrf)
    );
    Ok(page(&ctx, "/strategy", "Strategies", &body))
}

pub(super) async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    Ok(match create_stored(&state, &form_json(&form)).await? {
        Ok(s) => redirect_with(
            &format!("/strategy/{}", s.row.id),
            true,
            "Strategy created: map its symbols next",
        ),
        Err(m) => redirect_with("/strategy", false, &m),
    })
}

pub(super) async fn detail_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let Some(s) = one(&state, *id).await? else {
        return Ok(redirect_with("/strategy", false, "Strategy not found"));
    };
    let v = view(&req, &s);
    let store = std::sync::Arc::clone(&state.store);
    let sid = s.row.id;
    let alerts = blocking(move || store.alerts(sid, 100)).await??;
    let mappings: String = s
        .strategy
        .mappings
        .iter()
        .map(|m| {
            format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(m.instrument.symbol.as_str()),
                m.instrument.exchange,
                m.quantity,
                m.product
            )
        })
        .collect();
    let log: String = alerts
        .iter()
        .map(|a| {
            let at = openalgo_core::clock::ist_from_ms(a.at_ms).format("%Y-%m-%d %H:%M:%S");
            format!(
                "<tr><td>{at}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                if a.ok { "ok" } else { "refused" },
                escape(&a.payload),
                escape(&a.outcome)
            )
        })
        .collect();
    let examples: String = v["alert_examples"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, ex)| {
                    format!(
                        "<dt>{}</dt><dd><pre class=\"alert-json\" id=\"alert-{k}\">{}</pre></dd>",
                        escape(k),
                        escape(&ex.to_string())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let window = match s.strategy.schedule {
        Schedule::Intraday(w) => format!(
            "intraday: entries {}–{}, square-off {}",
            w.start().format("%H:%M"),
            w.end().format("%H:%M"),
            w.square_off().format("%H:%M")
        ),
        Schedule::Positional => "positional (no time rule)".to_owned(),
    };
    let csrf = csrf_field(&ctx.csrf);
    let body = format!(
        r#"<div class="grid2"><div class="panel"><h2>{name}</h2><dl class="kv"><dt>Platform</dt><dd>{platform}</dd><dt>Mode</dt><dd>{mode}</dd><dt>Schedule</dt><dd>{window}</dd><dt>Active</dt><dd id="strategy-active">{active}</dd><dt>Webhook URL</dt><dd><code id="webhook-url">{url}</code></dd></dl>
<form method="post" action="/strategy/{id}/toggle">{csrf}<button type="submit" id="strategy-toggle">{toggle}</button></form>
<form method="post" action="/strategy/{id}/delete" data-confirm="Delete this strategy and its alert log? Its webhook URL stops working.">{csrf}<button type="submit" class="danger" id="strategy-delete">Delete</button></form></div>
<div class="panel"><h2>Alert to paste</h2><dl class="kv">{examples}</dl></div></div>
<div class="panel"><h2>Symbols</h2><div class="table-wrap"><table id="strategy-symbols"><thead><tr><th>Symbol</th><th>Exch</th><th class="num">Qty</th><th>Product</th></tr></thead><tbody>{mappings}</tbody></table></div>
<form method="post" action="/strategy/{id}/symbols" id="strategy-map">{csrf}<label for="bulk">One per line: SYMBOL,EXCHANGE,QUANTITY,PRODUCT</label><textarea id="bulk" name="bulk" rows="4" placeholder="SBIN,NSE,10,MIS"></textarea><button type="submit" id="strategy-map-save">Add symbols</button></form></div>
<div class="panel"><h2>Alert log</h2><div class="table-wrap"><table id="strategy-log"><thead><tr><th>Time (IST)</th><th>Result</th><th>Alert</th><th>Outcome</th></tr></thead><tbody>{log}</tbody></table></div></div>"#,
        name = escape(s.strategy.name.as_str()),
        platform = escape(&s.row.platform),
        mode = s.strategy.mode.as_str(),
        active = if s.strategy.active { "on" } else { "off" },
        url = escape(v["webhook_url"].as_str().unwrap_or("")),
        id = s.row.id,
        toggle = if s.strategy.active {
            "Switch off"
        } else {
            "Switch on"
        },
    );
    Ok(page(&ctx, "/strategy", "Strategy", &body))
}

pub(super) async fn map_symbols(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let back = format!("/strategy/{id}");
    let Some(mut s) = one(&state, *id).await? else {
        return Ok(redirect_with("/strategy", false, "Strategy not found"));
    };
    if let Err(m) = add_mappings(&state, &mut s, &form_json(&form)) {
        return Ok(redirect_with(&back, false, &m));
    }
    save(&state, &s).await?;
    Ok(redirect_with(&back, true, "Symbols saved"))
}

pub(super) async fn toggle(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let Some(mut s) = one(&state, *id).await? else {
        return Ok(redirect_with("/strategy", false, "Strategy not found"));
    };
    s.strategy.active = !s.strategy.active;
    save(&state, &s).await?;
    let message = if s.strategy.active {
        "Strategy switched on"
    } else {
        "Strategy switched off: its webhook answers 404"
    };
    Ok(redirect_with(&format!("/strategy/{id}"), true, message))
}

pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let store = std::sync::Arc::clone(&state.store);
    let sid = *id;
    let gone = blocking(move || store.delete_strategy(sid)).await??;
    Ok(redirect_with(
        "/strategy",
        gone,
        if gone {
            "Strategy deleted"
        } else {
            "Strategy not found"
        },
    ))
}
