//! No secret in plain text at rest or in logs: the real binary runs a scripted session (setup,
//! web login, TOTP enrolment, API calls with the key, a wrong key, a wrong password, a reset
//! attempt, a stored broker token), then every table, every file of the data directory and
//! the server's log are searched for the API key, the passwords, the TOTP secret and the broker
//! tokens.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use openalgo_server::auth::ApiKeys;
use openalgo_server::store::{SqliteStore, Store};
use openalgo_server::web::totp;
use serde_json::json;

const PASSWORD: &str = "Origin#Pass1";
const WRONG: &str = "Wrong#Guess77";
const RESET_TO: &str = "Reset#Pass99";
const BROKER_TOKEN: &str = "kite-access-token-7Hq2Lm9Zx";
const FEED_TOKEN: &str = "kite-feed-token-4Rt8Vb1Nc";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openalgo(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_openalgo"));
    c.arg("--data-dir").arg(data);
    for var in [
        "API_KEY_PEPPER",
        "APP_KEY",
        "DATABASE_URL",
        "OPENALGO_DATA_DIR",
        "FLASK_PORT",
        "OPENALGO_PORT",
    ] {
        c.env_remove(var);
    }
    c
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).map(|i| i + start.len()).expect(start);
    let j = html[i..].find(end).expect(end);
    &html[i..i + j]
}

fn csrf(html: &str) -> String {
    between(html, r#"name="csrf_token" value=""#, "\"").to_owned()
}

/// Every value of every table, as text.
fn dump_tables(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..n {
                let v: rusqlite::types::Value = row.get(i).expect("value");
                out.push_str(&format!("{t}:{v:?}\n"));
            }
        }
    }
    out
}

fn files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("data dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect()
}

#[tokio::test]
async fn no_secret_is_stored_or_logged_in_plain_text() {
    let data = std::env::temp_dir().join(format!("openalgo-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let setup = openalgo(&data)
        .args(["setup", "--username", "admin", "--password", PASSWORD])
        .output()
        .unwrap();
    assert!(setup.status.success(), "{setup:?}");
    let api_key = String::from_utf8(setup.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(api_key.len(), 64);

    // A broker session as a broker login would leave it (encrypted with Fernet(main)).
    {
        let settings = openalgo_server::Settings::load(None, None, Some(data.clone())).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&settings.database_path).unwrap());
        let keys = ApiKeys::new(
            Arc::clone(&store),
            settings.pepper.clone(),
            &settings.fernet_salt,
        );
        let admin = store.admin_id().unwrap().unwrap();
        let (t, f) = (
            keys.cipher().encrypt(BROKER_TOKEN),
            keys.cipher().encrypt(FEED_TOKEN),
        );
        store
            .save_broker_token(admin, "zerodha", &t, Some(&f), 0)
            .unwrap();
    }

    let port = crate::helpers::free_port();
    let log = std::fs::File::create(data.join("server.log")).unwrap();
    let _server = Server(
        openalgo(&data)
            .args(["--port", &port.to_string(), "serve"])
            .env("WEBSOCKET_PORT", crate::helpers::free_port().to_string())
            .env("RUST_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let web = crate::helpers::browser();
    let mut up = false;
    for _ in 0..200 {
        if web.get(format!("{base}/health/live")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "server started");

    // Web: a wrong password, a good one, TOTP enrolment.
    let page = web
        .get(format!("{base}/auth/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = |user: &str, pass: &str| {
        vec![
            ("csrf_token".to_owned(), csrf(&page)),
            ("username".into(), user.into()),
            ("password".into(), pass.into()),
        ]
    };
    let r = web
        .post(format!("{base}/auth/login"))
        .form(&form("admin", WRONG))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = web
        .post(format!("{base}/auth/login"))
        .form(&form("admin", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = web
        .get(format!("{base}/auth/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = between(&page, r#"<code class="secret">"#, "<").to_owned();
    // Real time: should the 30-second step turn between computing and checking, try again.
    let mut enabled = false;
    for _ in 0..2 {
        let now_ms = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap();
        let code = totp::code(&totp::from_base32(&secret).unwrap(), totp::step_at(now_ms));
        let r = web
            .post(format!("{base}/auth/totp"))
            .form(&[
                ("csrf_token", csrf(&page).as_str()),
                ("action", "enable"),
                ("totp_code", code.as_str()),
            ])
            .send()
            .await
            .unwrap();
        if r.status() == 303 {
            enabled = true;
            break;
        }
    }
    assert!(enabled, "TOTP enabled");
    // A reset attempt with a wrong code carries a new password.
    let reset = web
        .get(format!("{base}/auth/reset-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = web
        .post(format!("{base}/auth/reset-password"))
        .form(&[
            ("csrf_token", csrf(&reset).as_str()),
            ("username", "admin"),
            ("totp_code", "000000"),
            ("password", RESET_TO),
            ("confirm", RESET_TO),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // API: the key in bodies, in a query string, and a wrong key.
    let api = reqwest::Client::new();
    let ok = api
        .post(format!("{base}/api/v1/funds"))
        .json(&json!({"apikey": api_key}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let order = json!({"apikey": api_key, "strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1});
    assert_eq!(
        api.post(format!("{base}/api/v1/placeorder"))
            .json(&order)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let q = api
        .get(format!(
            "{base}/api/v1/instruments?apikey={api_key}&exchange=NSE_INDEX"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(q.status(), 200);
    let wrong = "9".repeat(64);
    let r = api
        .post(format!("{base}/api/v1/funds"))
        .json(&json!({"apikey": wrong}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Let the traffic and journal writers commit.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    drop(_server);

    let secrets = [
        ("API key", api_key.as_str()),
        ("wrong key", wrong.as_str()),
        ("password", PASSWORD),
        ("wrong password", WRONG),
        ("reset password", RESET_TO),
        ("TOTP secret", secret.as_str()),
        ("broker token", BROKER_TOKEN),
        ("feed token", FEED_TOKEN),
    ];
    let tables = dump_tables(&data.join("openalgo.db")) + &dump_tables(&data.join("logs.db"));
    assert!(
        tables.contains("traffic_log") && tables.contains("/api/v1/instruments"),
        "the session was recorded"
    );
    let log = std::fs::read_to_string(data.join("server.log")).unwrap();
    assert!(
        log.contains("Serving the OpenAlgo API"),
        "the log was captured"
    );
    for (what, secret) in secrets {
        assert!(!tables.contains(secret), "{what} in a table");
        assert!(!log.contains(secret), "{what} in the log");
        for file in files(&data) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            // The install's own key material lives in these files by design (0600).
            if ["pepper", "app_key", "fernet_salt"].contains(&name.as_str()) {
                continue;
            }
            let bytes = std::fs::read(&file).unwrap();
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{what} in {name}");
        }
    }
    std::fs::remove_dir_all(&data).unwrap();
}
