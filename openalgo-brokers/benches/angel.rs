//! Angel One adapter benchmarks: a full-size generated `OpenAPIScripMaster.json` (150 000 rows)
//! into the symbol table, and the SmartStream v2 packet decoder (packets per second).
//!
//! Run: `cargo bench -p openalgo-brokers --features angel-mock --bench angel`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use openalgo_brokers::angel::master::parse_master;
use openalgo_brokers::angel::mock::generate_master_json;
use openalgo_brokers::angel::ticker::{
    MODE_LTP, MODE_QUOTE, MODE_SNAP_QUOTE, RawLevel, RawTick, decode_packet, encode_packet,
    token_field,
};
use openalgo_core::{Exchange, InstrumentKey, Symbol, SymbolTable};

const ROWS: usize = 150_000;

fn master(c: &mut Criterion) {
    let json = generate_master_json(ROWS);
    let mut g = c.benchmark_group("angel_master");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("parse_150k_rows", |b| {
        b.iter(|| parse_master(black_box(json.as_bytes())).map(|(rows, _)| rows.len()));
    });
    g.bench_function("parse_and_build_symbol_table_150k_rows", |b| {
        b.iter(|| {
            let (rows, _) = parse_master(black_box(json.as_bytes())).expect("parse");
            SymbolTable::new(rows).len()
        });
    });
    g.finish();
}

/// 256 packets as SmartStream sends them (one per frame): snap quotes, quotes and LTPs.
fn packets() -> Vec<Vec<u8>> {
    (0..256u16)
        .map(|i| {
            let mode = [MODE_SNAP_QUOTE, MODE_QUOTE, MODE_LTP][usize::from(i) % 3];
            let mut t = RawTick {
                mode,
                exchange_type: 1 + u8::try_from(i % 2).unwrap_or(0),
                token: token_field(&format!("{}", 3000 + i)),
                ltp: 81_235,
                volume: 9,
                ..RawTick::default()
            };
            t.depth = [RawLevel {
                flag: 1,
                quantity: 10,
                price: 81_230,
                orders: 2,
            }; 10];
            encode_packet(&t)
        })
        .collect()
}

fn ticker(c: &mut Criterion) {
    let packets = packets();
    let mut g = c.benchmark_group("angel_smartstream");
    g.throughput(Throughput::Elements(packets.len() as u64));
    g.bench_function("decode_256_mixed_packets", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for p in &packets {
                if let Some(t) = decode_packet(black_box(p)) {
                    sum += t.ltp;
                }
            }
            sum
        });
    });
    let key = InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse);
    g.bench_function("decode_and_convert_to_core_ticks_256", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for p in &packets {
                if let Some(t) = decode_packet(black_box(p)) {
                    n += usize::from(t.to_tick(key.clone(), 0).ltp.is_positive());
                }
            }
            n
        });
    });
    g.finish();
}

criterion_group!(benches, master, ticker);
criterion_main!(benches);
