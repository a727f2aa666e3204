//! Runs the mock Kite (REST + ticker) until stdin closes, printing one JSON line with its URLs
//! and a fresh `request_token`. Used by the `kiteconnect` fidelity check
//! (`scripts/kiteconnect-fidelity`).
//!
//! `cargo run -p openalgo-brokers --features zerodha-mock --example mock_kite -- <api_key> <api_secret>`

use std::io::Read;

use openalgo_brokers::zerodha::mock::MockKite;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let key = args.next().unwrap_or_else(|| "kitekey".into());
    let secret = args.next().unwrap_or_else(|| "kitesecret".into());
    let mock = MockKite::start(&key, &secret).await;
    println!(
        "{}",
        serde_json::json!({
            "rest": mock.rest_url(),
            "ws": mock.ws_url(),
            "request_token": mock.issue_request_token(),
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
