//! The signed-in shell: navigation, the live/analyze badge and switch, the theme switch, and a
//! one-shot flash message carried in a cookie across the redirect that follows every action.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::html::{csrf_field, escape, head, redirect};
use super::{csrf, session};
use crate::app::AppState;
use crate::error::ApiError;
use crate::state::Mode;

/// The flash cookie's name.
const FLASH: &str = "openalgo_flash";

/// The navigation: `(path, label)`.
const NAV: &[(&str, &str)] = &[
    ("/dashboard", "Dashboard"),
    ("/orderbook", "Orders"),
    ("/tradebook", "Trades"),
    ("/positions", "Positions"),
    ("/holdings", "Holdings"),
    ("/ticket", "Trade"),
    ("/search", "Search"),
    ("/options", "Options"),
    ("/sandbox", "Sandbox"),
    ("/strategy", "Strategies"),
    ("/action-center", "Action Center"),
    ("/risk", "Risk"),
    ("/logs", "Logs"),
    ("/apikey", "API key"),
    ("/settings", "Settings"),
    ("/broker", "Broker"),
];

/// What a signed-in page knows about its request.
#[derive(Debug)]
pub(super) struct Ctx {
    /// The session.
    pub(super) session: session::Session,
    /// The CSRF token of the session's forms.
    pub(super) csrf: String,
    /// The account pages act on.
    pub(super) mode: Mode,
    /// A message left by the previous action: `(success, text)`.
    flash: Option<(bool, String)>,
}

/// The signed-in context, or the redirect to sign in.
///
/// # Errors
/// 500 when the store fails.
pub(super) async fn ctx(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Result<Ctx, HttpResponse>, ApiError> {
    let Some(s) = session::current(state, req).await? else {
        return Ok(Err(redirect("/auth/login", Vec::new())));
    };
    Ok(Ok(Ctx {
        csrf: csrf::token(state, &s.token_hash),
        session: s,
        mode: state.mode(),
        flash: req.cookie(FLASH).and_then(|c| decode_flash(c.value())),
    }))
}

/// Unwraps a [`ctx`] result inside a handler: the context, or return the redirect.
macro_rules! signed_in {
    ($state:expr, $req:expr) => {
        match super::layout::ctx(&$state, &$req).await? {
            Ok(c) => c,
            Err(r) => return Ok(r),
        }
    };
}
pub(super) use signed_in;

fn decode_flash(value: &str) -> Option<(bool, String)> {
    let (kind, hexed) = value.split_once('.')?;
    let text = String::from_utf8(hex::decode(hexed).ok()?).ok()?;
    Some((kind == "ok", text))
}

/// A redirect to `to` that shows `message` there once.
#[must_use]
pub(super) fn redirect_with(to: &str, ok: bool, message: &str) -> HttpResponse {
    let short: String = message.chars().take(300).collect();
    let value = format!("{}.{}", if ok { "ok" } else { "err" }, hex::encode(short));
    let cookie = Cookie::build(FLASH, value)
        .path("/")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish();
    redirect(to, vec![cookie])
}

/// A signed-in page: the shell around `body` (already HTML), with `active` the navigation
/// entry to mark.
#[must_use]
pub(super) fn page(ctx: &Ctx, active: &str, title: &str, body: &str) -> HttpResponse {
    page_with_status(ctx, StatusCode::OK, active, title, body)
}

/// As [`page`] with another status.
#[must_use]
pub(super) fn page_with_status(
    ctx: &Ctx,
    status: StatusCode,
    active: &str,
    title: &str,
    body: &str,
) -> HttpResponse {
    let nav: String = NAV
        .iter()
        .map(|(path, label)| {
            format!(
                r#"<a href="{path}"{}>{label}</a>"#,
                if *path == active {
                    r#" aria-current="page""#
                } else {
                    ""
                }
            )
        })
        .collect();
    let (badge, switch_label) = match ctx.mode {
        Mode::Live => (
            r#"<span class="badge live" id="mode-badge">LIVE</span>"#,
            "Analyze",
        ),
        Mode::Analyze => (
            r#"<span class="badge analyze" id="mode-badge">ANALYZE</span>"#,
            "Live",
        ),
    };
    let flash = ctx.flash.as_ref().map_or_else(String::new, |(ok, text)| {
        format!(
            r#"<p class="flash {}" role="status" id="flash">{}</p>"#,
            if *ok { "success" } else { "error" },
            escape(text)
        )
    });
    let html = format!(
        r#"{}<body><header class="top"><a class="brand" href="/dashboard">OpenAlgo-rs</a><nav class="main">{nav}</nav>
<div class="tools">{badge}<form method="post" action="/auth/analyzer-toggle">{}<input type="hidden" name="next" value="{}"><button type="submit" class="small secondary" id="mode-toggle">Switch to {switch_label}</button></form>
<button type="button" class="small secondary" id="theme-toggle" title="Light or dark theme">Theme</button><a href="/auth/logout">Sign out</a></div></header>
<main><h1>{}</h1>{flash}{body}</main></body></html>
"#,
        head(title, Some(&ctx.csrf)),
        csrf_field(&ctx.csrf),
        escape(active),
        escape(title)
    );
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"));
    if ctx.flash.is_some() {
        let mut gone = Cookie::build(FLASH, "").path("/").finish();
        gone.make_removal();
        r.cookie(gone);
    }
    r.body(html)
}

/// A safe local path to return to after an action (`/dashboard` otherwise).
#[must_use]
pub(super) fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_and_only_local_paths_are_followed() {
        let v = format!("ok.{}", hex::encode("Order placed <1>"));
        assert_eq!(
            decode_flash(&v),
            Some((true, "Order placed <1>".to_owned()))
        );
        assert_eq!(decode_flash("err.zz"), None);
        assert_eq!(local_path("/positions"), "/positions");
        assert_eq!(local_path("//evil.example"), "/dashboard");
        assert_eq!(local_path("https://evil.example"), "/dashboard");
    }
}
