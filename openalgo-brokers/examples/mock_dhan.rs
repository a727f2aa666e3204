//! Runs the mock DhanHQ (REST + consent + scrip master + live feed) until stdin closes,
//! printing one JSON line with its URLs, the client id and a fresh access token. Used by the
//! `dhanhq` fidelity check (`scripts/dhanhq-fidelity`).
//!
//! `cargo run -p openalgo-brokers --features dhan-mock --example mock_dhan -- <client_id> <app_key> <app_secret>`

use std::io::Read;

use openalgo_brokers::dhan::mock::MockDhan;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let client_id = args.next().unwrap_or_else(|| "1000000001".into());
    let app_key = args.next().unwrap_or_else(|| "dhanapp".into());
    let app_secret = args.next().unwrap_or_else(|| "dhansecret".into());
    let mock = MockDhan::start(&client_id, &app_key, &app_secret).await;
    println!(
        "{}",
        serde_json::json!({
            "rest": mock.rest_url(),
            "auth": mock.auth_url(),
            "ws": mock.ws_url(),
            "order_ws": mock.order_ws_url(),
            "master": mock.master_url(),
            "client_id": client_id,
            "access_token": mock.issue_access_token(),
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
