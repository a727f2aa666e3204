//! The settings page (ui.md `/profile`, `/logs/security`): session expiry, rate limits, CORS
//! and the security headers in force (set in `.env`, read at start-up), with the IP bans and
//! two-factor enrolment pages.

use actix_web::{HttpRequest, HttpResponse, web};

use super::html::escape;
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;
use crate::rate_limit::{Limit, RateLimiter};

fn limit(l: &Limit) -> String {
    if l.per == 1 {
        format!("{} per {}", l.count, l.unit)
    } else {
        format!("{} per {} {}s", l.count, l.per, l.unit)
    }
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let cfg = &state.security.config;
    let l = limiter.limits();
    let limits: String = [
        ("Order endpoints", "ORDER_RATE_LIMIT", &l.order),
        ("Smart orders", "SMART_ORDER_RATE_LIMIT", &l.smart_order),
        ("Other API endpoints", "API_RATE_LIMIT", &l.api),
        ("Option Greeks", "GREEKS_RATE_LIMIT", &l.greeks),
        ("Login per minute", "LOGIN_RATE_LIMIT_MIN", &l.login_minute),
        ("Login per hour", "LOGIN_RATE_LIMIT_HOUR", &l.login_hour),
        ("Password reset", "RESET_RATE_LIMIT", &l.reset),
        ("Webhooks", "WEBHOOK_RATE_LIMIT", &l.webhook),
    ]
    .iter()
    .map(|(label, var, v)| {
        format!(
            "<tr><td>{label}</td><td>{}</td><td><code>{var}</code></td></tr>",
            escape(&limit(v))
        )
    })
    .collect();
    let cors = cfg.cors.as_ref().map_or_else(
        || "off (<code>CORS_ENABLED=FALSE</code>)".to_owned(),
        |c| {
            format!(
                "on: origins <code>{}</code>, methods <code>{}</code>, credentials {}",
                escape(&c.origins.join(", ")),
                escape(&c.methods),
                c.credentials
            )
        },
    );
    let body = format!(
        r#"<div class="grid2"><div class="panel"><h2>Session</h2><dl class="kv"><dt>Daily expiry (IST)</dt><dd id="session-expiry">{}</dd><dt>HTTPS cookies</dt><dd>{}</dd><dt>CSRF protection</dt><dd>{}</dd><dt>Content-Security-Policy</dt><dd>{}</dd></dl><p class="muted"><code>SESSION_EXPIRY_TIME</code>, <code>CSRF_ENABLED</code>, <code>CSP_*</code></p></div>
<div class="panel"><h2>Security</h2><ul><li><a href="/security" id="link-bans">IP bans</a>: list, ban and unban addresses</li><li><a href="/auth/totp" id="link-totp">Two-factor sign-in</a>: enrol an authenticator app</li><li><a href="/auth/reset-password">Password reset</a></li></ul><h2>CORS</h2><p id="cors">{cors}</p></div></div>
<div class="panel"><h2>Rate limits</h2><div class="table-wrap"><table id="rate-limits"><thead><tr><th>Applies to</th><th>Limit</th><th>Setting</th></tr></thead><tbody>{limits}</tbody></table></div>
<p class="muted">These values come from <code>.env</code> (the reference's names) and apply after a restart.</p></div>"#,
        cfg.session_expiry.format("%H:%M"),
        if cfg.https { "secure" } else { "plain HTTP" },
        if cfg.csrf_enabled { "on" } else { "off" },
        if cfg.csp.is_some() { "on" } else { "off" },
    );
    Ok(page(&ctx, "/settings", "Settings", &body))
}
