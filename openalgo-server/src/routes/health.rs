//! Health probes (no authentication): `/health` (also `/health/status`), `/health/live`,
//! `/health/ready` (also `/health/check`: database reachable, broker answering, and which part
//! the instance plays in serving the accounts),
//! `/health/startup` and `/health/metrics`.

use std::time::Instant;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::cluster::forward::Forwarding;

/// When the application was built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    pub(crate) at: Instant,
    pub(crate) build_ms: u128,
}

fn base(status: &str) -> Value {
    json!({"status": status, "version": env!("CARGO_PKG_VERSION"), "serviceId": "openalgo",
           "description": "OpenAlgo-rs Trading Platform"})
}

async fn status() -> HttpResponse {
    HttpResponse::Ok().json(base("pass"))
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "pass"}))
}

/// Which part this instance plays in serving the accounts.
fn accounts_role(forwarding: Option<&web::Data<Option<Forwarding>>>) -> Value {
    use crate::cluster::holder::Role;
    match forwarding
        .and_then(|f| f.as_ref().as_ref())
        .map(Forwarding::role)
    {
        None => json!({"role": "holder", "cluster": false}),
        Some(Role::Holder) => json!({"role": "holder", "cluster": true}),
        Some(Role::Restoring) => json!({"role": "restoring", "cluster": true}),
        Some(Role::Follower(holder)) => {
            json!({"role": "follower", "cluster": true, "holder": holder})
        }
    }
}

async fn ready(
    state: web::Data<AppState>,
    forwarding: Option<web::Data<Option<Forwarding>>>,
) -> HttpResponse {
    let t = Instant::now();
    let store = std::sync::Arc::clone(&state.store);
    let db = web::block(move || store.setting("analyze_mode")).await;
    let db_ok = matches!(db, Ok(Ok(_)));
    let db_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    // The accounts are checked where they are served (an instance of a cluster that does not
    // hold them forwards account requests, and is ready as long as its database answers).
    let broker_ok = !state.book.serving().is_on() || state.broker().funds().await.is_ok();
    let broker_ms = t.elapsed().as_secs_f64() * 1000.0;
    let pass = db_ok && broker_ok;
    let word = |ok: bool| if ok { "pass" } else { "fail" };
    let mut body = base(word(pass));
    body["checks"] = json!({
        "database:connectivity": [{"status": word(db_ok), "observedValue": db_ms, "observedUnit": "ms"}],
        "broker:session": [{"status": word(broker_ok), "componentId": state.broker().id(), "observedValue": broker_ms, "observedUnit": "ms"}]
    });
    body["accounts"] = accounts_role(forwarding.as_ref());
    if pass {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn startup(started: web::Data<Started>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "pass", "startup_ms": started.build_ms,
                                   "uptime_seconds": started.at.elapsed().as_secs()}))
}

/// Resident set size in bytes, from `/proc/self/statm` (Linux); `None` elsewhere.
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn metrics(state: web::Data<AppState>, started: web::Data<Started>) -> HttpResponse {
    let orders = |t: &crate::state::Trading| {
        t.paper.as_ref().map_or(0, |p| {
            p.inspect(openalgo_core::sandbox::SandboxEngine::order_count)
        })
    };
    HttpResponse::Ok().json(json!({
        "status": "pass",
        "uptime_seconds": started.at.elapsed().as_secs(),
        "rss_bytes": rss_bytes(),
        "analyze_mode": state.mode() == crate::state::Mode::Analyze,
        "orders": {"live": orders(&state.live()), "analyze": orders(&state.sandbox())},
        "instruments": state.symbols().len(),
        "broker_latency": state.latency.report(),
        "traffic_log_dropped": state.security.traffic.dropped(),
        "websocket": {"clients": state.hub.clients(), "upstream_subscriptions": state.hub.upstream().len()}
    }))
}

/// Registers the probes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(status))
        .route("/health/status", web::get().to(status))
        .route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready))
        .route("/health/check", web::get().to(ready))
        .route("/health/startup", web::get().to(startup))
        .route("/health/metrics", web::get().to(metrics));
}
