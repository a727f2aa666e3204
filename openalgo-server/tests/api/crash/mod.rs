//! Crash safety of the order desk, end to end: the real binary is killed with SIGKILL while 8
//! clients place, modify and cancel orders, started again on the same data directory, and then
//! - every acknowledged order is in the order book with its symbol, side, type, quantity, price
//!   and status (either state for a modify or cancel whose answer was lost with the server);
//! - the book holds at most as many unannounced orders as order requests were cut off;
//! - every order filled at most once, complete orders exactly once, positions are the sums of
//!   their fills;
//! - `funds` answers the restored ledger and available + utilised = capital + realized P&L;
//! - retrying an acknowledged `Idempotency-Key` replays the same order id and places nothing,
//!   and retrying a cut-off one places the order at most once (replayed, placed now, or refused
//!   with 409 when its order committed before its answer could).
//!
//! Cycles alternate between the simulator account and the analyzer's, on one data directory,
//! so every later cycle checks the earlier cycles' orders again. The kill comes after a seeded
//! random number of acknowledgements. `CRASH_CYCLES`, `CRASH_ORDERS` (the kill comes after
//! half to all of them) and `CRASH_SEED` scale the run; `scripts/crash-bench` runs 20 cycles.

mod check;
mod load;
mod model;
mod retry;
pub(crate) mod server;
mod tally;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use check::Api;
use load::{Holdings, Target};
use model::Account;
use server::Server;

/// Concurrent clients.
const CLIENTS: usize = 8;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_flight_loses_no_acknowledged_order() {
    let cycles = usize::try_from(knob("CRASH_CYCLES", 3)).expect("cycles");
    let orders = usize::try_from(knob("CRASH_ORDERS", 200))
        .expect("orders")
        .max(2);
    let seed = knob("CRASH_SEED", 20_261_204);
    let root = std::env::temp_dir().join(format!(
        "openalgo-crash-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let data = root.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let key = server::setup(&root, &data);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut server = Server::start(&root, &data, root.join("server-0.log"));
    server.ready(&http, &key).await;
    let mut accounts = [
        Account::new("simulator", false),
        Account::new("sandbox", true),
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    println!(
        "crash: {cycles} cycles, {CLIENTS} clients, kill after {}-{orders} answers, seed {seed}",
        orders / 2
    );
    for cycle in 1..=cycles {
        let account = &mut accounts[cycle % 2];
        let api = Api {
            http: http.clone(),
            base: server.base.clone(),
            key: key.clone(),
        };
        api.data("analyzer/toggle", json!({"mode": account.analyze}))
            .await;

        // Load, and the kill after a seeded number of acknowledgements.
        let kill_after = rng.gen_range(orders / 2..=orders);
        let target = Target {
            http: http.clone(),
            base: server.base.clone(),
            key: key.clone(),
            acks: Arc::new(AtomicUsize::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let client_seed = rng.r#gen::<u64>();
                let own = Holdings {
                    resting: account.resting_of(c),
                    shares: account.held_by(c),
                };
                tokio::spawn(load::client(target.clone(), c, client_seed, cycle, own))
            })
            .collect();
        // A client ends early only when refused (reported below).
        while target.acks.load(Ordering::Acquire) < kill_after
            && !clients.iter().any(tokio::task::JoinHandle::is_finished)
        {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        target.stop.store(true, Ordering::Release);
        server.kill();
        let killed = Instant::now();
        let mut records = Vec::new();
        for c in clients {
            records.extend(c.await.expect("client task"));
        }

        // Restart on the same data directory.
        server = Server::start(&root, &data, root.join(format!("server-{cycle}.log")));
        server.ready(&http, &key).await;
        let restart_ms = killed.elapsed().as_millis();
        let api = Api {
            base: server.base.clone(),
            ..api
        };
        let mode = api.data("analyzer", json!({})).await;
        assert_eq!(mode["analyze_mode"], account.analyze, "the mode survives");

        // The restored state: every acknowledged order, fills, positions, funds.
        let tally = tally::apply(account, records);
        assert!(tally.refused.is_empty(), "refused: {:?}", tally.refused);
        let book = api.book().await;
        let found = tally
            .placed
            .iter()
            .filter(|id| book.contains_key(*id))
            .count();
        let mut unannounced = check::orders(account, &book);
        assert!(
            unannounced.len() <= tally.lost_places(),
            "{} orders nobody was told about, {} order requests cut off: {unannounced:?}",
            unannounced.len(),
            tally.lost_places()
        );
        let state = check::restored(&data.join("openalgo.db"), account.name);
        assert_eq!(
            state.orders.len(),
            book.len(),
            "the book is the restored account's"
        );
        let (held, owed) = check::funds(&api, &state).await;
        let fills = check::fills(&api, &book).await;

        // Keyed retries; then the book has grown by exactly the orders they placed, and what
        // is left unannounced was cut off without a key or refused as interrupted (409).
        let retried = retry::keyed(&api, account, &tally, &book, &mut unannounced).await;
        let after = api.book().await;
        let mut expected: BTreeSet<&String> = book.keys().collect();
        expected.extend(retried.fresh.iter());
        assert_eq!(
            after.keys().collect::<BTreeSet<_>>(),
            expected,
            "the book after the retries"
        );
        retry::unanswered(account, &tally, &retried, &book, &unannounced);
        assert!(check::orders(account, &after).is_empty());
        let fills_after = check::fills(&api, &after).await;
        println!(
            "crash cycle {cycle}/{cycles} ({}): acknowledged {} ({} placed, {} modified, {} cancelled), \
             cut off {}, found {found}/{}, unannounced {}, keyed retries {} ({} replayed, {} placed, {} interrupted), \
             fills {fills} (then {fills_after}), orders {}, reconcile ok ({held} = {owed}), restart {restart_ms} ms",
            account.name,
            tally.acked,
            tally.placed.len(),
            tally.modifies,
            tally.cancels,
            tally.lost,
            tally.placed.len(),
            unannounced.len(),
            tally.retries.len(),
            retried.replayed,
            retried.fresh.len(),
            retried.interrupted.len(),
            after.len(),
        );
    }
    drop(server);
    std::fs::remove_dir_all(&root).expect("remove the data directory");
}
