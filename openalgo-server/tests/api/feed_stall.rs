//! The stall watchdog end to end: `BROKER=zerodha` against the mock Kite whose ticker goes
//! silent without closing. Outside market hours the silence is left alone; in market hours the
//! server reconnects the ticker with every subscription, WebSocket clients hear `feed_status`
//! `stale` then `restored`, the dashboard shows the stale badge meanwhile, and ticks flow again.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_brokers::zerodha::mock::{MockKite, default_instruments};
use openalgo_server::store::{SqliteStore, Store};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Options, TestApp, browser, spawn_with};
use crate::zerodha::{KEY, SECRET, Ws, broker_login, kite_settings, recv_market_data, sign_in};

fn ist(h: u32, m: u32) -> chrono::NaiveDateTime {
    // An ordinary Wednesday.
    chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .and_then(|d| d.and_hms_opt(h, m, 0))
        .expect("time")
}

/// The next `feed_status` message (other frames are skipped), or `None` after `wait`.
async fn feed_status(ws: &mut Ws, wait: Duration) -> Option<Value> {
    tokio::time::timeout(wait, async {
        loop {
            let frame = ws.next().await.expect("open").expect("frame");
            if let Message::Text(t) = frame {
                let v: Value = serde_json::from_str(t.as_str()).expect("json");
                if v["type"] == "feed_status" {
                    return v;
                }
            }
        }
    })
    .await
    .ok()
}

async fn dashboard(app: &TestApp, web: &reqwest::Client) -> (String, Value) {
    let get = |path: &str| {
        web.get(format!("{}{path}", app.address))
            .header("Accept", "application/json")
            .send()
    };
    let page = get("/dashboard")
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("body");
    let id = page.find(r#"id="feed-status""#).expect("the feed badge");
    let start = page[..id].rfind("<span").expect("its span");
    let end = id + page[id..].find("</span>").expect("its end");
    let badge = page[start..end].to_owned();
    let poll: Value = get("/dashboard/pnl")
        .await
        .expect("poll")
        .json()
        .await
        .expect("json");
    (badge, poll["feed"].clone())
}

#[tokio::test]
async fn a_silent_kite_ticker_is_reconnected_in_market_hours_only() {
    let mock = MockKite::start(KEY, SECRET).await;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let data_dir = std::env::temp_dir().join(format!(
        "openalgo-stall-e2e-{}-{}",
        std::process::id(),
        crate::helpers::free_port()
    ));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let defaults = Options::default();
    let options = Options {
        broker: Some(kite_settings(&mock, &[])),
        data_dir: Some(data_dir.clone()),
        // As WS_STALL_SECONDS=1.
        ws_timing: openalgo_server::stream::Timing {
            stall: Duration::from_secs(1),
            ..defaults.ws_timing
        },
        ..defaults
    };
    let (app, handle) = spawn_with(store, None, options).await;
    // 09:00: NSE opens at 09:15, so a silent ticker is expected.
    app.clock.set_ist(ist(9, 0));
    let web = browser();
    sign_in(&app, &web).await;
    assert_eq!(broker_login(&app, &web, &mock).await.status(), 302);

    let (mut ws, _) = tokio_tungstenite::connect_async(&app.ws).await.expect("ws");
    for m in [
        json!({"action": "authenticate", "api_key": app.api_key}),
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}),
    ] {
        ws.send(Message::text(m.to_string())).await.expect("send");
    }
    recv_market_data(&mut ws, "SBIN").await;
    let token = default_instruments()
        .into_iter()
        .find(|i| i.tradingsymbol == "SBIN" && i.exchange == "NSE")
        .expect("SBIN")
        .instrument_token;
    let subscribes_of_sbin = || {
        mock.ticker_messages()
            .iter()
            .filter(|m| m.contains(r#""a":"subscribe""#) && m.contains(&token.to_string()))
            .count()
    };
    let connections = mock.ticker_connections();
    let subscribes = subscribes_of_sbin();

    // Quiet market: silence for three stall windows is left alone.
    mock.silence_ticker(true);
    assert_eq!(feed_status(&mut ws, Duration::from_secs(3)).await, None);
    assert_eq!(
        mock.ticker_connections(),
        connections,
        "no reconnect before the open"
    );
    assert_eq!(dashboard(&app, &web).await.1, json!({"status": "ok"}));

    // 10:00: the same silence is a stall.
    app.clock.set_ist(ist(10, 0));
    let stale = feed_status(&mut ws, Duration::from_secs(10))
        .await
        .expect("a stale notice");
    assert_eq!(stale["status"], "stale", "{stale}");
    assert_eq!(stale["broker"], "zerodha");
    assert_eq!(stale["instruments"], 1);
    assert_eq!(stale["subscriptions"], 1);
    assert_eq!(stale["stall_seconds"], 1);
    // While the ticker stays silent, the dashboard shows the badge (page and poll).
    let (badge, feed) = dashboard(&app, &web).await;
    assert!(
        badge.contains("badge bad") && badge.contains("stale since"),
        "{badge}"
    );
    assert_eq!(feed["status"], "stale", "{feed}");
    assert_eq!(feed["since"], stale["since"]);
    // The watchdog opened a new ticker connection and subscribed SBIN on it again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while mock.ticker_connections() == connections || subscribes_of_sbin() == subscribes {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a reconnect with SBIN"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The ticker speaks again: restored, then ticks.
    mock.silence_ticker(false);
    let restored = feed_status(&mut ws, Duration::from_secs(20))
        .await
        .expect("a restored notice");
    assert_eq!(restored["status"], "restored", "{restored}");
    assert_eq!(restored["stale_since"], stale["since"]);
    recv_market_data(&mut ws, "SBIN").await;
    let (badge, feed) = dashboard(&app, &web).await;
    assert!(badge.contains("badge ok"), "{badge}");
    assert_eq!(feed, json!({"status": "ok"}));

    handle.stop(false).await;
    let _ = std::fs::remove_dir_all(data_dir);
}
