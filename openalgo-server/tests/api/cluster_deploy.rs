//! Two real `openalgo` processes on one PostgreSQL schema and one Redis, behind nginx with the
//! shipped config (`scripts/cluster`): one order book whichever instance is asked, a login
//! session valid on both, a rate limit held across them, ticks on both while one subscribes
//! upstream, and a SIGKILL of the instance holding the accounts that loses no acknowledged
//! order while the other keeps serving. Needs nginx, `OPENALGO_TEST_DATABASE_URL` and
//! `OPENALGO_TEST_REDIS_URL`; skipped (with a message) without them.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cluster::{clean, sign_in_raw, test_redis};
use crate::deploy::{Started, nginx_available, start_two, temp_dir};
use crate::postgres::Schema;

const PASSWORD: &str = "Cluster#12345";

async fn api(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    path: &str,
    mut body: Value,
) -> (u16, Value) {
    body["apikey"] = json!(key);
    match http
        .post(format!("{base}/api/v1/{path}"))
        .json(&body)
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        }
        Err(e) => (0, json!({"error": e.to_string()})),
    }
}

async fn accounts_role(http: &reqwest::Client, base: &str) -> Option<String> {
    let r = http.get(format!("{base}/health/ready")).send().await.ok()?;
    let body: Value = r.json().await.ok()?;
    body["accounts"]["role"].as_str().map(str::to_owned)
}

/// The instance (index) holding the accounts once exactly one of `bases` does and the others
/// follow it; waits up to 15 s.
async fn holder(http: &reqwest::Client, bases: &[&str]) -> usize {
    for _ in 0..150 {
        let mut roles = Vec::new();
        for base in bases {
            roles.push(accounts_role(http, base).await);
        }
        let holders: Vec<usize> = roles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.as_deref() == Some("holder"))
            .map(|(i, _)| i)
            .collect();
        let followers = roles
            .iter()
            .filter(|r| r.as_deref() == Some("follower"))
            .count();
        if holders.len() == 1 && followers + 1 == bases.len() {
            return holders[0];
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no single holder of the accounts within 15 s");
}

fn order_ids(book: &Value) -> Vec<String> {
    let mut ids: Vec<String> = book["data"]["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["orderid"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

async fn first_tick(url: &str, key: &str) -> Value {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("ws");
    for msg in [
        json!({"action": "authenticate", "api_key": key}),
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}),
    ] {
        ws.send(Message::text(msg.to_string())).await.expect("send");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = frame {
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            if v["type"] == "market_data" {
                return v;
            }
        }
    }
    panic!("no tick on {url}");
}

fn pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("pids"))
        .expect("pids")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[tokio::test]
