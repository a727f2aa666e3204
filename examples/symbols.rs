//! A newcomer's tour of OpenAlgo symbols and the instrument master.
//!
//! Run with `cargo run --example symbols`.

use chrono::NaiveDate;
use openalgo::core::instrument::{ExpiryKind, SearchQuery};
use openalgo::core::testing::synthetic_market;
use openalgo::{Exchange, OptionType, SymbolParts, SymbolTable};

fn main() {
    println!("== Parsing OpenAlgo symbols ==");
    for (text, exchange) in [
        ("SBIN", Exchange::Nse),
        ("NIFTY", Exchange::NseIndex),
        ("NIFTY30JAN25FUT", Exchange::Nfo),
        ("NIFTY30JAN2521500CE", Exchange::Nfo),
        ("VEDL24APR25292.5CE", Exchange::Nfo),
        ("USDINR27JAN2583.5PE", Exchange::Cds),
        ("NIFTY30FEB25FUT", Exchange::Nfo),
        ("SBIN", Exchange::Nfo),
        ("nifty", Exchange::Nse),
    ] {
        let label = format!("{exchange}:{text}");
        match SymbolParts::parse_for_exchange(text, exchange) {
            Ok(SymbolParts::Plain(ticker)) => {
                println!("{label:<30} plain ticker {ticker}")
            }
            Ok(SymbolParts::Future { underlying, expiry }) => {
                println!(
                    "{exchange}:{text:<22} future on {underlying}, expires {}",
                    expiry.dashed()
                );
            }
            Ok(SymbolParts::Option {
                underlying,
                expiry,
                strike,
                option_type,
            }) => println!(
                "{label:<30} {option_type} option on {underlying}, strike {strike}, expires {}",
                expiry.dashed()
            ),
            Err(e) => println!("{label:<30} error: {e}"),
        }
    }

    println!("\n== An instrument master of 150,000 synthetic instruments ==");
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date");
    let started = std::time::Instant::now();
    let table = SymbolTable::new(synthetic_market(150_000, today));
    println!(
        "built {} instruments in {:?}",
        table.len(),
        started.elapsed()
    );

    let sbin = table.get("SBIN", Exchange::Nse).expect("SBIN is listed");
    println!(
        "SBIN on NSE: token {}, broker symbol {}, lot {}, tick {}",
        sbin.token, sbin.broker_symbol, sbin.lot_size, sbin.tick_size
    );
    let same = table
        .by_token(sbin.token.as_str(), Exchange::Nse)
        .expect("token lookup");
    println!("token {} on NSE is {}", sbin.token, same.symbol);

    let hits = table.search(&SearchQuery::new("nifty 24000").on(Exchange::Nfo));
    println!(
        "\nsearch 'nifty 24000' on NFO: {} hits, first five:",
        hits.len()
    );
    for r in hits.iter().take(5) {
        println!(
            "  {:<24} {:<28} lot {}",
            r.symbol, r.broker_symbol, r.lot_size
        );
    }

    let expiries = table.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, today);
    let shown: Vec<String> = expiries.iter().map(|e| e.dashed()).collect();
    println!("\nNIFTY option expiries: {}", shown.join(", "));
    if let Some(&nearest) = expiries.first() {
        let strikes = table.strikes("NIFTY", Exchange::Nfo, nearest, Some(OptionType::Call));
        println!(
            "{} call strikes for {}: {} .. {}",
            strikes.len(),
            nearest.dashed(),
            strikes.first().map(ToString::to_string).unwrap_or_default(),
            strikes.last().map(ToString::to_string).unwrap_or_default()
        );
    }
}
