//! Browser tests: headless Chromium (Debian `chromium` + `chromium-driver`) walks a newcomer's
//! day through the dashboard against the real server: setup, sign-in, a sandbox order from the
//! ticket, the order book, the position's price moving live, closing it, the P&L chart moving,
//! rotating the API key and reading the order in the log. Every page is screenshotted under
//! `target/screenshots/` and checked for CSP violations (no inline script, style or handler in
//! the markup, no "Refused to" in the console).
//!
//! Skips with a message when chromedriver is not installed, unless `OPENALGO_REQUIRE_BROWSER`
//! is set (`.ci/run` installs Chromium and sets it). `CHROMEDRIVER` names another driver.

mod webdriver;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openalgo_core::clock::{Clock, ManualClock};
use openalgo_server::store::{SqliteStore, Store};
use openalgo_server::{Application, Settings};
use secrecy::SecretString;
use serde_json::json;
use webdriver::Browser;

const USER: &str = "trader";
const PASSWORD: &str = "Trader#2026";

struct Walk {
    browser: Browser,
    base: String,
    shots: PathBuf,
}

impl Walk {
    async fn visit(&self, path: &str) {
        self.browser.goto(&format!("{}{path}", self.base)).await;
    }

    /// Screenshots the page as `name` and checks it keeps to the CSP.
    async fn shot(&self, name: &str) {
        self.browser
            .screenshot(&self.shots.join(format!("{name}.png")))
            .await;
        let html = self.browser.source().await;
        let page = self.browser.url().await;
        assert_no_inline_code(&page, &html);
        let refused: Vec<String> = self
            .browser
            .console()
            .await
            .into_iter()
            .filter(|m| {
                m.contains("Content Security Policy")
                    || m.contains("Refused to")
                    || m.contains("Uncaught")
            })
            .collect();
        assert!(
            refused.is_empty(),
            "CSP violations or script errors on {page}: {refused:?}"
        );
    }

    /// Waits up to `secs` for `check` to hold.
    async fn until<F, Fut>(&self, what: &str, secs: u64, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !check().await {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} on {}",
                self.browser.url().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Markup that a CSP without `'unsafe-inline'` would block: an inline `<script>`, a `style`
/// attribute or element, or an `on...=` handler attribute.
fn assert_no_inline_code(page: &str, html: &str) {
    let lower = html.to_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag_end = lower[i..].find('>').map_or(lower.len(), |j| i + j);
        assert!(
            lower[i..tag_end].contains(" src="),
            "inline script on {page}"
        );
    }
    assert!(!lower.contains("<style"), "style element on {page}");
    assert!(!lower.contains(" style=\""), "style attribute on {page}");
    let handler = lower.match_indices(" on").any(|(i, _)| {
        let rest = &lower[i + 3..];
        let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        !name.is_empty() && rest[name.len()..].starts_with("=\"")
    });
    assert!(!handler, "inline event handler on {page}");
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The real server on a fresh database (no administrator yet) and a clock that runs 4x fast
/// from 10:00 IST, so the simulated market moves during the walk.
async fn spawn_server() -> (String, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let settings = Settings {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: std::env::temp_dir(),
        database_path: ":memory:".into(),
        postgres: None,
        pepper: SecretString::from("browser-pepper-".repeat(3)),
        fernet_salt: b"browser-fernet-salt".to_vec(),
        broker: "simulator".into(),
        broker_settings: openalgo_brokers::registry::BrokerSettings::new(
            &openalgo_brokers::simulator::ENTRY,
            Arc::new(openalgo_brokers::simulator::SimulatorSettings {
                seed: 7,
                tick: Duration::from_millis(250),
            }),
        ),
        master_cutoff: chrono::NaiveTime::MIN,
        rate_limits: openalgo_server::rate_limit::RateLimits::default(),
        security: openalgo_server::security::SecurityConfig::default(),
        ws_host: "127.0.0.1".into(),
        ws_port: 0,
        ws_timing: openalgo_server::stream::Timing::default(),
        bus: openalgo_server::stream::BusConfig::default(),
        risk: openalgo_server::risk::RiskDefaults::default(),
        redis: None,
        metrics: openalgo_server::metrics::MetricsAccess::default(),
    };
    let ten_am = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time");
    let manual = Arc::new(ManualClock::at_ist(ten_am));
    let clock: Arc<dyn Clock> = manual.clone();
    let app = Application::build_with(&settings, store, &clock).expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    let ticking = Arc::clone(&manual);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            ticking.advance_ms(1_000);
        }
    });
    (base, manual)
}

