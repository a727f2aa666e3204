//! The Action Center (ui.md `/action-center`, platform §3.3): a semi-auto user's queued orders
//! in tabs (pending, approved, rejected, all) with statistics, approve / reject (with a
//! reason) / approve all / delete, and the order-mode switch. The page follows the queue live
//! through `/action-center/events` (server-sent events).
//!
//! Each change answers a form (CSRF field, redirect back with a message) or a script (JSON body
//! or none, `X-CSRF-Token` header, JSON answer), as the reference's JSON routes do:
//! `GET /action-center/api/data?status=`, `GET /action-center/count`,
//! `POST /action-center/approve/{id}`, `POST /action-center/approve-all`,
//! `POST /action-center/reject/{id}`, `DELETE /action-center/delete/{id}` and
//! `POST /apikey/mode`.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::automation::{OrderMode, PendingStatus};
use serde_json::{Value, json};

use super::html::{csrf_field, escape};
use super::layout::{page, redirect_with, signed_in};
use super::{csrf, csrf_failed, session, username};
use crate::action_center::summary::row_json;
use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::v1::approved::{self, Approval};
use crate::store::Decision;

/// At most this many rows per tab.
const PAGE_ROWS: usize = 500;

/// How a change was sent.
enum Via {
    /// A page's form (its fields).
    Form(HashMap<String, String>),
    /// A script: JSON (or no) body.
    Script(Value),
}

/// The signed-in user of a change, its CSRF token checked (the form's field or the script's
/// header); the refusal otherwise.
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Result<(i64, Via), HttpResponse>, ApiError> {
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let via = if is_form {
        Via::Form(form_urlencoded::parse(body).into_owned().collect())
    } else {
        Via::Script(serde_json::from_slice(body).unwrap_or(Value::Null))
    };
    let Some(s) = session::current(state, req).await? else {
        return Ok(Err(match via {
            Via::Form(_) => super::html::redirect("/auth/login", Vec::new()),
            Via::Script(_) => HttpResponse::Unauthorized()
                .json(json!({"status": "error", "message": "Sign in first"})),
        }));
    };
    let presented = match &via {
        Via::Form(f) => f.get("csrf_token").map(String::as_str),
        Via::Script(_) => req
            .headers()
            .get("x-csrf-token")
            .or_else(|| req.headers().get("x-csrftoken"))
            .and_then(|v| v.to_str().ok()),
    };
    if !csrf::valid(state, req, Some(&s), presented) {
        return Ok(Err(match via {
            Via::Form(_) => csrf_failed(),
            Via::Script(_) => HttpResponse::BadRequest()
                .json(json!({"status": "error", "message": "CSRF token missing or invalid"})),
        }));
    }
    Ok(Ok((s.user_id, via)))
}

/// The answer to a change: a redirect with `message` for a form, JSON for a script.
fn answer(via: &Via, ok: bool, message: &str, json: Value) -> HttpResponse {
    match via {
        Via::Form(_) => redirect_with("/action-center", ok, message),
        Via::Script(_) if ok => HttpResponse::Ok().json(json),
        Via::Script(_) => HttpResponse::BadRequest().json(json),
    }
}

fn status_filter(query: &HashMap<String, String>) -> Result<Option<PendingStatus>, String> {
    match query.get("status").map(String::as_str) {
        None | Some("" | "pending") => Ok(Some(PendingStatus::Pending)),
        Some("all") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|e| format!("{e}")),
    }
}

/// Rows and statistics of a user's queue.
async fn data(
    state: &AppState,
    user_id: i64,
    status: Option<PendingStatus>,
) -> Result<(Vec<Value>, Value), ApiError> {
    let center = &state.action_center;
    let rows: Vec<Value> = center
        .list(user_id, status, PAGE_ROWS)
        .await?
        .iter()
        .map(row_json)
        .collect();
    let [pending, approved, rejected] = center.counts(user_id).await?;
    let side = |a: &str| rows.iter().filter(|r| r["action"] == a).count();
    let stats = json!({
        "total_pending": pending,
        "total_approved": approved,
        "total_rejected": rejected,
        "total_buy_orders": side("BUY"),
        "total_sell_orders": side("SELL"),
    });
    Ok((rows, stats))
}

