//! Typed settings from CLI flags, the environment and a `.env` file, accepting OpenAlgo's
//! variable names where they apply (`FLASK_HOST_IP`, `FLASK_PORT`, `DATABASE_URL`,
//! `API_KEY_PEPPER`, `BROKER`).

use std::path::{Path, PathBuf};

use openalgo_brokers::registry::{self, BrokerSettings, ConfigError};
use rand::RngCore;
use secrecy::SecretString;

/// Where the server runs and keeps its data.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Bind address (default 127.0.0.1).
    pub host: String,
    /// Port (default 5000; 0 picks a free one).
    pub port: u16,
    /// Data directory (default `./data`).
    pub data_dir: PathBuf,
    /// SQLite database file (unused when [`Settings::postgres`] is set).
    pub database_path: PathBuf,
    /// The PostgreSQL database, when `DATABASE_URL` names one.
    pub postgres: Option<PostgresSettings>,
    /// Pepper appended to passwords and API keys before hashing (≥ 32 characters).
    pub pepper: SecretString,
    /// Salt of the Fernet key that encrypts secrets at rest (`FERNET_SALT`, hex).
    pub fernet_salt: Vec<u8>,
    /// Broker id (`BROKER`): a name in `openalgo_brokers::registry`, its default when unset.
    pub broker: String,
    /// The broker's settings, read by its registry entry (opaque here).
    pub broker_settings: BrokerSettings,
    /// A master contract downloaded today before this IST time is downloaded again
    /// (`MASTER_CONTRACT_CUTOFF_TIME`, HH:MM, default 08:00).
    pub master_cutoff: chrono::NaiveTime,
    /// Rate limits (`ORDER_RATE_LIMIT`, `SMART_ORDER_RATE_LIMIT`, `API_RATE_LIMIT`, `GREEKS_RATE_LIMIT`,
    /// `LOGIN_RATE_LIMIT_MIN`, `LOGIN_RATE_LIMIT_HOUR`, `RESET_RATE_LIMIT`, `WEBHOOK_RATE_LIMIT`).
    pub rate_limits: crate::security::rate_limit::RateLimits,
    /// Security: proxies, app key, session expiry, headers, CORS, retention, auto-bans.
    pub security: crate::security::SecurityConfig,
    /// WebSocket listener address (`WEBSOCKET_HOST`, default 127.0.0.1).
    pub ws_host: String,
    /// WebSocket port (`WEBSOCKET_PORT`, default 8765; 0 picks a free one).
    pub ws_port: u16,
    /// The optional ZeroMQ bus.
    pub bus: crate::stream::BusConfig,
    /// WebSocket timing (`WS_AUTH_GRACE_SECONDS`, `WS_PING_INTERVAL`, `WS_PING_TIMEOUT`) and
    /// the upstream stall watchdog (`WS_STALL_SECONDS`).
    pub ws_timing: crate::stream::Timing,
    /// The risk rules' defaults (`RISK_*`).
    pub risk: crate::risk::RiskDefaults,
    /// Shared state between instances (`REDIS_URL`, `REDIS_PREFIX`, `REDIS_TIMEOUT_MS`);
    /// `None` keeps everything in process.
    pub redis: Option<crate::cluster::RedisConfig>,
    /// Who may read `/metrics` (`METRICS_ALLOW`, `METRICS_TOKEN`).
    pub metrics: crate::metrics::MetricsAccess,
}

