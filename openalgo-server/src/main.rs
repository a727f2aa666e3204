//! The `openalgo` binary: `serve` (default), `setup` (first admin user and API key) and
//! `apikey rotate`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use openalgo_server::auth::hash_secret;
use openalgo_server::startup::open_store;
use openalgo_server::{Application, Settings};

/// mimalloc instead of glibc's malloc: an order call allocates and frees a few hundred small
/// blocks across threads, and glibc's arenas spent ~10% of its CPU on it (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "openalgo",
    version,
    about = "OpenAlgo-rs: algorithmic trading bridge for Indian markets"
)]
struct Cli {
    /// Bind address (env OPENALGO_HOST or FLASK_HOST_IP; default 127.0.0.1).
    #[arg(long, global = true)]
    host: Option<String>,
    /// Port (env OPENALGO_PORT or FLASK_PORT; default 5000).
    #[arg(long, global = true)]
    port: Option<u16>,
    /// Data directory (env OPENALGO_DATA_DIR; default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create the admin user and print its API key (asks for what is not given).
    Setup {
        /// Admin username.
        #[arg(long, env = "OPENALGO_ADMIN_USERNAME")]
        username: Option<String>,
        /// Admin password (at least 8 characters).
        #[arg(long, env = "OPENALGO_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// API key management.
    Apikey {
        #[command(subcommand)]
        action: ApiKeyCommand,
    },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Replace the admin's API key and print the new one; the old key stops working.
    Rotate,
}

/// Reads one line from the terminal after printing `question`.
fn prompt(question: &str) -> anyhow::Result<String> {
    use std::io::Write;
    print!("{question}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// What must live as long as the process: the trace exporter (dropping it sends the spans
/// still queued).
struct Telemetry {
    #[cfg(feature = "otel")]
    _exporter: Option<openalgo_server::otel::Exporter>,
}

/// Logs to standard error (secrets redacted), filtered by `RUST_LOG` (default `info`): as
/// text, or with `LOG_FORMAT=json` one JSON object per line (`timestamp`, `level`, `target`,
/// the event's fields, the enclosing `span`s). Reads `.env` first so both may be set there.
/// Built with the `otel` feature, this project's `info` spans also go to an OpenTelemetry
/// collector when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set.
fn init_logging() -> anyhow::Result<Telemetry> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = dotenvy::dotenv();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let format = std::env::var("LOG_FORMAT").unwrap_or_default();
    let fmt: Box<dyn Layer<_> + Send + Sync> = match format.trim().to_ascii_lowercase().as_str() {
        "" | "text" => tracing_subscriber::fmt::layer()
            .with_writer(openalgo_server::security::redact::RedactingStderr)
            .with_filter(filter)
            .boxed(),
        "json" => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(openalgo_server::security::redact::RedactingStderr)
            .with_filter(filter)
            .boxed(),
        other => bail!("LOG_FORMAT: '{other}' is neither text nor json"),
    };
    let registry = tracing_subscriber::registry().with(fmt);
    #[cfg(feature = "otel")]
    {
        let config = openalgo_server::otel::OtelConfig::from_vars(&|name| std::env::var(name).ok())
            .map_err(anyhow::Error::msg)?;
        let (layer, exporter) = match &config {
            Some(c) => {
                let (layer, exporter) = openalgo_server::otel::start(c);
                // This project's spans at `info` (requests, order-log commits), whatever
                // RUST_LOG says; never the HTTP client's own (the exporter's posts). Not its
                // events; but its `enabled!` hints, which decide whether a request gets a span.
                let ours = tracing_subscriber::filter::filter_fn(|m| {
                    !m.is_event()
                        && *m.level() <= tracing::Level::INFO
                        && m.target().starts_with("openalgo")
                });
                (Some(layer.with_filter(ours)), Some(exporter))
            }
            None => (None, None),
        };
        registry.with(layer).init();
        if let Some(c) = &config {
            tracing::info!(endpoint = %c.endpoint, service = %c.service, "exporting traces (OTLP/HTTP JSON)");
        }
        Ok(Telemetry {
            _exporter: exporter,
        })
    }
    #[cfg(not(feature = "otel"))]
    {
        registry.init();
        if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
            || std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
        {
            tracing::warn!(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set but this build has no `otel` feature: no traces are exported"
            );
        }
        Ok(Telemetry {})
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let _telemetry = init_logging()?;
    let cli = Cli::parse();
    let settings = Settings::load(cli.host, cli.port, cli.data_dir).context("invalid settings")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let store = open_store(&settings)?;
            if !store.has_admin()? {
                tracing::warn!(
                    "No admin user yet: run `openalgo setup --username <name> --password <pass>` to create one and get an API key"
                );
            }
            let clock: std::sync::Arc<dyn openalgo_core::clock::Clock> =
                std::sync::Arc::new(openalgo_core::clock::SystemClock);
            let app = Application::build_with(&settings, store, &clock)?;
            tracing::info!(host = %settings.host, port = app.port(), broker = %settings.broker, "Serving the OpenAlgo API");
            app.run().await?;
        }
        Command::Setup { username, password } => {
            let username = match username {
                Some(u) => u,
                None => prompt("Admin username: ")?,
            };
            let password = match password {
                Some(p) => p,
                None => {
                    let ask = |question: &str| {
                        rpassword::prompt_password(question).context(
                            "no terminal to ask for the password: pass --password or set OPENALGO_ADMIN_PASSWORD",
                        )
                    };
                    let first = ask(
                        "Admin password (8+ characters with upper and lower case, a digit and one of !@#$%^&*): ",
                    )?;
                    let again = ask("Repeat the password: ")?;
                    if first != again {
                        bail!("the passwords do not match");
                    }
                    first
                }
            };
            if username.trim().is_empty() {
                bail!("the username must not be empty");
            }
            let weak = openalgo_server::web::password::weaknesses(&password);
            if !weak.is_empty() {
                bail!("the password is too weak: {}", weak.join("; "));
            }
            let store = open_store(&settings)?;
            let hash =
                hash_secret(&password, &settings.pepper).map_err(|e| anyhow::anyhow!("{e}"))?;
            let id = store.create_admin(username.trim(), &hash)?;
            let keys = openalgo_server::auth::ApiKeys::new(
                store,
                settings.pepper.clone(),
                &settings.fernet_salt,
            );
            let key = keys.issue(id)?;
            println!(
                "Admin user '{}' created. API key (shown once, store it safely):\n{key}",
                username.trim()
            );
        }
        Command::Apikey {
            action: ApiKeyCommand::Rotate,
        } => {
            let store = open_store(&settings)?;
            let Some(id) = store.admin_id()? else {
                bail!("no admin user yet: run `openalgo setup` first");
            };
            let keys = openalgo_server::auth::ApiKeys::new(
                store,
                settings.pepper.clone(),
                &settings.fernet_salt,
            );
            println!(
                "New API key (the old one no longer works):\n{}",
                keys.issue(id)?
            );
        }
    }
    Ok(())
}