/// `GET /action-center/api/data?status=pending|approved|rejected|all`.
pub(super) async fn api_data(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = session::current(&state, &req).await? else {
        return Ok(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"})));
    };
    let status = match status_filter(&query) {
        Ok(s) => s,
        Err(m) => {
            return Ok(HttpResponse::BadRequest().json(json!({"status": "error", "message": m})));
        }
    };
    let (orders, statistics) = data(&state, s.user_id, status).await?;
    let mode = state.action_center.mode(s.user_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "data": {"orders": orders, "statistics": statistics, "order_mode": mode.as_str()},
    })))
}

/// `GET /action-center/count`: the number of pending orders (the navigation badge).
pub(super) async fn count(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = session::current(&state, &req).await? else {
        return Ok(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"})));
    };
    let [pending, ..] = state.action_center.counts(s.user_id).await?;
    Ok(HttpResponse::Ok().json(json!({"count": pending})))
}

fn approval_json(a: &Approval) -> Value {
    json!({
        "pending_order_id": a.id,
        "status": if a.executed { "success" } else { "warning" },
        "orderid": a.order_id,
        "message": if a.executed {
            "Order approved and executed".to_owned()
        } else {
            format!("Order approved but execution failed: {}", a.message)
        },
        "response": a.answer,
    })
}

fn not_pending(id: i64) -> String {
    format!("Pending order {id} is not waiting for approval (already decided, or not yours)")
}

/// `POST /action-center/approve/{id}`: approves and executes at once.
pub(super) async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, via) = match admit(&state, &req, &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let id = id.into_inner();
    let by = username(&state, user_id).await?;
    Ok(match approved::approve(&state, user_id, id, &by).await? {
        None => {
            let m = not_pending(id);
            answer(&via, false, &m, json!({"status": "error", "message": m}))
        }
        Some(a) => {
            let j = approval_json(&a);
            let m = j["message"].as_str().unwrap_or_default().to_owned();
            // Approved either way: the execution's failure is a warning, as the reference's.
            match via {
                Via::Form(_) => redirect_with("/action-center", a.executed, &m),
                Via::Script(_) => HttpResponse::Ok().json(j),
            }
        }
    })
}

/// `POST /action-center/approve-all`.
pub(super) async fn approve_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, via) = match admit(&state, &req, &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let by = username(&state, user_id).await?;
    let done = approved::approve_all(&state, user_id, &by).await?;
    let failed = done.iter().filter(|a| !a.executed).count();
    let message = format!(
        "{} order(s) approved: {} executed, {failed} failed",
        done.len(),
        done.len() - failed
    );
    let results: Vec<Value> = done.iter().map(approval_json).collect();
    Ok(match via {
        Via::Form(_) => redirect_with("/action-center", failed == 0, &message),
        Via::Script(_) => HttpResponse::Ok().json(json!({
            "status": if failed == 0 { "success" } else { "warning" },
            "message": message,
            "results": results,
        })),
    })
}

/// `POST /action-center/reject/{id}` with `reason` (default "No reason provided").
pub(super) async fn reject(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, via) = match admit(&state, &req, &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let id = id.into_inner();
    let reason = match &via {
        Via::Form(f) => f.get("reason").cloned(),
        Via::Script(j) => j["reason"].as_str().map(str::to_owned),
    }
    .map(|r| r.trim().chars().take(500).collect::<String>())
    .filter(|r| !r.is_empty())
    .unwrap_or_else(|| "No reason provided".into());
    let by = username(&state, user_id).await?;
    let done = state
        .action_center
        .decide(user_id, id, Decision::Reject(reason), by)
        .await?;
    Ok(if done {
        let m = format!("Pending order {id} rejected");
        answer(&via, true, &m, json!({"status": "success", "message": m}))
    } else {
        let m = not_pending(id);
        answer(&via, false, &m, json!({"status": "error", "message": m}))
    })
}