/// Settings that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The broker is unknown or its settings are incomplete.
    #[error(transparent)]
    Broker(#[from] ConfigError),
    /// The data directory or pepper file cannot be written.
    #[error("cannot prepare {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Whether a boolean variable is set to true.
fn flag_on(name: &str) -> bool {
    env(&[name]).is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

/// A whole number of seconds (1–3600) from `name`, or `default`.
fn seconds(name: &str, default: u64) -> Result<std::time::Duration, SettingsError> {
    seconds_of(name, env(&[name]), default)
}

/// A whole number of seconds (1–3600) from `value` (the variable `name`), or `default`.
fn seconds_of(
    name: &str,
    value: Option<String>,
    default: u64,
) -> Result<std::time::Duration, SettingsError> {
    let n = match value {
        None => default,
        Some(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=3600).contains(v))
            .ok_or_else(|| {
                SettingsError::Invalid(format!("{name}: '{s}' is not 1–3600 seconds"))
            })?,
    };
    Ok(std::time::Duration::from_secs(n))
}

/// A PostgreSQL database: `DATABASE_URL=postgresql://…` (or `postgres://…`) and
/// `DATABASE_POOL_SIZE` connections.
#[derive(Debug, Clone)]
pub struct PostgresSettings {
    /// The URL (it may hold a password: never logged or echoed).
    pub url: SecretString,
    /// Connections in the pool (default [`crate::store::DEFAULT_POOL_SIZE`]).
    pub pool_size: usize,
}

/// Whether `url` names a PostgreSQL database.
fn is_postgres(url: &str) -> bool {
    ["postgresql://", "postgres://"].iter().any(|p| {
        url.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    })
}

/// `DATABASE_POOL_SIZE`: 1 to 256 connections.
fn pool_size(value: Option<String>) -> Result<usize, SettingsError> {
    value.map_or(Ok(crate::store::DEFAULT_POOL_SIZE), |v| {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .ok_or_else(|| {
                SettingsError::Invalid(format!("DATABASE_POOL_SIZE: '{v}' is not 1–256"))
            })
    })
}

/// `REDIS_URL` with its prefix (`REDIS_PREFIX`, default `openalgo:`) and call timeout
/// (`REDIS_TIMEOUT_MS`, 1–60000, default 500).
fn redis_config(
    url: Option<String>,
    prefix: Option<String>,
    timeout_ms: Option<String>,
    advertise: Option<String>,
) -> Result<Option<crate::cluster::RedisConfig>, SettingsError> {
    let Some(url) = url else { return Ok(None) };
    let timeout_ms = match timeout_ms {
        None => 500,
        Some(t) => t
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=60_000).contains(v))
            .ok_or_else(|| {
                SettingsError::Invalid(format!(
                    "REDIS_TIMEOUT_MS: '{t}' is not 1–60000 milliseconds"
                ))
            })?,
    };
    let url = url.trim().to_owned();
    if !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://"))
    {
        // The value is not echoed: it may hold a password.
        return Err(SettingsError::Invalid(
            "REDIS_URL must start with redis://, rediss:// or unix://".into(),
        ));
    }
    let advertise = match advertise.map(|a| a.trim().trim_end_matches('/').to_owned()) {
        Some(a) if !a.starts_with("http://") || a.len() <= "http://".len() => {
            return Err(SettingsError::Invalid(format!(
                "CLUSTER_ADVERTISE_URL: '{a}' is not an http:// address of this instance"
            )));
        }
        a => a,
    };
    Ok(Some(crate::cluster::RedisConfig {
        url: SecretString::from(url),
        prefix: prefix.unwrap_or_else(|| "openalgo:".into()),
        timeout: std::time::Duration::from_millis(timeout_ms),
        advertise,
    }))
}

/// `sqlite:///path` or a plain path.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite:///")
        .or_else(|| url.strip_prefix("sqlite://"))?;
    Some(PathBuf::from(rest))
}

/// Reads the pepper from the environment, else from `<data>/pepper`, else creates one there
/// (0600) so a newcomer needs no configuration and restarts keep their keys.
fn pepper(data_dir: &Path) -> Result<SecretString, SettingsError> {
    if let Some(p) = env(&["API_KEY_PEPPER"]) {
        if p.len() < 32 {
            return Err(SettingsError::Invalid(
                "API_KEY_PEPPER must be at least 32 characters".into(),
            ));
        }
        return Ok(SecretString::from(p));
    }
    crate::security::secret_file::read_or_create(&data_dir.join("pepper"))
        .map_err(SettingsError::Invalid)
}

