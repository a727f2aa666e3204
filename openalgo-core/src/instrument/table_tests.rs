//! Tests of [`SymbolTable`]: lookups, duplicates, search ranking, expiries and strikes.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::instrument::{ExpiryKind, SearchQuery};
use crate::testing::{instrument, synthetic_market};
use crate::{BrokerSymbol, InstrumentType};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn sample() -> SymbolTable {
    let mut sbin = instrument("SBIN", Exchange::Nse, "3045", 1);
    sbin.name = "State Bank of India".into();
    sbin.broker_symbol = BrokerSymbol::new("SBIN-EQ").unwrap();
    let mut rows = vec![
        sbin,
        instrument("SBIN", Exchange::Bse, "500112", 1),
        instrument("SBICARD", Exchange::Nse, "17971", 1),
        instrument("NIFTY", Exchange::NseIndex, "26000", 1),
        instrument("NIFTYNXT50", Exchange::NseIndex, "26013", 1),
        instrument("NIFTY30JAN25FUT", Exchange::Nfo, "1001", 75),
        instrument("NIFTY27FEB25FUT", Exchange::Nfo, "1002", 75),
        instrument("NIFTY30JAN2521500CE", Exchange::Nfo, "1003", 75),
        instrument("NIFTY30JAN2521500PE", Exchange::Nfo, "1004", 75),
        instrument("NIFTY30JAN2521550CE", Exchange::Nfo, "1005", 75),
        instrument("NIFTY06FEB2521500CE", Exchange::Nfo, "1006", 75),
        instrument("NIFTY02JAN2521500CE", Exchange::Nfo, "1007", 75),
        instrument("NIFTYNXT5030JAN2570000CE", Exchange::Nfo, "1008", 25),
        instrument("NIFTYNXT5030JAN25FUT", Exchange::Nfo, "1009", 25),
        instrument("VEDL24APR25292.5CE", Exchange::Nfo, "1010", 1150),
        instrument("CRUDEOIL19FEB25FUT", Exchange::Mcx, "2001", 100),
    ];
    // Reference master types for the F&O rows.
    for r in &mut rows {
        r.instrument_type = match (r.exchange, r.instrument_type) {
            (Exchange::Nfo, InstrumentType::Future) => InstrumentType::FutIdx,
            (Exchange::Nfo, InstrumentType::Call | InstrumentType::Put) => InstrumentType::OptIdx,
            (Exchange::Mcx, InstrumentType::Future) => InstrumentType::FutCom,
            (_, t) => t,
        };
    }
    SymbolTable::new(rows)
}

#[test]
fn lookups_by_symbol_broker_symbol_and_token() {
    let t = sample();
    assert_eq!(t.get("SBIN", Exchange::Nse).unwrap().token.as_str(), "3045");
    assert_eq!(
        t.get("SBIN", Exchange::Bse).unwrap().token.as_str(),
        "500112"
    );
    assert!(t.get("SBIN", Exchange::Nfo).is_none());
    assert!(
        t.get("sbin", Exchange::Nse).is_none(),
        "symbols are case-sensitive"
    );
    assert_eq!(
        t.by_broker_symbol("SBIN-EQ", Exchange::Nse)
            .unwrap()
            .symbol
            .as_str(),
        "SBIN"
    );
    assert_eq!(
        t.by_token("1003", Exchange::Nfo).unwrap().symbol.as_str(),
        "NIFTY30JAN2521500CE"
    );
    assert!(t.by_token("1003", Exchange::Nse).is_none());
    assert_eq!(t.on_exchange(Exchange::NseIndex).count(), 2);
    assert_eq!(t.len(), 16);
}

#[test]
fn duplicates_keep_the_first_record() {
    let mut dup_symbol = instrument("SBIN", Exchange::Nse, "9999", 1);
    dup_symbol.name = "second".into();
    let t = SymbolTable::new(vec![
        instrument("SBIN", Exchange::Nse, "3045", 1),
        instrument("INFY", Exchange::Nse, "3045", 1),
        dup_symbol,
        instrument("INFY", Exchange::Bse, "3045", 1),
    ]);
    let r = t.report();
    assert_eq!((r.kept, r.duplicate_tokens, r.duplicate_symbols), (2, 1, 1));
    assert_eq!(t.get("SBIN", Exchange::Nse).unwrap().token.as_str(), "3045");
    assert!(t.get("INFY", Exchange::Nse).is_none());
    assert_eq!(
        t.by_token("3045", Exchange::Bse).unwrap().symbol.as_str(),
        "INFY"
    );
    assert!(t.by_token("9999", Exchange::Nse).is_none());
}

fn symbols(found: &[&Instrument]) -> Vec<String> {
    found
        .iter()
        .map(|r| format!("{}:{}", r.exchange, r.symbol))
        .collect()
}