/// `DELETE /action-center/delete/{id}` (or a form's POST): only decided orders.
pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, via) = match admit(&state, &req, &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let id = id.into_inner();
    Ok(if state.action_center.delete(user_id, id).await? {
        let m = format!("Order {id} deleted");
        answer(&via, true, &m, json!({"status": "success", "message": m}))
    } else {
        let m = format!("Order {id} cannot be deleted: it is pending, or not yours");
        answer(&via, false, &m, json!({"status": "error", "message": m}))
    })
}

/// `POST /apikey/mode` with `mode` = `auto` | `semi_auto`.
pub(super) async fn set_mode(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, via) = match admit(&state, &req, &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let asked = match &via {
        Via::Form(f) => f.get("mode").cloned(),
        Via::Script(j) => j["mode"].as_str().map(str::to_owned),
    }
    .unwrap_or_default();
    let mode: OrderMode = match asked.parse() {
        Ok(m) => m,
        Err(e) => {
            let m = e.to_string();
            return Ok(answer(
                &via,
                false,
                &m,
                json!({"status": "error", "message": m}),
            ));
        }
    };
    state.action_center.set_mode(user_id, mode).await?;
    let m = format!("Order mode set to {}", label(mode));
    Ok(match &via {
        // Back to the page the switch was on (only these two have it).
        Via::Form(f) if f.get("back").map(String::as_str) == Some("/apikey") => {
            redirect_with("/apikey", true, &m)
        }
        _ => answer(
            &via,
            true,
            &m,
            json!({"status": "success", "message": m, "mode": mode.as_str()}),
        ),
    })
}

const fn label(mode: OrderMode) -> &'static str {
    match mode {
        OrderMode::Auto => "Auto",
        OrderMode::SemiAuto => "Semi-Auto",
    }
}