/// Reads `FERNET_SALT` (hex, ≥ 32 characters) from the environment, else from
/// `<data>/fernet_salt`, else creates one there (16 random bytes, 0600).
fn fernet_salt(data_dir: &Path) -> Result<Vec<u8>, SettingsError> {
    let parse = |text: &str| hex::decode(text.trim()).ok().filter(|b| b.len() >= 16);
    if let Some(s) = env(&["FERNET_SALT"]) {
        return parse(&s).ok_or_else(|| {
            SettingsError::Invalid("FERNET_SALT must be at least 32 hex characters".into())
        });
    }
    let path = data_dir.join("fernet_salt");
    let io = |source| SettingsError::Io {
        path: path.clone(),
        source,
    };
    if let Ok(text) = std::fs::read_to_string(&path) {
        return parse(&text).ok_or_else(|| {
            SettingsError::Invalid(format!("{} is not a hex salt", path.display()))
        });
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    std::fs::write(&path, hex::encode(bytes)).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    Ok(bytes.to_vec())
}

impl Settings {
    /// Builds settings: explicit values win, then the environment (after loading `.env`),
    /// then defaults.
    ///
    /// # Errors
    /// [`SettingsError`] for invalid values or an unwritable data directory.
    pub fn load(
        host: Option<String>,
        port: Option<u16>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self, SettingsError> {
        let _ = dotenvy::dotenv();
        let host = host
            .or_else(|| env(&["OPENALGO_HOST", "FLASK_HOST_IP"]))
            .unwrap_or_else(|| "127.0.0.1".into());
        let port = match port {
            Some(p) => p,
            None => env(&["OPENALGO_PORT", "FLASK_PORT"])
                .map(|p| {
                    p.parse()
                        .map_err(|_| SettingsError::Invalid(format!("invalid port '{p}'")))
                })
                .transpose()?
                .unwrap_or(5000),
        };
        let data_dir = data_dir
            .or_else(|| env(&["OPENALGO_DATA_DIR"]).map(PathBuf::from))
            .unwrap_or_else(|| "data".into());
        let url = env(&["DATABASE_URL"]);
        let postgres = match url.as_deref() {
            Some(u) if is_postgres(u) => Some(PostgresSettings {
                url: SecretString::from(u.to_owned()),
                pool_size: pool_size(env(&["DATABASE_POOL_SIZE"]))?,
            }),
            _ => None,
        };
        let database_path = match url {
            Some(_) if postgres.is_some() => data_dir.join("openalgo.db"),
            // Not echoed: a URL can carry a password.
            Some(url) => sqlite_path(&url).ok_or_else(|| {
                SettingsError::Invalid(
                    "DATABASE_URL is not supported: use sqlite:///<path> or postgresql://…".into(),
                )
            })?,
            None => data_dir.join("openalgo.db"),
        };
        let broker = env(&["BROKER"]).unwrap_or_else(|| registry::DEFAULT_BROKER.into());
        let broker_settings = registry::configure(&broker, &|name| env(&[name]))?;
        let master_cutoff = match env(&["MASTER_CONTRACT_CUTOFF_TIME"]) {
            None => chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            Some(t) => chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
                SettingsError::Invalid(format!("MASTER_CONTRACT_CUTOFF_TIME: '{t}' is not HH:MM"))
            })?,
        };
        let mut rate_limits = crate::security::rate_limit::RateLimits::default();
        for (name, slot) in [
            ("ORDER_RATE_LIMIT", &mut rate_limits.order),
            ("SMART_ORDER_RATE_LIMIT", &mut rate_limits.smart_order),
            ("API_RATE_LIMIT", &mut rate_limits.api),
            ("GREEKS_RATE_LIMIT", &mut rate_limits.greeks),
            ("LOGIN_RATE_LIMIT_MIN", &mut rate_limits.login_minute),
            ("LOGIN_RATE_LIMIT_HOUR", &mut rate_limits.login_hour),
            ("RESET_RATE_LIMIT", &mut rate_limits.reset),
            ("WEBHOOK_RATE_LIMIT", &mut rate_limits.webhook),
        ] {
            if let Some(text) = env(&[name]) {
                *slot = crate::security::rate_limit::Limit::parse(&text)
                    .map_err(|e| SettingsError::Invalid(format!("{name}: {e}")))?;
            }
        }
        let pepper = pepper(&data_dir)?;
        let security =
            crate::security::SecurityConfig::from_env(&data_dir).map_err(SettingsError::Invalid)?;
        let fernet_salt = fernet_salt(&data_dir)?;
        Ok(Self {
            host,
            port,
            data_dir,
            database_path,
            postgres,
            pepper,
            fernet_salt,
            broker,
            broker_settings,
            master_cutoff,
            rate_limits,
            security,
            ws_host: env(&["WEBSOCKET_HOST"]).unwrap_or_else(|| "127.0.0.1".into()),
            ws_port: match env(&["WEBSOCKET_PORT"]) {
                None => 8765,
                Some(p) => p.trim().parse().map_err(|_| {
                    SettingsError::Invalid(format!("WEBSOCKET_PORT: '{p}' is not a port"))
                })?,
            },
            bus: crate::stream::BusConfig {
                publish: flag_on("ZMQ_PUB_ENABLED").then(|| {
                    env(&["ZMQ_PUB_ADDRESS"]).unwrap_or_else(|| "tcp://127.0.0.1:5556".into())
                }),
                subscribe: flag_on("ZMQ_SUB_ENABLED").then(|| {
                    format!(
                        "tcp://{}:{}",
                        env(&["ZMQ_HOST"]).unwrap_or_else(|| "127.0.0.1".into()),
                        env(&["ZMQ_PORT"]).unwrap_or_else(|| "5555".into())
                    )
                }),
            },
            ws_timing: crate::stream::Timing {
                auth_grace: seconds("WS_AUTH_GRACE_SECONDS", 15)?,
                ping_interval: seconds("WS_PING_INTERVAL", 20)?,
                ping_timeout: seconds("WS_PING_TIMEOUT", 20)?,
                stall: seconds("WS_STALL_SECONDS", 30)?,
            },
            risk: crate::risk::RiskDefaults::from_vars(&|name| env(&[name]))
                .map_err(|e| SettingsError::Invalid(e.0))?,
            redis: redis_config(
                env(&["REDIS_URL"]),
                env(&["REDIS_PREFIX"]),
                env(&["REDIS_TIMEOUT_MS"]),
                env(&["CLUSTER_ADVERTISE_URL"]),
            )?,
            metrics: crate::metrics::MetricsAccess::from_vars(&|name| env(&[name]))
                .map_err(SettingsError::Invalid)?,
        })
    }
}

