//! HTML helpers of the server-rendered pages: escaping, the CSRF field, the page head and the
//! bare page of the sign-in screens. No inline script or style, so the strict CSP holds.

use actix_web::HttpResponse;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;

/// HTML-escapes text.
#[must_use]
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A hidden CSRF field.
#[must_use]
pub(super) fn csrf_field(token: &str) -> String {
    format!(
        r#"<input type="hidden" name="csrf_token" value="{}">"#,
        escape(token)
    )
}

/// The `<head>` every page shares: the vendored stylesheet and script (no inline code, so the
/// strict CSP holds) and, for a signed-in page, the CSRF token the script sends.
#[must_use]
pub(super) fn head(title: &str, csrf: Option<&str>) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{}\
         <title>{} · OpenAlgo-rs</title><link rel=\"stylesheet\" href=\"{}\">\
         <script src=\"{}\" defer></script></head>",
        csrf.map(|t| format!(r#"<meta name="csrf-token" content="{}">"#, escape(t)))
            .unwrap_or_default(),
        escape(title),
        super::assets::CSS_PATH,
        super::assets::JS_PATH,
    )
}

/// A page with `body` (already HTML) under `title` (text), without the navigation (the pages
/// before sign-in).
#[must_use]
pub(super) fn page(
    status: StatusCode,
    title: &str,
    body: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"));
    for c in cookies {
        r.cookie(c);
    }
    r.body(format!(
        "{}<body><main class=\"narrow\"><h1>{}</h1>{body}</main></body></html>\n",
        head(title, None),
        escape(title)
    ))
}

/// A 303 redirect (after a POST), setting `cookies`.
#[must_use]
pub(super) fn redirect(to: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut r = HttpResponse::SeeOther();
    r.insert_header(("Location", to.to_owned()));
    for c in cookies {
        r.cookie(c);
    }
    r.finish()
}

/// An error paragraph.
#[must_use]
pub(super) fn error(message: &str) -> String {
    format!(r#"<p role="alert" class="error">{}</p>"#, escape(message))
}
