//! The deployment files: `.env.example` lists every variable the server reads (found by
//! scanning the server's sources and the broker registry), the compose file is valid YAML with
//! the expected services, the Grafana dashboard queries only metrics the server exports, the
//! shipped nginx config passes `nginx -t`, `scripts/cluster` runs instances behind it
//! (round-robin, WebSocket upgrade, the client address forwarded and not spoofable), and
//! `LOG_FORMAT=json` logs one JSON object per line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The environment variables the server's code reads: in every file that reads the
/// environment (`std::env::var`, the settings' `env(&[...])` helpers, a `from_vars` or the
/// broker registry's lookup), each string literal in SCREAMING_SNAKE_CASE with an underscore,
/// or without one when it is the argument of an `env(`/`var(`/`flag(` call; clap's
/// `env = "..."` attributes; `RUST_LOG` where `EnvFilter` reads it; and each registered
/// broker's declared variables. Test code is left out.
fn variables_read() -> BTreeSet<String> {
    let mut files = Vec::new();
    sources(&repo().join("openalgo-server/src"), &mut files);
    let literal = regex::Regex::new(r#""([A-Z][A-Z0-9_]{2,})""#).expect("regex");
    let clap = regex::Regex::new(r#"env\s*=\s*"([A-Z][A-Z0-9_]+)""#).expect("regex");
    let call =
        regex::Regex::new(r"(?:env|var|flag|flag_on|seconds|number)\(&?\[?$").expect("regex");
    let mut vars = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for c in clap.captures_iter(code) {
            vars.insert(c[1].to_owned());
        }
        if code.contains("EnvFilter::try_from_default_env") {
            vars.insert("RUST_LOG".to_owned());
        }
        let reads_env = [
            "std::env::var",
            "env(&[",
            "from_vars(",
            "registry::configure(",
        ]
        .iter()
        .any(|m| code.contains(m));
        if !reads_env {
            continue;
        }
        for c in literal.captures_iter(code) {
            let name = &c[1];
            let whole = c.get(0).expect("match");
            let before = &code[whole.start().saturating_sub(12)..whole.start()];
            if name.contains('_') || call.is_match(before) {
                vars.insert(name.to_owned());
            }
        }
    }
    // The test harness's own variables (store conformance tests) are not settings.
    vars.retain(|v| !v.starts_with("OPENALGO_TEST_"));
    for name in openalgo_brokers::registry::names() {
        let entry = openalgo_brokers::registry::lookup(name).expect("entry");
        vars.extend(entry.variables.iter().map(|v| (*v).to_owned()));
    }
    vars
}

/// `NAME=` entries of `.env.example`, commented or not, before the deployment-only section
/// (server variables), and after it (read by docker compose only).
fn example_entries() -> (BTreeSet<String>, BTreeSet<String>) {
    let text = read(".env.example");
    let entry = regex::Regex::new(r"^#?\s*([A-Z][A-Z0-9_]*)=").expect("regex");
    let (mut server, mut deploy) = (BTreeSet::new(), BTreeSet::new());
    let mut deployment_only = false;
    for line in text.lines() {
        if line.starts_with("# --- Deployment only") {
            deployment_only = true;
        }
        if let Some(c) = entry.captures(line) {
            let set = if deployment_only {
                &mut deploy
            } else {
                &mut server
            };
            assert!(set.insert(c[1].to_owned()), "{} listed twice", &c[1]);
        }
    }
    (server, deploy)
}

#[test]
fn env_example_lists_every_variable_the_server_reads_and_no_other() {
    let read = variables_read();
    // The scan finds what it should (a broken scan would make this test pass vacuously).
    for known in [
        "BROKER",
        "DATABASE_URL",
        "TRUST_PROXY_HEADERS",
        "CSP_FONT_SRC",
        "RISK_MAX_DAILY_LOSS",
        "CORS_MAX_AGE",
        "OPENALGO_ADMIN_PASSWORD",
        "METRICS_ALLOW",
        "METRICS_TOKEN",
        "LOG_FORMAT",
        "RUST_LOG",
        "BROKER_API_KEY",
    ] {
        assert!(read.contains(known), "the scan missed {known}");
    }
    assert!(!read.contains("DENY"), "a header value is not a variable");
    let (listed, deploy_only) = example_entries();
    let missing: Vec<_> = read.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "add these to .env.example (the server reads them): {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&read).collect();
    assert!(
        stale.is_empty(),
        "the server does not read these (remove them from .env.example or move them to the deployment-only section): {stale:?}"
    );
    // The compose file's own variables are in the deployment-only section.
    let compose = read_compose_text();
    for v in &deploy_only {
        assert!(
            compose.contains(&format!("${{{v}")),
            "{v} is not used by the compose file"
        );
    }
}

fn read_compose_text() -> String {
    read("deploy/docker-compose.yml")
}

#[test]
fn the_compose_file_is_valid_yaml_with_two_instances_behind_nginx() {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&read_compose_text()).expect("docker-compose.yml is YAML");
    let mut doc = doc;
    doc.apply_merge().expect("merge keys");
    let services = doc["services"].as_mapping().expect("services");
    let names: BTreeSet<&str> = services.keys().filter_map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["openalgo1", "openalgo2", "nginx", "postgres", "redis"])
    );
    for instance in ["openalgo1", "openalgo2"] {
        let s = &services[instance];
        assert_eq!(s["build"]["dockerfile"].as_str(), Some("Dockerfile"));
        assert_eq!(s["env_file"][0].as_str(), Some("../.env"));
        let env = &s["environment"];
        assert_eq!(env["TRUST_PROXY_HEADERS"].as_str(), Some("true"));
        assert!(
            env["DATABASE_URL"]
                .as_str()
                .is_some_and(|u| u.starts_with("postgresql://"))
        );
        assert!(
            env["REDIS_URL"]
                .as_str()
                .is_some_and(|u| u.starts_with("redis://"))
        );
        assert!(
            s.get("ports").is_none(),
            "{instance} must be reachable through nginx only"
        );
        let volume = s["volumes"][0].as_str().expect("volume");
        assert!(volume.ends_with(":/var/lib/openalgo/data"), "{volume}");
        let volume_name = volume.split(':').next().expect("name");
        assert!(
            doc["volumes"].get(volume_name).is_some(),
            "{volume_name} declared"
        );
        assert_eq!(
            s["depends_on"]["postgres"]["condition"].as_str(),
            Some("service_healthy")
        );
    }
    let nginx = &services["nginx"];
    let mount = nginx["volumes"][0].as_str().expect("mount");
    assert!(mount.starts_with("./nginx/openalgo.conf:"), "{mount}");
    assert!(repo().join("deploy/nginx/openalgo.conf").exists());
    // The Dockerfile the compose file builds: multi-stage, non-root, health-checked.
    let dockerfile = read("Dockerfile");
    assert_eq!(
        dockerfile.matches("\nFROM ").count() + usize::from(dockerfile.starts_with("FROM ")),
        2
    );
    assert!(dockerfile.contains("\nUSER 10001:10001"));
    assert!(dockerfile.contains("--uid 10001"));
    assert!(dockerfile.contains("\nHEALTHCHECK "));
}

