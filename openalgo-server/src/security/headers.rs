//! Response headers on every answer (platform §5.3, §5.4): Content-Security-Policy built from
//! its directives, `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`,
//! `X-XSS-Protection`, `Referrer-Policy`, `Permissions-Policy`, and HSTS when served over HTTPS.
//! A CSP a route set itself wins.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use super::SecurityConfig;

/// The CSP directives, in the reference's order, with this project's stricter defaults: no
/// CDN and no inline script or style, as every asset is vendored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    /// `(directive, value)`; a directive with an empty value is left out.
    pub directives: Vec<(&'static str, String)>,
    /// Send as `Content-Security-Policy-Report-Only`.
    pub report_only: bool,
}

const DIRECTIVES: [(&str, &str, &str); 14] = [
    ("default-src", "CSP_DEFAULT_SRC", "'self'"),
    ("script-src", "CSP_SCRIPT_SRC", "'self'"),
    ("style-src", "CSP_STYLE_SRC", "'self'"),
    ("img-src", "CSP_IMG_SRC", "'self' data: blob:"),
    ("connect-src", "CSP_CONNECT_SRC", "'self' wss: ws:"),
    ("font-src", "CSP_FONT_SRC", "'self'"),
    ("object-src", "CSP_OBJECT_SRC", "'none'"),
    ("media-src", "CSP_MEDIA_SRC", "'self'"),
    ("frame-src", "CSP_FRAME_SRC", "'self'"),
    ("child-src", "CSP_CHILD_SRC", ""),
    ("form-action", "CSP_FORM_ACTION", "'self'"),
    ("base-uri", "CSP_BASE_URI", "'self'"),
    ("frame-ancestors", "CSP_FRAME_ANCESTORS", "'none'"),
    ("report-uri", "CSP_REPORT_URI", ""),
];

impl Default for Csp {
    fn default() -> Self {
        Self {
            directives: DIRECTIVES
                .iter()
                .map(|(d, _, v)| (*d, (*v).to_owned()))
                .collect(),
            report_only: false,
        }
    }
}

impl Csp {
    /// Directives from `CSP_*` variables over the defaults.
    #[must_use]
    pub fn from_env(report_only: bool) -> Self {
        let mut directives: Vec<(&'static str, String)> = DIRECTIVES
            .iter()
            .map(|(d, var, v)| {
                let value = std::env::var(var).unwrap_or_else(|_| (*v).to_owned());
                (*d, value)
            })
            .collect();
        if std::env::var("CSP_UPGRADE_INSECURE_REQUESTS")
            .is_ok_and(|v| v.eq_ignore_ascii_case("true"))
        {
            directives.push(("upgrade-insecure-requests", String::new()));
        }
        Self {
            directives,
            report_only,
        }
    }

    /// The header value: directives joined with `; `.
    #[must_use]
    pub fn value(&self) -> String {
        self.directives
            .iter()
            .filter(|(d, v)| !v.trim().is_empty() || *d == "upgrade-insecure-requests")
            .map(|(d, v)| {
                if v.trim().is_empty() {
                    (*d).to_owned()
                } else {
                    format!("{d} {}", v.trim())
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The headers every response gets, precomputed once.
#[derive(Debug, Clone)]
pub struct SecurityHeaders(Vec<(HeaderName, HeaderValue)>);

impl SecurityHeaders {
    /// From the configuration.
    #[must_use]
    pub fn new(config: &SecurityConfig) -> Self {
        let mut h = Vec::new();
        let mut add = |name: &'static str, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.push((HeaderName::from_static(name), v));
            }
        };
        if let Some(csp) = &config.csp {
            let name = if csp.report_only {
                "content-security-policy-report-only"
            } else {
                "content-security-policy"
            };
            add(name, &csp.value());
        }
        add("x-frame-options", "DENY");
        add("x-content-type-options", "nosniff");
        add("x-xss-protection", "1; mode=block");
        add("referrer-policy", &config.referrer_policy);
        add("permissions-policy", &config.permissions_policy);
        if config.https {
            add(
                "strict-transport-security",
                "max-age=63072000; includeSubDomains",
            );
        }
        Self(h)
    }
}

/// Adds the security headers to every response (a header the route set is kept).
///
/// # Errors
/// Only the inner service's errors.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let headers = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let mut res = next.call(req).await?;
    if let Some(headers) = headers {
        let map = res.headers_mut();
        for (name, value) in &headers.0 {
            if !map.contains_key(name) {
                map.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_joins_non_empty_directives() {
        let v = Csp::default().value();
        assert!(v.starts_with("default-src 'self'; script-src 'self'; style-src 'self'"));
        assert!(v.contains("object-src 'none'") && v.contains("frame-ancestors 'none'"));
        assert!(!v.contains("child-src") && !v.contains("report-uri"));
    }

    #[test]
    fn hsts_only_over_https() {
        let plain = SecurityHeaders::new(&SecurityConfig::default());
        assert!(
            !plain
                .0
                .iter()
                .any(|(n, _)| n == "strict-transport-security")
        );
        let https = SecurityHeaders::new(&SecurityConfig {
            https: true,
            ..SecurityConfig::default()
        });
        assert!(
            https
                .0
                .iter()
                .any(|(n, _)| n == "strict-transport-security")
        );
    }
}
