//! A small W3C WebDriver client over reqwest: just what the walk needs (navigate, find, click,
//! type, read, run a script, accept a dialog, screenshot). It drives the Debian `chromium` via
//! `chromedriver`, started here on a free port.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The chromedriver binary, when installed.
pub(crate) fn chromedriver() -> Option<std::path::PathBuf> {
    let from_env = std::env::var_os("CHROMEDRIVER").map(std::path::PathBuf::from);
    from_env
        .into_iter()
        .chain(
            ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
                .iter()
                .map(std::path::PathBuf::from),
        )
        .find(|p| p.is_file())
}

/// A running chromedriver with one headless browser session.
pub(crate) struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A found element.
#[derive(Clone)]
pub(crate) struct Element(String);

impl Browser {
    /// Starts chromedriver on `port` and opens a headless Chromium session.
    pub(crate) async fn start(driver: &std::path::Path, port: u16) -> Self {
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{root}/status")).send().await
                && r.json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        if std::env::var_os("OPENALGO_BROWSER_SHOW").is_some() {
            args.retain(|a| *a != "--headless=new");
        }
        let mut chrome = json!({"args": args});
        if std::path::Path::new("/usr/bin/chromium").is_file() {
            chrome["binary"] = json!("/usr/bin/chromium");
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
            "goog:loggingPrefs": {"browser": "ALL"},
            "unhandledPromptBehavior": "ignore"
        }}});
        let r: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_owned();
        Self {
            driver: child,
            http,
            base: format!("{root}/session/{id}"),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        v["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None).await
    }

    /// Navigates and waits for the load.
    pub(crate) async fn goto(&self, url: &str) {
        let v = self.post("/url", json!({"url": url})).await;
        assert!(v.is_null(), "navigate {url}: {v}");
    }

    /// The current URL.
    pub(crate) async fn url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page source.
    pub(crate) async fn source(&self) -> String {
        self.get("/source")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching `css`, if any now.
    pub(crate) async fn try_find(&self, css: &str) -> Option<Element> {
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        v[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    /// The first element matching `css`, waiting up to 10 s for it.
    pub(crate) async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} on {}:\n{}",
                self.url().await,
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks `css`.
    pub(crate) async fn click(&self, css: &str) {
        // An element found while the previous page is still being replaced goes stale: find it
        // again on the new page.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let e = self.find(css).await;
            let v = self
                .post(&format!("/element/{}/click", e.0), json!({}))
                .await;
            if v.is_null() {
                return;
            }
            let stale = v.to_string().contains("stale element");
            assert!(stale && Instant::now() < deadline, "click {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Replaces the value of the input `css` with `text`.
    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await;
        let v = self
            .post(&format!("/element/{}/value", e.0), json!({"text": text}))
            .await;
        assert!(v.is_null(), "type into {css}: {v}");
    }

    /// Resizes the browser window.
    pub(crate) async fn resize(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await;
    }

    /// The visible text of `css`.
    pub(crate) async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.get(&format!("/element/{}/text", e.0))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits up to 10 s for the text of `css` to satisfy `ok` (a click that submits a form
    /// returns before the next page is in place, so reads right after one can see the old page
    /// or a stale element); returns the last text read.
    async fn text_until(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text(css).await;
            if ok(&t) || Instant::now() >= deadline {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asserts that the text of `css` becomes `expected` (waiting up to 10 s).
    pub(crate) async fn text_is(&self, css: &str, expected: &str) {
        let t = self.text_until(css, |t| t == expected).await;
        assert_eq!(t, expected, "text of {css} on {}", self.url().await);
    }

    /// Asserts that the text of `css` comes to contain `needle` (waiting up to 10 s).
    pub(crate) async fn text_contains(&self, css: &str, needle: &str) {
        let t = self.text_until(css, |t| t.contains(needle)).await;
        assert!(
            t.contains(needle),
            "text of {css} on {}: {t}",
            self.url().await
        );
    }

    /// Asserts that the URL comes to end with `suffix` (waiting up to 10 s).
    pub(crate) async fn url_ends(&self, suffix: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let u = self.url().await;
            if u.ends_with(suffix) {
                return;
            }
            assert!(Instant::now() < deadline, "at {u}, expected …{suffix}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An attribute of `css`.
    pub(crate) async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let e = self.find(css).await;
        self.get(&format!("/element/{}/attribute/{name}", e.0))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Runs `script` with `args` in the page; its return value.
    pub(crate) async fn script(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Accepts the open `confirm()` dialog, waiting up to 5 s for it.
    pub(crate) async fn accept_dialog(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let v = self.post("/alert/accept", json!({})).await;
            if v.is_null() {
                return;
            }
            assert!(Instant::now() < deadline, "no dialog: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The browser console entries since the last call (CSP violations land here).
    pub(crate) async fn console(&self) -> Vec<String> {
        let v = self.post("/se/log", json!({"type": "browser"})).await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a PNG of the viewport to `path`.
    pub(crate) async fn screenshot(&self, path: &std::path::Path) {
        let v = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("screenshot data"))
            .expect("base64");
        std::fs::write(path, png).expect("write screenshot");
    }
}