/// The metric names a PromQL expression refers to (`openalgo_...`), histogram suffixes
/// reduced to their family.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"openalgo_[a-z0-9_]+").expect("regex");
    re.find_iter(expr).map(|m| m.as_str().to_owned()).collect()
}

#[tokio::test]
async fn the_grafana_dashboard_queries_only_metrics_the_server_exports() {
    let dash: Value =
        serde_json::from_str(&read("deploy/grafana/openalgo-dashboard.json")).expect("JSON");
    let app = crate::helpers::spawn_app().await;
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let exposition = crate::prometheus::parse(&text).expect("exposition");
    let mut exported = BTreeSet::new();
    for (family, kind) in &exposition.families {
        exported.insert(family.clone());
        if kind == "histogram" {
            for s in ["_bucket", "_sum", "_count"] {
                exported.insert(format!("{family}{s}"));
            }
        }
    }
    let mut queried = BTreeSet::new();
    for panel in dash["panels"].as_array().expect("panels") {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{}", panel["title"]);
        for t in targets {
            let names = metric_names(t["expr"].as_str().expect("expr"));
            assert!(!names.is_empty(), "{}", t["expr"]);
            queried.extend(names);
        }
    }
    let unknown: Vec<_> = queried.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries unknown metrics: {unknown:?}"
    );
    // Every family the issue asks for has a panel.
    for family in [
        "openalgo_http_requests_total",
        "openalgo_http_request_duration_seconds_bucket",
        "openalgo_orders_total",
        "openalgo_broker_call_duration_seconds_bucket",
        "openalgo_websocket_clients",
        "openalgo_websocket_messages_sent_total",
        "openalgo_journal_commit_duration_seconds_bucket",
        "openalgo_journal_queue_depth",
    ] {
        assert!(queried.contains(family), "no panel for {family}");
    }
}