/// `GET /action-center/events`: the user's queue changes as server-sent events
/// (`pending_order_created`, `pending_order_updated`), with a keep-alive comment every 15 s.
pub(super) async fn events(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = session::current(&state, &req).await? else {
        return Ok(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"})));
    };
    let user_id = s.user_id;
    let rx = state.action_center.subscribe();
    let stream = futures::stream::unfold(rx, move |mut rx| async move {
        loop {
            let frame = match tokio::time::timeout(Duration::from_secs(15), rx.recv()).await {
                Err(_) => ": keep-alive\n\n".to_owned(),
                Ok(Ok(c)) if c.user_id == user_id => format!(
                    "event: {}\ndata: {}\n\n",
                    c.event,
                    json!({"pending_order_id": c.pending_order_id})
                ),
                Ok(Ok(_)) => continue,
                // Missed changes: tell the page to read the queue again.
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                    "event: pending_order_updated\ndata: {}\n\n".to_owned()
                }
                Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return None,
            };
            return Some((Ok::<_, actix_web::Error>(web::Bytes::from(frame)), rx));
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// `GET /action-center?status=`: the page.
pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let user_id = ctx.session.user_id;
    let status = status_filter(&query).unwrap_or(Some(PendingStatus::Pending));
    let (rows, stats) = data(&state, user_id, status).await?;
    let mode = state.action_center.mode(user_id).await?;
    let csrf = csrf_field(&ctx.csrf);
    let current = status.map_or("all", PendingStatus::as_str);
    let tabs: String = ["pending", "approved", "rejected", "all"]
        .iter()
        .map(|t| {
            format!(
                r#"<a class="tab{}" href="/action-center?status={t}" id="tab-{t}">{}</a>"#,
                if *t == current { " active" } else { "" },
                t[..1].to_uppercase() + &t[1..]
            )
        })
        .collect();
    let table_rows: String = rows.iter().map(|r| row_html(r, &csrf)).collect();
    let other = match mode {
        OrderMode::Auto => OrderMode::SemiAuto,
        OrderMode::SemiAuto => OrderMode::Auto,
    };
    let body = format!(
        r#"<div class="panel" id="action-center" data-events="/action-center/events"><h2>Action Center</h2>
<p>Order mode: <strong id="order-mode" data-mode="{mode}">{mode_label}</strong>. In Semi-Auto mode, orders from the API and webhooks (placeorder, placesmartorder, basketorder, splitorder, optionsorder, optionsmultiorder, placegttorder) wait here for approval; modify, cancel and close calls are refused on the live account.</p>
<form method="post" action="/apikey/mode" class="inline">{csrf}<input type="hidden" name="mode" value="{other}"><button type="submit" class="secondary" id="toggle-mode">Switch to {other_label}</button></form>
<div class="cards"><div class="card"><div class="label">Pending</div><div class="value" id="stat-pending">{p}</div></div><div class="card"><div class="label">Approved</div><div class="value" id="stat-approved">{a}</div></div><div class="card"><div class="label">Rejected</div><div class="value" id="stat-rejected">{r}</div></div><div class="card"><div class="label">Buy / Sell (this tab)</div><div class="value">{b} / {s}</div></div></div>
<nav class="tabs">{tabs}</nav>
<form method="post" action="/action-center/approve-all" class="inline" data-confirm="Approve and execute every pending order?">{csrf}<button type="submit" id="approve-all">Approve all</button></form>
<div class="table-wrap"><table id="pending-orders"><thead><tr><th>#</th><th>Created (IST)</th><th>Strategy</th><th>Symbol</th><th>Exchange</th><th>Action</th><th class="num">Qty</th><th class="num">Price</th><th>Type</th><th>Product</th><th>Endpoint</th><th>Status</th><th>Outcome</th><th></th></tr></thead><tbody>{table_rows}</tbody></table></div></div>"#,
        mode = mode.as_str(),
        mode_label = label(mode),
        other = other.as_str(),
        other_label = label(other),
        p = stats["total_pending"],
        a = stats["total_approved"],
        r = stats["total_rejected"],
        b = stats["total_buy_orders"],
        s = stats["total_sell_orders"],
    );
    Ok(page(&ctx, "/action-center", "Action Center", &body))
}

fn row_html(r: &Value, csrf: &str) -> String {
    let t = |k: &str| escape(r[k].as_str().unwrap_or_default());
    let id = r["id"].as_i64().unwrap_or_default();
    let status = r["status"].as_str().unwrap_or_default();
    let outcome = match status {
        "rejected" => t("rejected_reason"),
        "approved" => match (r["broker_order_id"].as_str(), r["broker_status"].as_str()) {
            (Some(o), _) => format!("order {}", escape(o)),
            (None, Some(s)) => escape(s),
            (None, None) => "executing".into(),
        },
        _ => String::new(),
    };
    let actions = if status == "pending" {
        format!(
            r#"<form method="post" action="/action-center/approve/{id}" class="inline">{csrf}<button type="submit" class="approve" data-approve="{id}">Approve</button></form><form method="post" action="/action-center/reject/{id}" class="inline">{csrf}<input name="reason" placeholder="Reason" maxlength="500" aria-label="Reason"><button type="submit" class="danger" data-reject="{id}">Reject</button></form>"#
        )
    } else {
        format!(
            r#"<form method="post" action="/action-center/delete/{id}" class="inline" data-confirm="Delete this entry?">{csrf}<button type="submit" class="secondary" data-delete="{id}">Delete</button></form>"#
        )
    };
    format!(
        r#"<tr data-pending="{id}" data-status="{status}"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{status}</td><td class="outcome">{outcome}</td><td>{actions}</td></tr>"#,
        t("created_at"),
        t("strategy"),
        t("symbol"),
        t("exchange"),
        t("action"),
        t("quantity"),
        t("price"),
        t("pricetype"),
        t("product"),
        t("api_type"),
    )
}
