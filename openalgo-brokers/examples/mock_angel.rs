//! Runs the mock SmartAPI (REST + SmartStream v2) until stdin closes, printing one JSON line with
//! its URLs, the credentials it accepts and a ready session (JWT, feed token). Used by the
//! `smartapi-python` fidelity check (`scripts/smartapi-fidelity`).
//!
//! `cargo run -p openalgo-brokers --features angel-mock --example mock_angel -- <api_key>`

use std::io::Read;

use openalgo_brokers::angel::mock::{CLIENT_CODE, MockAngel, PIN, TOTP};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let key = std::env::args().nth(1).unwrap_or_else(|| "angelkey".into());
    let mock = MockAngel::start(&key).await;
    let (jwt, feed) = mock.issue_session();
    println!(
        "{}",
        serde_json::json!({
            "rest": mock.rest_url(),
            "ws": mock.ws_url(),
            "order_ws": mock.order_ws_url(),
            "master": mock.master_url(),
            "client_code": CLIENT_CODE,
            "pin": PIN,
            "totp": TOTP,
            "jwt": jwt,
            "feed_token": feed,
        })
    );
    // Serve until the parent closes stdin.
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await;
    drop(mock);
}