async fn two_instances_on_postgres_and_redis_behind_nginx_serve_one_account_and_survive_a_kill() {
    if !nginx_available() {
        return;
    }
    let Some(schema) = Schema::new() else { return };
    let Some(redis) = test_redis("two_instances_on_postgres_and_redis_behind_nginx") else {
        return;
    };
    use secrecy::ExposeSecret;
    let dir = temp_dir("cluster-pg");
    let Started {
        lb,
        base,
        ws_base,
        guard,
        key,
        ..
    } = start_two(
        &dir,
        &[
            ("DATABASE_URL", schema.url.as_str()),
            ("REDIS_URL", redis.url.expose_secret()),
            ("REDIS_PREFIX", redis.prefix.as_str()),
            ("API_RATE_LIMIT", "4 per second"),
            ("ORDER_RATE_LIMIT", "1000 per second"),
        ],
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let lb_url = format!("http://127.0.0.1:{lb}");
    let one = format!("http://127.0.0.1:{base}");
    let two = format!("http://127.0.0.1:{}", base + 1);
    let held_by = holder(&http, &[&one, &two]).await;

    // One order book: orders through nginx (round-robin) and straight to each instance.
    let order = json!({"strategy": "C", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "quantity": 1, "pricetype": "MARKET", "product": "MIS"});
    let mut acknowledged = Vec::new();
    for target in [&lb_url, &lb_url, &one, &two] {
        let (status, body) = api(&http, target, &key, "placeorder", order.clone()).await;
        assert_eq!(status, 200, "{target}: {body}");
        acknowledged.push(body["orderid"].as_str().expect("orderid").to_owned());
    }
    acknowledged.sort();
    for target in [&one, &two, &lb_url] {
        let (status, book) = api(&http, target, &key, "orderbook", json!({})).await;
        assert_eq!(status, 200, "{book}");
        assert_eq!(
            order_ids(&book),
            acknowledged,
            "the book read through {target}"
        );
    }

    // A login session made on one instance works on the other, and through nginx.
    let cookie = sign_in_raw(&one, PASSWORD).await;
    for target in [&two, &lb_url] {
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(format!("{target}/dashboard"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("dashboard");
        assert_eq!(r.status(), 200, "the session on {target}");
    }

    // A limit of 4 per second holds across both: 4 + 3 pings through nginx, 3 refused.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(api(&http, &lb_url, &key, "ping", json!({})).await.0);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );

    // Ticks reach a client on each instance; only one of them subscribes upstream (the
    // market stream's leader), so the other's client is fed through Redis.
    for ws_port in [ws_base, ws_base + 1] {
        let tick = first_tick(&format!("ws://127.0.0.1:{ws_port}/"), &key).await;
        assert_eq!(tick["symbol"], "SBIN");
    }
    let leaders: Vec<String> = {
        let client = redis::Client::open(redis.url.expose_secret()).expect("redis");
        let mut con = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        redis::cmd("KEYS")
            .arg(format!("{}feed:*:leader", redis.prefix))
            .query_async(&mut con)
            .await
            .expect("keys")
    };
    assert_eq!(leaders.len(), 1, "one market stream leader: {leaders:?}");

    // SIGKILL the holder while orders flow through nginx: every acknowledged order is in the
    // book the survivor restores, and the survivor keeps taking orders.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let victim = pids(&dir)[held_by];
    let survivor = if held_by == 0 { &two } else { &one };
    let started = Instant::now();
    let mut killed_at: Option<Instant> = None;
    let mut after_kill = 0;
    let mut failures = Vec::new();
    while after_kill < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no recovery: {failures:?}"
        );
        if killed_at.is_none() && acknowledged.len() >= 8 {
            let status = std::process::Command::new("kill")
                .args(["-9", &victim.to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
            killed_at = Some(Instant::now());
        }
        let (status, body) = api(&http, &lb_url, &key, "placeorder", order.clone()).await;
        if status == 200 {
            acknowledged.push(body["orderid"].as_str().expect("orderid").to_owned());
            if killed_at.is_some() {
                after_kill += 1;
            }
        } else {
            // Refused while the survivor takes over (503) or cut by the kill (502): never
            // acknowledged, so never owed.
            assert!(
                matches!(status, 0 | 429 | 502 | 503),
                "unexpected {status}: {body}"
            );
            failures.push(status);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let recovered_in = killed_at.map(|k| k.elapsed());
    eprintln!(
        "failover: {} failed requests, {after_kill} orders after the kill within {recovered_in:?}",
        failures.len()
    );
    assert_eq!(
        accounts_role(&http, survivor).await.as_deref(),
        Some("holder")
    );
    acknowledged.sort();
    let (status, book) = api(&http, survivor, &key, "orderbook", json!({})).await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(
        order_ids(&book),
        acknowledged,
        "every acknowledged order survives"
    );
    let (_, positions) = api(&http, &lb_url, &key, "positionbook", json!({})).await;
    let held: i64 = positions["data"]
        .as_array()
        .expect("positions")
        .iter()
        .filter_map(|p| p["quantity"].as_i64())
        .sum();
    assert_eq!(held, i64::try_from(acknowledged.len()).expect("count"));
    drop(guard);
    clean(&redis).await;
}
