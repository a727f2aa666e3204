//! In-process fan-out: 200 clients each holding the same 500 instruments; one tick is
//! serialised once per mode tag and queued to every holder's outbox, then the outboxes are
//! encoded into frames as a stream writer would. Measures the hub and outbox cost per delivered
//! message (network writes excluded: socket outboxes are written by the hub's writer threads,
//! `stream/flusher.rs`).

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use openalgo_core::market::{SubscriptionMode, Tick, TickData};
use openalgo_core::{Exchange, InstrumentKey, Price, Symbol};
use openalgo_server::stream::Hub;
use openalgo_server::stream::outbox::Outbox;

const CLIENTS: usize = 200;
const SYMBOLS: usize = 500;

fn fanout(c: &mut Criterion) {
    let hub = Hub::new("simulator");
    let keys: Vec<InstrumentKey> = (0..SYMBOLS)
        .map(|i| {
            InstrumentKey::new(
                Symbol::new(format!("SYM{i}")).expect("symbol"),
                Exchange::Nse,
            )
        })
        .collect();
    let outboxes: Vec<Arc<Outbox>> = (0..CLIENTS)
        .map(|_| {
            let (id, outbox) = hub.register();
            for k in &keys {
                hub.subscribe(id, k, SubscriptionMode::Ltp);
            }
            outbox
        })
        .collect();
    let ticks: Vec<Tick> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Tick {
            instrument: k.clone(),
            ltp: Price::new(rust_decimal::Decimal::new(
                100_000 + i64::try_from(i).unwrap_or(0),
                2,
            )),
            ltt_ms: Some(1_764_300_000_000),
            timestamp_ms: 1_764_300_000_000,
            data: TickData::Ltp,
        })
        .collect();
    let mut g = c.benchmark_group("fanout_200_clients_500_symbols");
    g.throughput(Throughput::Elements(CLIENTS as u64));
    let mut i = 0usize;
    let mut bytes = Vec::new();
    g.bench_function("one_tick_to_200_clients", |b| {
        b.iter(|| {
            hub.publish_tick(&ticks[i % SYMBOLS]);
            i += 1;
            for o in &outboxes {
                std::hint::black_box(o.take_bytes(&mut bytes));
                bytes.clear();
            }
        });
    });
    g.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
