//! Plain server-rendered pages (the dashboard issue styles them): one layout, escaped text, no
//! inline script or style, so the strict CSP holds.

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

/// A page with `body` (already HTML) under `title` (text).
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
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · OpenAlgo-rs</title></head><body><main><h1>{}</h1>{body}</main></body></html>\n",
        escape(title),
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
