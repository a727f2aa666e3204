//! Dhan adapter benchmarks: a generated 150,000-row `api-scrip-master.csv` into the symbol
//! table, and the live feed decoder (packets per second).
//!
//! Run: `cargo bench -p openalgo-brokers --features dhan-mock --bench dhan`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use openalgo_brokers::dhan::master::parse_instruments;
use openalgo_brokers::dhan::mock::generate_master_csv;
use openalgo_brokers::dhan::ticker::{
    PacketKind, RawLevel, RawPacket, decode_frame, encode_packet, wire_price,
};
use openalgo_core::{Exchange, InstrumentKey, Symbol, SymbolTable};

const ROWS: usize = 150_000;

fn master(c: &mut Criterion) {
    let csv = generate_master_csv(ROWS);
    let mut g = c.benchmark_group("dhan_master");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("parse_150k_rows", |b| {
        b.iter(|| parse_instruments(black_box(&csv)).map(|(rows, _)| rows.len()));
    });
    g.bench_function("parse_and_build_symbol_table_150k_rows", |b| {
        b.iter(|| {
            let (rows, _) = parse_instruments(black_box(&csv)).expect("parse");
            SymbolTable::new(rows).len()
        });
    });
    g.finish();
}

/// `packets` packets back to back: a mix of full, quote and ticker packets.
fn message_of(packets: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..packets {
        let kind = match i % 3 {
            0 => PacketKind::Full,
            1 => PacketKind::Quote,
            _ => PacketKind::Ticker,
        };
        let t = RawPacket {
            kind,
            segment: [1, 2, 3, 0][i % 4],
            security_id: u32::try_from(i).unwrap_or(0),
            ltp: 1573.15,
            volume: 9,
            depth: [RawLevel {
                bid_quantity: 10,
                ask_quantity: 11,
                bid_orders: 2,
                ask_orders: 3,
                bid_price: 1573.1,
                ask_price: 1573.2,
            }; 5],
            ..RawPacket::default()
        };
        encode_packet(&t, &mut out);
    }
    out
}

fn feed(c: &mut Criterion) {
    let message = message_of(256);
    let mut g = c.benchmark_group("dhan_feed");
    g.throughput(Throughput::Elements(256));
    g.bench_function("decode_256_mixed_packets", |b| {
        b.iter(|| {
            let mut volume = 0u64;
            let n = decode_frame(black_box(&message), |t| volume += u64::from(t.volume));
            (n, volume)
        });
    });
    g.bench_function("decode_256_and_convert_ltp_to_decimal", |b| {
        b.iter(|| {
            let mut n = 0usize;
            decode_frame(black_box(&message), |t| {
                n += usize::from(wire_price(t.ltp).is_positive());
            });
            n
        });
    });
    let key = InstrumentKey::new(Symbol::new("INFY").expect("symbol"), Exchange::Nse);
    g.bench_function("decode_and_convert_to_core_ticks_256", |b| {
        b.iter(|| {
            let mut n = 0usize;
            decode_frame(black_box(&message), |t| {
                n += usize::from(t.to_tick(key.clone(), 0).is_some());
            });
            n
        });
    });
    g.finish();
}

criterion_group!(benches, master, feed);
criterion_main!(benches);