#[test]
fn search_ranks_exact_then_prefix_then_in_symbol_then_other() {
    let t = sample();
    let found = t.search(&SearchQuery::new("  sbin "));
    assert_eq!(
        symbols(&found),
        ["NSE:SBIN", "BSE:SBIN"],
        "ties keep load order"
    );
    // Name match (rank 3) after symbol matches; "BANK" only occurs in SBIN's name.
    let found = t.search(&SearchQuery::new("bank"));
    assert_eq!(symbols(&found), ["NSE:SBIN"]);
    let found = t.search(&SearchQuery::new("NIFTY").on(Exchange::NseIndex));
    assert_eq!(symbols(&found), ["NSE_INDEX:NIFTY", "NSE_INDEX:NIFTYNXT50"]);
    // Every term must match; ordering by length then symbol.
    let found = t.search(&SearchQuery::new("NIFTY 21500"));
    assert_eq!(
        symbols(&found),
        [
            "NFO:NIFTY02JAN2521500CE",
            "NFO:NIFTY06FEB2521500CE",
            "NFO:NIFTY30JAN2521500CE",
            "NFO:NIFTY30JAN2521500PE"
        ]
    );
    // Token match.
    assert_eq!(
        symbols(&t.search(&SearchQuery::new("500112"))),
        ["BSE:SBIN"]
    );
    assert!(t.search(&SearchQuery::new("   ")).is_empty());
    assert!(t.search(&SearchQuery::new("ZZZ")).is_empty());
}

#[test]
fn numeric_terms_also_match_equal_strikes() {
    let t = sample();
    // "292.50" is not a substring of anything, but equals VEDL's strike.
    let found = t.search(&SearchQuery::new("292.50"));
    assert_eq!(symbols(&found), ["NFO:VEDL24APR25292.5CE"]);
    let found = t.search(&SearchQuery::new("VEDL 2.925e2"));
    assert_eq!(symbols(&found), ["NFO:VEDL24APR25292.5CE"]);
}

#[test]
fn search_limit_and_prefix_path_agree_with_full_scan() {
    let table = SymbolTable::new(synthetic_market(30_000, d(2026, 11, 24)));
    for (text, exchange, limit) in [
        ("NIFTY", None, 500),
        ("NIFTY", Some(Exchange::Nfo), 50),
        ("BANKNIFTY", None, 500),
        ("SBIN", None, 500),
        ("SYNA", None, 100),
        ("SYNA", Some(Exchange::Bse), 20),
        ("RELIANCE", None, 10),
        ("FINNIFTY 23500", None, 500),
    ] {
        let q = SearchQuery {
            text,
            exchange,
            limit,
        };
        let fast = table.search(&q);
        let scan = table.search_by_scan(&q);
        assert_eq!(
            symbols(&fast),
            symbols(&scan),
            "query {text:?} {exchange:?}"
        );
        assert!(fast.len() <= limit);
    }
    assert_eq!(table.search(&SearchQuery::new("NIFTY")).len(), 500);
}

#[test]
fn expiries_by_kind_excluding_past_and_other_underlyings() {
    let t = sample();
    let fmt = |v: Vec<crate::ExpiryDate>| v.into_iter().map(|e| e.dashed()).collect::<Vec<_>>();
    assert_eq!(
        fmt(t.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Futures, d(2025, 1, 1))),
        ["30-JAN-25", "27-FEB-25"]
    );
    assert_eq!(
        fmt(t.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, d(2025, 1, 1))),
        ["02-JAN-25", "30-JAN-25", "06-FEB-25"]
    );
    // Expired contracts are dropped; NIFTYNXT50 rows never count as NIFTY.
    assert_eq!(
        fmt(t.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, d(2025, 1, 3))),
        ["30-JAN-25", "06-FEB-25"]
    );
    assert_eq!(
        fmt(t.expiries(
            "CRUDEOIL",
            Exchange::Mcx,
            ExpiryKind::Futures,
            d(2025, 1, 1)
        )),
        ["19-FEB-25"]
    );
    assert!(
        t.expiries("NIFTY", Exchange::Bfo, ExpiryKind::Futures, d(2025, 1, 1))
            .is_empty()
    );
    assert!(
        t.expiries("NIFT", Exchange::Nfo, ExpiryKind::Futures, d(2025, 1, 1))
            .is_empty()
    );
    assert_eq!(ExpiryKind::from_wire("options"), Some(ExpiryKind::Options));
    assert_eq!(ExpiryKind::from_wire("Options"), None);
}