/// Whether nginx is here; CI requires it (`OPENALGO_REQUIRE_NGINX`), elsewhere the nginx tests
/// skip with a message.
pub(crate) fn nginx_available() -> bool {
    let found = Command::new("nginx")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("OPENALGO_REQUIRE_NGINX").is_none(),
            "nginx is required (OPENALGO_REQUIRE_NGINX) but not installed"
        );
        eprintln!("SKIPPED: nginx is not installed (apt-get install -y nginx)");
    }
    found
}

pub(crate) fn cluster(dir: &Path) -> Command {
    let mut c = Command::new(repo().join("scripts/cluster"));
    c.env("CLUSTER_DIR", dir)
        .env("BIN", env!("CARGO_BIN_EXE_openalgo"))
        .env_remove("DATABASE_URL")
        .env_remove("API_KEY_PEPPER")
        .env_remove("APP_KEY")
        .env_remove("FERNET_SALT")
        .env_remove("OPENALGO_DATA_DIR");
    c
}

pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openalgo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn the_shipped_nginx_config_passes_nginx_t() {
    if !nginx_available() {
        return;
    }
    let dir = temp_dir("nginx-t");
    let out = cluster(&dir)
        .arg("nginx-conf")
        .env("N", "3")
        .output()
        .expect("scripts/cluster");
    assert!(out.status.success());
    let conf = String::from_utf8(out.stdout).expect("utf-8");
    // Rendered: three instances, no placeholder host left.
    assert_eq!(conf.matches("server 127.0.0.1:").count(), 6, "{conf}");
    assert!(!conf.contains("openalgo1:"));
    std::fs::write(dir.join("openalgo.conf"), conf).expect("write");
    std::fs::create_dir_all(dir.join("tmp")).expect("tmp");
    let main = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n  fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n  include {d}/openalgo.conf;\n}}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("write");
    let t = Command::new("nginx")
        .args(["-t", "-c"])
        .arg(dir.join("nginx.conf"))
        .arg("-p")
        .arg(&dir)
        .output()
        .expect("nginx -t");
    assert!(
        t.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&t.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Stops the cluster when the test ends, however it ends.
pub(crate) struct Cluster(pub(crate) PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = cluster(&self.0).arg("stop").output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn free_ports(n: usize) -> u16 {
    // n consecutive free ports (checked now; good enough for a test).
    'outer: for _ in 0..50 {
        let base = crate::helpers::free_port();
        if base > 65_000 {
            continue;
        }
        for i in 0..n {
            let p = base + u16::try_from(i).expect("small");
            if std::net::TcpListener::bind(("127.0.0.1", p)).is_err() {
                continue 'outer;
            }
        }
        return base;
    }
    panic!("no free ports")
}

/// A cluster `scripts/cluster start` brought up: its ports, what stops it, the admin's key.
pub(crate) struct Started {
    pub(crate) lb: u16,
    pub(crate) lb_ws: u16,
    pub(crate) base: u16,
    pub(crate) ws_base: u16,
    pub(crate) guard: Cluster,
    pub(crate) key: String,
}

/// Two instances behind nginx on free ports, state under `dir`, with `envs` added to the
/// script's environment (logs at `warn`).
pub(crate) fn start_two(dir: &Path, envs: &[(&str, &str)]) -> Started {
    let ports = free_ports(6);
    let (lb, lb_ws, base, ws_base) = (ports, ports + 1, ports + 2, ports + 4);
    let guard = Cluster(dir.to_path_buf());
    let out = cluster(dir)
        .arg("start")
        .env("N", "2")
        .env("LB_PORT", lb.to_string())
        .env("LB_WS_PORT", lb_ws.to_string())
        .env("BASE_PORT", base.to_string())
        .env("WS_BASE_PORT", ws_base.to_string())
        .env("RUST_LOG", "warn")
        .envs(envs.iter().copied())
        .output()
        .expect("scripts/cluster start");
    assert!(
        out.status.success(),
        "start: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let key = std::fs::read_to_string(dir.join("apikey"))
        .expect("apikey")
        .trim()
        .to_owned();
    Started {
        lb,
        lb_ws,
        base,
        ws_base,
        guard,
        key,
    }
}

async fn metric(base: &str, token: &str, route: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    crate::prometheus::parse(&text)
        .expect("exposition")
        .sum("openalgo_http_requests_total", &[("route", route)])
}

#[tokio::test]
async fn the_cluster_balances_round_robin_upgrades_websockets_and_forwards_the_client_address() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    if !nginx_available() {
        return;
    }
    const TOKEN: &str = "cluster-metrics-token-0123";
    let dir = temp_dir("cluster");
    let started = start_two(
        &dir,
        &[
            // Only 127.0.0.5 reads metrics by address; the token reads them from anywhere.
            ("METRICS_ALLOW", "127.0.0.5"),
            ("METRICS_TOKEN", TOKEN),
        ],
    );
    let Started {
        lb,
        lb_ws,
        base,
        guard,
        key,
        ..
    } = started;
    let lb_url = format!("http://127.0.0.1:{lb}");
    let instances = [
        format!("http://127.0.0.1:{base}"),
        format!("http://127.0.0.1:{}", base + 1),
    ];
    let before = [
        metric(&instances[0], TOKEN, "/api/v1/ping").await,
        metric(&instances[1], TOKEN, "/api/v1/ping").await,
    ];
    // Round-robin: 10 pings through nginx reach both instances (the same API key works on
    // each: they start from one database).
    let client = reqwest::Client::new();
    for _ in 0..10 {
        let r = client
            .post(format!("{lb_url}/api/v1/ping"))
            .json(&json!({"apikey": key}))
            .send()
            .await
            .expect("ping");
        assert_eq!(r.status().as_u16(), 200);
    }
    for (i, url) in instances.iter().enumerate() {
        let moved = metric(url, TOKEN, "/api/v1/ping").await - before[i];
        assert!(moved >= 1.0, "instance {i} got no ping");
    }
    // The client address nginx saw reaches the server: from 127.0.0.5 the allow-list admits it.
    let from_5 = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 5]))
        .build()
        .expect("client");
    let r = from_5
        .get(format!("{lb_url}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status().as_u16(), 200);
    // From 127.0.0.1, headers claiming 127.0.0.5 are overwritten or dropped by nginx.
    for (name, value) in [
        ("CF-Connecting-IP", "127.0.0.5"),
        ("True-Client-IP", "127.0.0.5"),
        ("X-Real-IP", "127.0.0.5"),
        ("X-Forwarded-For", "127.0.0.5"),
        ("X-Client-IP", "127.0.0.5"),
    ] {
        let r = client
            .get(format!("{lb_url}/metrics"))
            .header(name, value)
            .send()
            .await
            .expect("metrics");
        assert_eq!(r.status().as_u16(), 403, "spoofed {name} was believed");
    }
    // WebSocket upgrade through nginx, at /ws and on the feed's port.
    for url in [
        format!("ws://127.0.0.1:{lb}/ws"),
        format!("ws://127.0.0.1:{lb_ws}/"),
    ] {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        ws.send(Message::text(
            json!({"action": "authenticate", "api_key": key}).to_string(),
        ))
        .await
        .expect("send");
        let reply = loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
                .await
                .expect("a reply")
                .expect("open")
                .expect("frame");
            if let Message::Text(t) = frame {
                break serde_json::from_str::<Value>(t.as_str()).expect("json");
            }
        };
        assert_eq!(reply["status"], "success", "{url}: {reply}");
    }
    drop(guard);
    assert!(!dir.join("pids").exists());
}