async fn ping(base: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/ping"))
        .json(&json!({"apikey": key}))
        .send()
        .await
        .expect("ping")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomers_day_in_the_browser() {
    let Some(driver) = webdriver::chromedriver() else {
        assert!(
            std::env::var_os("OPENALGO_REQUIRE_BROWSER").is_none(),
            "OPENALGO_REQUIRE_BROWSER is set but chromedriver is not installed"
        );
        eprintln!(
            "SKIPPED: chromedriver not found (install Debian's chromium and chromium-driver, as .ci/run does)"
        );
        return;
    };
    let (base, _clock) = spawn_server().await;
    let browser = Browser::start(&driver, free_port()).await;
    let w = Walk {
        browser,
        base: base.clone(),
        shots: screenshots_dir(),
    };
    let b = &w.browser;

    // First run: the home page leads to setup.
    w.visit("/").await;
    assert!(b.url().await.ends_with("/setup"), "{}", b.url().await);
    w.shot("01-setup").await;
    b.fill("input[name=username]", USER).await;
    b.fill("input[name=password]", PASSWORD).await;
    b.fill("input[name=confirm]", PASSWORD).await;
    b.click("button[type=submit]").await;
    let first_key = b.text("code.secret").await;
    assert_eq!(first_key.len(), 64, "the API key is shown once");
    w.shot("02-setup-done").await;

    // Sign in.
    b.click("a[href=\"/auth/login\"]").await;
    w.shot("03-login").await;
    b.fill("input[name=username]", USER).await;
    b.fill("input[name=password]", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.url_ends("/dashboard").await;
    b.text_is("#mode-badge", "LIVE").await;

    // Analyze mode: orders go to the sandbox account.
    b.click("#mode-toggle").await;
    b.text_is("#mode-badge", "ANALYZE").await;
    b.text_contains("#flash", "Analyze mode").await;
    w.shot("04-dashboard").await;

    // Find the symbol, see its quote and depth, open the ticket from there.
    w.visit("/search").await;
    b.fill("#s-query", "SBIN").await;
    b.click("#s-submit").await;
    b.click("a[data-symbol=\"SBIN\"]").await;
    b.find("#quote #depth").await;
    let exchange = b.attr("#quote-ltp", "data-ltp-key").await.expect("key");
    let exchange = exchange.split(':').next().expect("exchange").to_owned();
    w.shot("05-search-quote").await;
    b.click("#trade-buy").await;
    assert_eq!(
        b.script(
            "return document.getElementById('t-symbol').value",
            json!([])
        )
        .await,
        json!("SBIN")
    );
    b.fill("#t-quantity", "10").await;
    w.shot("06-ticket").await;
    b.click("#t-review").await;
    b.text_is("#r-instrument", &format!("{exchange}:SBIN"))
        .await;
    w.shot("07-ticket-confirm").await;
    b.click("#t-confirm").await;

    // The order book shows it.
    b.url_ends("/orderbook").await;
    let flash = b.text("#flash").await;
    let order_id = flash
        .strip_prefix("Order placed: ")
        .unwrap_or_else(|| panic!("{flash}"))
        .trim()
        .to_owned();
    let row = format!("tr[data-order-id=\"{order_id}\"]");
    b.text_contains(&row, "SBIN").await;
    b.text_is(&format!("{row} [data-status]"), "complete").await;
    w.shot("08-orderbook").await;

    // The position's last price follows the feed.
    w.visit("/positions").await;
    let key = format!("{exchange}:SBIN");
    let prow = format!("tr[data-position=\"{key}\"]");
    assert_eq!(b.attr(&prow, "data-qty").await.as_deref(), Some("10"));
    let ltp_cell = format!("{prow} [data-ltp-key]");
    let first_ltp = b.text(&ltp_cell).await;
    w.until("the live feed", 20, || async {
        b.try_find("#live-status.on").await.is_some()
    })
    .await;
    w.until("a new last price", 30, || async {
        b.text(&ltp_cell).await != first_ltp
    })
    .await;
    w.shot("09-positions-live").await;

    // The P&L chart moves.
    w.visit("/dashboard").await;
    w.until("a P&L sample", 10, || async {
        b.attr("#pnl-chart", "data-last").await.is_some()
    })
    .await;
    let first_pnl = b.attr("#pnl-chart", "data-last").await;
    w.until("the P&L to change", 30, || async {
        b.attr("#pnl-chart", "data-last").await != first_pnl
    })
    .await;
    w.shot("10-dashboard-pnl").await;

    // Close the position.
    w.visit("/positions").await;
    b.click(&format!("button[data-close=\"{key}\"]")).await;
    assert!(
        b.text("#flash").await.contains("Position closed"),
        "{}",
        b.text("#flash").await
    );
    assert_eq!(b.attr(&prow, "data-qty").await.as_deref(), Some("0"));
    w.shot("11-positions-closed").await;
    w.visit("/tradebook").await;
    b.text_is("#trades-total", "2").await;
    w.shot("12-tradebook").await;
    w.visit("/dashboard").await;
    let points_before: u32 = b
        .attr("#pnl-chart", "data-points")
        .await
        .map_or(0, |p| p.parse().unwrap_or(0));
    w.until("more P&L samples", 10, || async {
        b.attr("#pnl-chart", "data-points")
            .await
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|n| n > points_before.max(1))
    })
    .await;
    w.shot("13-dashboard-after-close").await;

    // Rotate the API key.
    w.visit("/apikey").await;
    b.click("#reveal-key").await;
    w.until("the key", 5, || async {
        b.attr("#api-key", "data-shown").await.as_deref() == Some("1")
    })
    .await;
    b.text_is("#api-key", &first_key).await;
    b.click("#rotate-key").await;
    b.accept_dialog().await;
    b.text_contains("#flash", "New API key issued").await;
    b.click("#reveal-key").await;
    w.until("the new key", 5, || async {
        b.attr("#api-key", "data-shown").await.as_deref() == Some("1")
    })
    .await;
    let new_key = b.text("#api-key").await;
    assert!(new_key.len() == 64 && new_key != first_key);
    assert_eq!(ping(&base, &new_key).await, 200);
    assert_ne!(ping(&base, &first_key).await, 200, "the old key is dead");
    w.shot("14-apikey").await;

    // A GTT placed over the API shows on the order book's GTT tab; modify it there, then
    // cancel it after the confirmation.
    let placed: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/placegttorder"))
        .json(
            &json!({"apikey": new_key, "strategy": "browser", "trigger_type": "OCO",
            "exchange": exchange, "symbol": "SBIN", "action": "BUY", "product": "CNC",
            "quantity": 3, "price": 0, "triggerprice_sl": 100, "stoploss": 100.5,
            "triggerprice_tg": 5000, "target": 5001}),
        )
        .send()
        .await
        .expect("placegttorder")
        .json()
        .await
        .expect("json");
    let trigger = placed["trigger_id"]
        .as_str()
        .expect("trigger id")
        .to_owned();
    w.visit("/orderbook").await;
    b.click("#book-tabs a[href=\"/orderbook/gtt\"]").await;
    b.url_ends("/orderbook/gtt").await;
    let grow = format!("tr[data-trigger-id=\"{trigger}\"]");
    b.text_contains(&grow, "two-leg").await;
    b.text_contains(&grow, "100.00 / 5,000.00").await;
    w.shot("14a-gtt").await;
    b.click(&format!("{grow} a.button")).await;
    b.fill("input[name=quantity]", "4").await;
    w.shot("14b-gtt-modify").await;
    b.click("#modify-gtt-submit").await;
    b.text_contains("#flash", "GTT modified").await;
    b.text_contains(&grow, "4").await;
    b.click(&format!("button[data-cancel-gtt=\"{trigger}\"]"))
        .await;
    b.accept_dialog().await;
    b.text_contains("#flash", "GTT cancelled").await;
    assert!(
        b.try_find(&grow).await.is_none(),
        "the cancelled GTT left the list"
    );
    w.shot("14c-gtt-cancelled").await;

    // The order is in the log.
    w.visit("/logs").await;
    let log = b.text("#order-log").await;
    assert!(
        log.contains("placeorder") && log.contains("SBIN") && log.contains("analyze"),
        "{log}"
    );
    assert!(
        !log.contains(&first_key) && !log.contains(&new_key),
        "no key in the log"
    );
    w.shot("15-logs-orders").await;
    w.visit("/logs?tab=traffic").await;
    b.text_contains("#traffic", "/api/v1/ping").await;
    w.shot("16-logs-traffic").await;
    w.visit("/logs?tab=latency").await;
    b.text_contains("#latency", "simulator").await;
    w.shot("17-logs-latency").await;

    // A webhook strategy: created and mapped on its pages, fired like TradingView would.
    w.visit("/strategy").await;
    b.fill("#s-name", "Walk breakout").await;
    b.click("#strategy-create").await;
    b.text_contains("#flash", "Strategy created").await;
    b.fill("#bulk", "SBIN,NSE,3,MIS").await;
    b.click("#strategy-map-save").await;
    b.text_contains("#flash", "Symbols saved").await;
    let hook = b.text("#webhook-url").await;
    let fired = reqwest::Client::new()
        .post(&hook)
        .json(&json!({"symbol": "SBIN", "action": "BUY"}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(fired.status(), 200, "the webhook places the order");
    w.visit("/strategy").await;
    b.click("#strategies a").await;
    b.text_contains("#strategy-log", "BUY 3 NSE:SBIN MIS: order")
        .await;
    w.shot("17a-strategy").await;
    w.visit("/orderbook").await;
    b.text_contains("main", "SBIN").await;

    // The Risk page: trip the analyzer account's kill switch, see an order refused, release it.
    w.visit("/risk").await;
    b.fill("#kill-analyze-why", "browser walk").await;
    b.click("#kill-analyze-engage").await;
    b.accept_dialog().await;
    b.text_contains("#flash", "Kill switch engaged").await;
    b.text_is("#kill-analyze-state", "Kill switch ON").await;
    b.text_contains("#kill-analyze-reason", "browser walk")
        .await;
    w.shot("17b-risk-kill-switch-on").await;
    let refused = reqwest::Client::new()
        .post(format!("{base}/api/v1/placeorder"))
        .json(
            &json!({"apikey": new_key, "strategy": "walk", "symbol": "SBIN", "exchange": "NSE",
                      "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
        )
        .send()
        .await
        .expect("placeorder");
    assert_eq!(refused.status(), 403, "the kill switch refuses orders");
    b.click("#kill-analyze-release").await;
    b.accept_dialog().await;
    b.text_contains("#flash", "Kill switch released").await;
    b.text_is("#kill-analyze-state", "Kill switch off").await;

    // Semi-auto: switched on from the API key page; an alert then waits in the Action Center,
    // which shows it live (server-sent events) and executes it on approval.
    w.visit("/apikey").await;
    b.click("#apikey-toggle-mode").await;
    b.text_contains("#flash", "Order mode set to Semi-Auto")
        .await;
    b.text_is("#apikey-order-mode", "Semi-Auto").await;
    w.visit("/action-center").await;
    b.text_is("#stat-pending", "0").await;
    // The page follows the queue once its event stream is open.
    b.find("#action-center[data-live=\"1\"]").await;
    let queued = reqwest::Client::new()
        .post(&hook)
        .json(&json!({"symbol": "SBIN", "action": "BUY"}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(queued.status(), 200, "the alert is queued");
    b.text_is("#stat-pending", "1").await;
    b.text_contains("#pending-orders", "Walk breakout").await;
    w.shot("17c-action-center-pending").await;
    b.click("#pending-orders button.approve").await;
    b.text_contains("#flash", "Order approved and executed")
        .await;
    b.text_is("#stat-approved", "1").await;
    b.click("#toggle-mode").await;
    b.text_contains("#flash", "Order mode set to Auto").await;
    w.visit("/action-center?status=approved").await;
    b.text_contains("#pending-orders", "order ").await;
    w.shot("17d-action-center-approved").await;

    // The remaining pages render and keep to the CSP.
    for (path, name) in [
        ("/holdings", "18-holdings"),
        ("/sandbox", "19-sandbox"),
        ("/settings", "20-settings"),
        ("/security", "21-ip-bans"),
        ("/auth/totp", "22-totp"),
        ("/broker", "23-broker"),
        ("/orderbook", "24-orderbook-final"),
    ] {
        w.visit(path).await;
        b.find("main h1").await;
        w.shot(name).await;
    }

    // The option chain: strikes around ATM with live last prices, an order from a strike
    // through the ticket's review step.
    b.click("nav.main a[href=\"/options\"]").await;
    b.find("#option-chain tr.atm").await;
    let rows: u64 = b
        .script(
            "return document.querySelectorAll('#option-chain tbody tr').length",
            json!([]),
        )
        .await
        .as_u64()
        .expect("row count");
    assert_eq!(rows, 21, "ten strikes each side of ATM");
    let call_ltp = "#option-chain tr.atm td[data-ltp-key]";
    let option_key = b.attr(call_ltp, "data-ltp-key").await.expect("key");
    let option_symbol = option_key
        .strip_prefix("NFO:")
        .unwrap_or_else(|| panic!("{option_key}"))
        .to_owned();
    assert!(option_symbol.ends_with("CE"), "{option_symbol}");
    let first = b.text(call_ltp).await;
    w.until("a live option price", 30, || async {
        b.text(call_ltp).await != first
    })
    .await;
    // IV and delta follow the live price (recomputed on the page from each tick).
    w.until("the call's IV from a live price", 10, || async {
        b.attr("#option-chain tr.atm td[data-iv-key]", "data-live")
            .await
            .as_deref()
            == Some("1")
    })
    .await;
    let iv: f64 = b
        .text("#option-chain tr.atm td[data-iv-key]")
        .await
        .parse()
        .expect("an IV figure");
    assert!((1.0..200.0).contains(&iv), "IV {iv}");
    w.shot("24a-option-chain").await;
    b.click("#option-chain tr.atm a[data-ticket=\"BUY\"]").await;
    assert_eq!(
        b.script(
            "return document.getElementById('t-symbol').value",
            json!([])
        )
        .await,
        json!(option_symbol)
    );
    b.click("#t-review").await;
    b.text_is("#r-instrument", &option_key).await;
    w.shot("24b-option-ticket-confirm").await;
    b.click("#t-confirm").await;
    b.url_ends("/orderbook").await;
    let flash = b.text("#flash").await;
    let option_order = flash
        .strip_prefix("Order placed: ")
        .unwrap_or_else(|| panic!("{flash}"))
        .trim()
        .to_owned();
    b.text_contains(
        &format!("tr[data-order-id=\"{option_order}\"]"),
        &option_symbol,
    )
    .await;
    w.shot("24c-orderbook-option").await;

    // Dark theme, remembered across pages; and a phone-sized viewport.
    w.visit("/dashboard").await;
    b.click("#theme-toggle").await;
    w.visit("/positions").await;
    assert_eq!(
        b.script(
            "return document.documentElement.getAttribute('data-theme')",
            json!([])
        )
        .await,
        json!("dark")
    );
    w.shot("25-positions-dark").await;
    b.resize(390, 844).await;
    w.visit("/dashboard").await;
    w.shot("26-dashboard-dark").await;

    // Sign out.
    w.visit("/auth/logout").await;
    b.click("button[type=submit]").await;
    b.url_ends("/auth/login").await;
    w.visit("/dashboard").await;
    assert!(b.url().await.ends_with("/auth/login"), "signed out");
}