#[test]
fn option_chain_strikes_and_contract_lookup() {
    let t = sample();
    let jan30 = crate::ExpiryDate::from_ymd(2025, 1, 30).unwrap();
    let strikes: Vec<String> = t
        .strikes("NIFTY", Exchange::Nfo, jan30, None)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(strikes, ["21500", "21550"]);
    let puts: Vec<String> = t
        .strikes("NIFTY", Exchange::Nfo, jan30, Some(crate::OptionType::Put))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(puts, ["21500"]);
    let strike = crate::Strike::parse_canonical("21550").unwrap();
    assert_eq!(
        t.option(
            "NIFTY",
            Exchange::Nfo,
            jan30,
            strike,
            crate::OptionType::Call
        )
        .unwrap()
        .token
        .as_str(),
        "1005"
    );
    assert!(
        t.option(
            "NIFTY",
            Exchange::Nfo,
            jan30,
            strike,
            crate::OptionType::Put
        )
        .is_none()
    );
}

#[test]
fn holds_a_full_market() {
    let rows = synthetic_market(150_000, d(2026, 11, 24));
    assert_eq!(rows.len(), 150_000);
    let t = SymbolTable::new(rows);
    assert_eq!(t.report().kept, 150_000);
    assert!(t.get("RELIANCE", Exchange::Nse).is_some());
    assert!(
        !t.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, d(2026, 11, 24))
            .is_empty()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn fast_and_scan_search_agree_on_random_queries(
        text in "[A-Z]{1,4}( [0-9]{2,5})?",
        limit in 1usize..600,
    ) {
        let table = small_market();
        let q = SearchQuery { text: &text, exchange: None, limit };
        prop_assert_eq!(symbols(&table.search(&q)), symbols(&table.search_by_scan(&q)));
    }
}

fn small_market() -> &'static SymbolTable {
    static TABLE: std::sync::OnceLock<SymbolTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| SymbolTable::new(synthetic_market(20_000, d(2026, 11, 24))))
}

/// The reference semantics written as plainly as possible: a linear scan with `str::contains`.
fn naive_search<'a>(records: &'a [Instrument], query: &SearchQuery<'_>) -> Vec<&'a Instrument> {
    let whole = query.text.trim().to_uppercase();
    let terms: Vec<&str> = whole.split_whitespace().collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(u8, usize, &str, usize, &Instrument)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| query.exchange.is_none_or(|e| r.exchange == e))
        .filter(|(_, r)| {
            terms.iter().all(|t| {
                let fields = [
                    r.symbol.as_str().to_uppercase(),
                    r.broker_symbol.as_str().to_uppercase(),
                    r.name.to_uppercase(),
                    r.token.as_str().to_uppercase(),
                ];
                fields.iter().any(|f| f.contains(t))
                    || crate::money::parse_decimal(t)
                        .ok()
                        .is_some_and(|n| r.strike.is_some_and(|s| s.value() == n))
            })
        })
        .map(|(i, r)| {
            let s = r.symbol.as_str();
            let rank = if s == whole {
                0
            } else if s.starts_with(&whole) {
                1
            } else if terms.iter().all(|t| s.contains(t)) {
                2
            } else {
                3
            };
            (rank, s.len(), s, i, r)
        })
        .collect();
    hits.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
    hits.into_iter().take(query.limit).map(|h| h.4).collect()
}

fn small_records() -> &'static [Instrument] {
    static RECORDS: std::sync::OnceLock<Vec<Instrument>> = std::sync::OnceLock::new();
    RECORDS.get_or_init(|| synthetic_market(20_000, d(2026, 11, 24)))
}

#[test]
fn search_matches_the_naive_reference_on_typical_queries() {
    let table = small_market();
    for text in [
        "NIFTY",
        "nifty 24000",
        "24000",
        "24000.0",
        "2.4e4",
        "BANK",
        "SBIN",
        "INDUSTRIES",
        "RELIANCE",
        "FINNIFTY 23500 PE",
        "100010",
        "SYNAB",
        "ZZZ",
        "NIFTY30",
        "-EQ",
    ] {
        for exchange in [None, Some(Exchange::Nfo), Some(Exchange::Nse)] {
            let q = SearchQuery {
                text,
                exchange,
                limit: 500,
            };
            assert_eq!(
                symbols(&table.search(&q)),
                symbols(&naive_search(small_records(), &q)),
                "query {text:?} on {exchange:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn search_matches_the_naive_reference_on_random_queries(
        text in "[A-Za-z]{0,5}( [0-9]{1,5}(\\.[05])?)?( (CE|PE|FUT))?",
        limit in 1usize..600,
    ) {
        let q = SearchQuery { text: &text, exchange: None, limit };
        prop_assert_eq!(
            symbols(&small_market().search(&q)),
            symbols(&naive_search(small_records(), &q))
        );
    }
}
