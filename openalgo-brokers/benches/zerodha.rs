//! Zerodha adapter benchmarks: the full-size instruments CSV into the symbol table, and the
//! binary ticker decode (packets per second).
//!
//! Run: `cargo bench -p openalgo-brokers --features zerodha-mock --bench zerodha`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use openalgo_brokers::zerodha::master::parse_instruments;
use openalgo_brokers::zerodha::mock::generate_instruments_csv;
use openalgo_brokers::zerodha::ticker::{
    PacketKind, RawLevel, RawTick, decode_frame, encode_frame,
};
use openalgo_core::{Exchange, InstrumentKey, Symbol, SymbolTable};

fn master(c: &mut Criterion) {
    let csv = generate_instruments_csv(100_000);
    let mut g = c.benchmark_group("zerodha_master");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("parse_100k_rows", |b| {
        b.iter(|| parse_instruments(black_box(&csv)).map(|(rows, _)| rows.len()));
    });
    g.bench_function("parse_and_build_symbol_table_100k_rows", |b| {
        b.iter(|| {
            let (rows, _) = parse_instruments(black_box(&csv)).expect("parse");
            SymbolTable::new(rows).len()
        });
    });
    g.finish();
}

fn frame_of(packets: usize) -> Vec<u8> {
    let mut ticks = Vec::with_capacity(packets);
    for i in 0..packets {
        let token = (u32::try_from(i).unwrap_or(0) << 8) | [1, 2, 3, 9][i % 4];
        let kind = match i % 4 {
            0 => PacketKind::Full,
            1 => PacketKind::Quote,
            2 => PacketKind::Ltp,
            _ => PacketKind::IndexFull,
        };
        let mut t = RawTick {
            kind,
            token,
            last_price: 157_315,
            volume: 9,
            ..RawTick::default()
        };
        t.depth = [RawLevel {
            quantity: 10,
            price: 157_300,
            orders: 2,
        }; 10];
        ticks.push(t);
    }
    encode_frame(&ticks)
}

fn ticker(c: &mut Criterion) {
    // Kite sends up to a few hundred packets per frame; a mix of full, quote, LTP, index.
    let frame = frame_of(256);
    let mut g = c.benchmark_group("zerodha_ticker");
    g.throughput(Throughput::Elements(256));
    g.bench_function("decode_frame_256_mixed_packets", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            let n = decode_frame(black_box(&frame), |t| sum += i64::from(t.last_price));
            (n, sum)
        });
    });
    let key = InstrumentKey::new(Symbol::new("INFY").expect("symbol"), Exchange::Nse);
    g.bench_function("decode_and_convert_to_core_ticks_256", |b| {
        b.iter(|| {
            let mut n = 0usize;
            decode_frame(black_box(&frame), |t| {
                let tick = t.to_tick(key.clone(), 0);
                n += usize::from(tick.ltp.is_positive());
            });
            n
        });
    });
    g.finish();
}

criterion_group!(benches, master, ticker);
criterion_main!(benches);
