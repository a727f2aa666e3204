//! Manual IP bans (platform §5.1): list the bans in force, ban an address for some hours or for
//! good, lift a ban. Signed-in and CSRF-protected; bans are persisted and take effect at once.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::html::{csrf_field, error, escape, redirect};
use super::layout::{Ctx, page_with_status, signed_in};
use super::{FormData, admit_signed_in, blocking, field};
use crate::app::AppState;
use crate::error::ApiError;

fn when(ms: i64) -> String {
    openalgo_core::clock::ist_from_ms(ms)
        .format("%Y-%m-%d %H:%M IST")
        .to_string()
}

fn render_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    problem: Option<&str>,
) -> HttpResponse {
    let token = ctx.csrf.as_str();
    let rows: String = state
        .security
        .bans
        .active(state.clock.now_ms())
        .iter()
        .map(|(ip, b)| {
            format!(
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method="post" action="/security/unban">{}<input type="hidden" name="ip" value="{}"><button type="submit">Unban</button></form></td></tr>"#,
                escape(&ip.to_string()),
                escape(&b.reason),
                b.ban_count,
                escape(&b.created_by),
                b.expires_at_ms.map_or_else(|| "permanent".to_owned(), when),
                csrf_field(token),
                escape(&ip.to_string())
            )
        })
        .collect();
    let body = format!(
        r#"{}<div class="table-wrap"><table id="bans"><thead><tr><th>Address</th><th>Reason</th><th>Bans</th><th>By</th><th>Until</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>
<h2>Ban an address</h2><form method="post" action="/security/ban" class="row">{}
<label>IP address <input name="ip" required></label>
<label>Hours (empty or 0 = permanent) <input name="hours" inputmode="numeric"></label>
<label>Reason <input name="reason" maxlength="200"></label>
<button type="submit">Ban</button></form><p><a href="/settings">Settings</a></p>"#,
        problem.map(error).unwrap_or_default(),
        csrf_field(token)
    );
    page_with_status(ctx, status, "/settings", "IP bans", &body)
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    Ok(render_page(&state, &ctx, StatusCode::OK, None))
}

pub(super) async fn ban(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let ctx = signed_in!(state, req);
    let bad = |m: &str| render_page(&state, &ctx, StatusCode::BAD_REQUEST, Some(m));
    let Ok(ip) = field(&form, "ip").trim().parse::<IpAddr>() else {
        return Ok(bad("Not an IP address"));
    };
    let hours = match field(&form, "hours").trim() {
        "" => 0,
        h => match h.parse::<u32>() {
            Ok(n) if n <= 8_760 => n,
            _ => return Ok(bad("Hours must be a whole number from 0 to 8760")),
        },
    };
    let reason = match field(&form, "reason").trim() {
        "" => "Manual ban".to_owned(),
        r => r.chars().take(200).collect(),
    };
    let limit = state.security.config.auto_ban.repeat_offender_limit;
    let Some(record) = state.security.bans.ban(
        ip,
        &reason,
        Some(hours),
        "manual",
        limit,
        state.clock.now_ms(),
    ) else {
        return Ok(bad("The local machine cannot be banned"));
    };
    let store = Arc::clone(&state.store);
    blocking(move || store.save_ban(ip, &record)).await?;
    Ok(redirect("/security", Vec::new()))
}

pub(super) async fn unban(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    match admit_signed_in(&state, &req, &form).await? {
        Ok(_) => {}
        Err(refused) => return Ok(refused),
    };
    if let Ok(ip) = field(&form, "ip").trim().parse::<IpAddr>() {
        state.security.bans.unban(ip);
        state.security.offenders.clear_not_found(ip);
        let store = Arc::clone(&state.store);
        blocking(move || store.delete_ban(ip)).await?;
    }
    Ok(redirect("/security", Vec::new()))
}