/// Test settings: a variable reader over `pairs` (what `from_vars` constructors read instead of
/// the process environment).
#[cfg(test)]
pub(crate) fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_settings() {
        assert!(redis_config(None, None, None, None).unwrap().is_none());
        let c = redis_config(Some("redis://127.0.0.1:6379".into()), None, None, None)
            .unwrap()
            .unwrap();
        assert_eq!(c.prefix, "openalgo:");
        assert_eq!(c.timeout.as_millis(), 500);
        let c = redis_config(
            Some("redis://h".into()),
            Some("x:".into()),
            Some("250".into()),
            Some("http://10.0.0.5:5000/".into()),
        )
        .unwrap()
        .unwrap();
        assert_eq!((c.prefix.as_str(), c.timeout.as_millis()), ("x:", 250));
        assert_eq!(c.advertise.as_deref(), Some("http://10.0.0.5:5000"));
        for bad in ["10.0.0.5:5000", "https://h", "http://"] {
            let r = redis_config(Some("redis://h".into()), None, None, Some(bad.into()));
            assert!(r.is_err(), "{bad}");
        }
        let e = redis_config(Some("http://:hunter2@h".into()), None, None, None).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(redis_config(Some("redis://h".into()), None, Some("0".into()), None).is_err());
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            sqlite_path("sqlite:///db/openalgo.db"),
            Some(PathBuf::from("db/openalgo.db"))
        );
        assert_eq!(sqlite_path("postgres://x"), None);
        assert!(is_postgres("postgresql://u:p@h/db"));
        assert!(is_postgres("postgres://h/db"));
        assert!(is_postgres("PostgreSQL://h/db"));
        assert!(!is_postgres("sqlite:///db"));
        assert!(!is_postgres("mysql://h/db"));
        assert!(!is_postgres("postgres"));
    }

    #[test]
    fn pool_sizes_are_1_to_256() {
        assert_eq!(pool_size(None).unwrap(), crate::store::DEFAULT_POOL_SIZE);
        assert_eq!(pool_size(Some(" 16 ".into())).unwrap(), 16);
        for bad in ["0", "257", "-1", "eight"] {
            assert!(pool_size(Some(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn seconds_settings_take_1_to_3600_and_name_the_variable_otherwise() {
        let s = |v: &str| seconds_of("WS_STALL_SECONDS", Some(v.into()), 30);
        assert_eq!(s(" 5 ").unwrap().as_secs(), 5);
        assert_eq!(
            seconds_of("WS_STALL_SECONDS", None, 30).unwrap().as_secs(),
            30
        );
        for bad in ["0", "-1", "3601", "1.5", "30s", "ten"] {
            let e = s(bad).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("WS_STALL_SECONDS: '{bad}' is not 1–3600 seconds")
            );
        }
    }

    #[test]
    fn pepper_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("openalgo-pepper-{}", std::process::id()));
        if std::env::var("API_KEY_PEPPER").is_err() {
            use secrecy::ExposeSecret;
            let a = pepper(&dir).unwrap();
            let b = pepper(&dir).unwrap();
            assert_eq!(a.expose_secret(), b.expose_secret());
            assert_eq!(a.expose_secret().len(), 64);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
