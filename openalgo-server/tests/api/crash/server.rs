//! The real `openalgo` binary on a data directory: set up once, started, killed with SIGKILL
//! and started again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::free_port;

/// Order calls come as fast as 8 clients can send them: no rate limit may refuse one.
const UNLIMITED: &str = "1000000 per second";
/// Longest wait for a (debug) server to answer `ping` after it starts.
const READY_WITHIN: Duration = Duration::from_secs(90);

/// The binary with a clean environment (no inherited settings), run from `dir` (no `.env`).
fn openalgo(dir: &Path, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_openalgo"));
    c.current_dir(dir).arg("--data-dir").arg(data);
    for (name, _) in std::env::vars_os() {
        let inherited = name.to_string_lossy().into_owned();
        if [
            "FLASK_",
            "OPENALGO_",
            "ZMQ_",
            "API_KEY_PEPPER",
            "APP_KEY",
            "DATABASE_URL",
        ]
        .iter()
        .any(|p| inherited.starts_with(p))
            || inherited == "BROKER"
            || inherited.ends_with("_RATE_LIMIT")
        {
            c.env_remove(name);
        }
    }
    c
}

/// `openalgo setup`: the admin user; returns the API key (the last line it prints).
pub(super) fn setup(dir: &Path, data: &Path) -> String {
    setup_with(dir, data, &[])
}

/// [`setup`] with more environment variables (e.g. `DATABASE_URL`).
pub(crate) fn setup_with(dir: &Path, data: &Path, vars: &[(&str, &str)]) -> String {
    let out = openalgo(dir, data)
        .envs(vars.iter().copied())
        .args(["setup", "--username", "admin", "--password", "Secret#123"])
        .output()
        .expect("run openalgo setup");
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("the API key line")
        .trim()
        .to_owned()
}

/// A running server; killed (SIGKILL) when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub(crate) base: String,
    /// Its stdout and stderr.
    pub(crate) log: PathBuf,
}

impl Server {
    /// Starts `openalgo serve` on `data` on fresh ports; its output goes to `log`.
    pub(super) fn start(dir: &Path, data: &Path, log: PathBuf) -> Self {
        Self::start_with(dir, data, log, &[])
    }

    /// [`Server::start`] with more environment variables (e.g. `DATABASE_URL`).
    pub(crate) fn start_with(dir: &Path, data: &Path, log: PathBuf, vars: &[(&str, &str)]) -> Self {
        let out = std::fs::File::create(&log).expect("server log");
        let port = free_port();
        let child = openalgo(dir, data)
            .envs(vars.iter().copied())
            .args(["--port", &port.to_string(), "serve"])
            .env("WEBSOCKET_PORT", free_port().to_string())
            .env("ORDER_RATE_LIMIT", UNLIMITED)
            .env("SMART_ORDER_RATE_LIMIT", UNLIMITED)
            .env("API_RATE_LIMIT", UNLIMITED)
            // A load test of live orders: the orders-per-second cap would refuse most of them.
            .env("RISK_ORDERS_PER_SECOND", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .expect("start openalgo serve");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Waits until `ping` answers with `key`.
    pub(crate) async fn ready(&mut self, client: &reqwest::Client, key: &str) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let ping = client
                .post(format!("{}/api/v1/ping", self.base))
                .json(&json!({"apikey": key}))
                .send()
                .await;
            if ping.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the server exited ({status}) before answering:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer within {READY_WITHIN:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, then waits until the process is gone.
    pub(crate) fn kill(&mut self) {
        // `Child::kill` sends SIGKILL on Unix: no shutdown code of the server runs.
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    /// The end of the server's output (for failure messages).
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