#[test]
fn log_format_json_writes_one_json_object_per_line() {
    use std::io::{BufRead, BufReader};
    let dir = temp_dir("jsonlog");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openalgo"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["--port", "0", "serve"])
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("WEBSOCKET_PORT", "0")
        .env_remove("DATABASE_URL")
        .env_remove("OPENALGO_PORT")
        .env_remove("API_KEY_PEPPER")
        .env_remove("APP_KEY")
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openalgo");
    let stderr = child.stderr.take().expect("stderr");
    let mut serving = None;
    let mut lines = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("line");
        lines += 1;
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        assert!(
            v["timestamp"].is_string() && v["level"].is_string() && v["target"].is_string(),
            "{line}"
        );
        if v["message"] == "Serving the OpenAlgo API" {
            serving = Some(v);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let v = serving.expect("the serving line");
    assert_eq!(v["level"], "INFO");
    assert!(v["port"].is_number() || v["port"].is_string(), "{v}");
    assert!(lines >= 1);
    // An unknown format is refused before anything runs.
    let out = Command::new(env!("CARGO_BIN_EXE_openalgo"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("serve")
        .env("LOG_FORMAT", "xml")
        .output()
        .expect("openalgo");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOG_FORMAT"));
    let _ = std::fs::remove_dir_all(dir);
}
