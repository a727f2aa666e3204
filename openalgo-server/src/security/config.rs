//! Security settings (platform §1.6, §4, §5, §9) from the environment, with the reference's
//! variable names and defaults except where noted in `docs/compatibility.md`.

use std::path::Path;

use chrono::NaiveTime;
use secrecy::SecretString;

use super::cors::CorsConfig;
use super::headers::Csp;

/// Automatic bans of clients that probe (404s) or guess API keys (platform §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoBan {
    /// Off by default, as in the reference.
    pub enabled: bool,
    /// 404s from one unauthenticated client within 24 h that trigger a ban (1–1000).
    pub not_found_threshold: u32,
    /// Ban length for 404 probing, hours; 0 = permanent.
    pub not_found_ban_hours: u32,
    /// Invalid API keys from one client within 24 h that trigger a ban (1–100).
    pub api_key_threshold: u32,
    /// Ban length for key guessing, hours; 0 = permanent.
    pub api_key_ban_hours: u32,
    /// Bans after which the next one is permanent (1–10).
    pub repeat_offender_limit: u32,
}

impl Default for AutoBan {
    fn default() -> Self {
        Self {
            enabled: false,
            not_found_threshold: 100,
            not_found_ban_hours: 0,
            api_key_threshold: 100,
            api_key_ban_hours: 0,
            repeat_offender_limit: 2,
        }
    }
}

/// Everything the security layer needs.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// Honour proxy headers for the client address (`TRUST_PROXY_HEADERS`, default off).
    pub trust_proxy_headers: bool,
    /// Key that signs session cookies and CSRF tokens (`APP_KEY`, else `<data>/app_key`).
    pub app_key: SecretString,
    /// Daily session expiry, IST (`SESSION_EXPIRY_TIME`, default 03:00).
    pub session_expiry: NaiveTime,
    /// Served over HTTPS (`HOST_SERVER` starts with `https://`): Secure cookies and HSTS.
    pub https: bool,
    /// Whether state-changing web forms need a CSRF token (`CSRF_ENABLED`, default on).
    pub csrf_enabled: bool,
    /// Content-Security-Policy, or `None` when `CSP_ENABLED=false`.
    pub csp: Option<Csp>,
    /// `Referrer-Policy`.
    pub referrer_policy: String,
    /// `Permissions-Policy`.
    pub permissions_policy: String,
    /// CORS for `/api/*`, or `None` (the default: off).
    pub cors: Option<CorsConfig>,
    /// How long logs are kept (`TRAFFIC_LOG_RETENTION_DAYS` 30, `ORDER_LOG_RETENTION_DAYS` 365,
    /// `LOGIN_ATTEMPT_RETENTION_DAYS` 90).
    pub retention: super::traffic::Retention,
    /// Automatic bans.
    pub auto_ban: AutoBan,
}

impl Default for SecurityConfig {
    /// Defaults with a fixed, test-only app key.
    fn default() -> Self {
        Self {
            trust_proxy_headers: false,
            app_key: SecretString::from("test-app-key-".repeat(4)),
            session_expiry: NaiveTime::from_hms_opt(3, 0, 0).unwrap_or(NaiveTime::MIN),
            https: false,
            csrf_enabled: true,
            csp: Some(Csp::default()),
            referrer_policy: "strict-origin-when-cross-origin".into(),
            permissions_policy: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), screen-wake-lock=(), web-share=()".into(),
            cors: None,
            retention: super::traffic::Retention {
                traffic_days: 30,
                order_log_days: 365,
                login_days: 90,
            },
            auto_ban: AutoBan::default(),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn flag(name: &str, default: bool) -> Result<bool, String> {
    match env(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(format!("{name}: '{v}' is not a boolean")),
    }
}

fn number(name: &str, default: u32, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    match env(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| format!("{name}: '{v}' must be a number in {range:?}")),
    }
}

impl SecurityConfig {
    /// Reads the environment; the app key comes from `APP_KEY` (≥ 32 characters) or from
    /// `<data_dir>/app_key`, created once (0600).
    ///
    /// # Errors
    /// A message naming the variable that is invalid, or the key file that cannot be written.
    pub fn from_env(data_dir: &Path) -> Result<Self, String> {
        let d = Self::default();
        let app_key = match env("APP_KEY") {
            Some(k) if k.chars().count() >= 32 => SecretString::from(k),
            Some(_) => return Err("APP_KEY must have at least 32 characters".into()),
            None => super::secret_file::read_or_create(&data_dir.join("app_key"))?,
        };
        let session_expiry = match env("SESSION_EXPIRY_TIME") {
            None => d.session_expiry,
            Some(t) => NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("SESSION_EXPIRY_TIME: '{t}' is not a 24-hour HH:MM time"))?,
        };
        let csp = if flag("CSP_ENABLED", true)? {
            Some(Csp::from_env(flag("CSP_REPORT_ONLY", false)?))
        } else {
            None
        };
        let cors = if flag("CORS_ENABLED", false)? {
            Some(CorsConfig::from_env()?)
        } else {
            None
        };
        Ok(Self {
            trust_proxy_headers: flag("TRUST_PROXY_HEADERS", false)?,
            app_key,
            session_expiry,
            https: env("HOST_SERVER").is_some_and(|h| h.trim().starts_with("https://")),
            csrf_enabled: flag("CSRF_ENABLED", true)?,
            csp,
            referrer_policy: env("REFERRER_POLICY").unwrap_or(d.referrer_policy),
            permissions_policy: env("PERMISSIONS_POLICY").unwrap_or(d.permissions_policy),
            cors,
            retention: super::traffic::Retention {
                traffic_days: number("TRAFFIC_LOG_RETENTION_DAYS", 30, 1..=3650)?,
                order_log_days: number("ORDER_LOG_RETENTION_DAYS", 365, 1..=36_500)?,
                login_days: number("LOGIN_ATTEMPT_RETENTION_DAYS", 90, 1..=3650)?,
            },
            auto_ban: AutoBan {
                enabled: flag("SECURITY_AUTO_BAN", false)?,
                not_found_threshold: number("SECURITY_404_THRESHOLD", 100, 1..=1000)?,
                not_found_ban_hours: number("SECURITY_404_BAN_HOURS", 0, 0..=8760)?,
                api_key_threshold: number("SECURITY_API_KEY_THRESHOLD", 100, 1..=100)?,
                api_key_ban_hours: number("SECURITY_API_KEY_BAN_HOURS", 0, 0..=8760)?,
                repeat_offender_limit: number("SECURITY_REPEAT_OFFENDER_LIMIT", 2, 1..=10)?,
            },
        })
    }
}
