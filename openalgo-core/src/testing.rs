//! Deterministic synthetic instrument masters for tests, benchmarks and examples
//! (feature `test-utils`).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rust_decimal::Decimal;

use crate::instrument::Instrument;
use crate::symbol::{BrokerSymbol, ExpiryDate, Strike, Symbol, SymbolParts};
use crate::{Exchange, InstrumentToken, InstrumentType, OptionType, Price};

const REAL_EQUITIES: &[(&str, &str)] = &[
    ("RELIANCE", "RELIANCE INDUSTRIES"),
    ("SBIN", "STATE BANK OF INDIA"),
    ("INFY", "INFOSYS"),
    ("TCS", "TATA CONSULTANCY SERV"),
    ("HDFCBANK", "HDFC BANK"),
    ("ICICIBANK", "ICICI BANK"),
    ("M&M", "MAHINDRA & MAHINDRA"),
    ("BAJAJ-AUTO", "BAJAJ AUTO"),
    ("TATAMOTORS", "TATA MOTORS"),
    ("ITC", "ITC"),
    ("VEDL", "VEDANTA"),
    ("YESBANK", "YES BANK"),
];

/// An instrument row with sensible defaults for tests.
///
/// # Panics
/// If `symbol` is not a valid symbol for `exchange` or `token` is empty.
#[must_use]
pub fn instrument(symbol: &str, exchange: Exchange, token: &str, lot_size: u32) -> Instrument {
    let parts = SymbolParts::parse_for_exchange(symbol, exchange).expect("valid test symbol");
    let instrument_type = match (exchange, parts) {
        (e, _) if e.is_index() => InstrumentType::Index,
        (_, SymbolParts::Plain(_)) => InstrumentType::Equity,
        (_, SymbolParts::Future { .. }) => InstrumentType::Future,
        (
            _,
            SymbolParts::Option {
                option_type: OptionType::Call,
                ..
            },
        ) => InstrumentType::Call,
        (
            _,
            SymbolParts::Option {
                option_type: OptionType::Put,
                ..
            },
        ) => InstrumentType::Put,
    };
    Instrument {
        symbol: Symbol::new(symbol).expect("valid test symbol"),
        broker_symbol: BrokerSymbol::new(format!("{symbol}-BR")).expect("non-empty"),
        name: parts.underlying().to_owned(),
        exchange,
        broker_exchange: exchange.as_str().to_owned(),
        token: InstrumentToken::new(token).expect("non-empty token"),
        expiry: parts.expiry(),
        strike: parts.strike(),
        lot_size,
        instrument_type,
        tick_size: Price::from_paise(5),
    }
}

/// Every `weekday` from `from` (inclusive) for `count` weeks.
fn weekly(from: NaiveDate, weekday: Weekday, count: usize) -> Vec<ExpiryDate> {
    let offset = (7 + weekday.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    let first = from + Days::new(u64::from(offset));
    (0..count)
        .filter_map(|w| ExpiryDate::new(first + Days::new(7 * w as u64)))
        .collect()
}

fn ticker(i: usize) -> String {
    let mut n = i;
    let mut s = String::from("SYN");
    for _ in 0..4 {
        s.push(char::from(b'A' + u8::try_from(n % 26).unwrap_or(0)));
        n /= 26;
    }
    s
}

struct Builder {
    out: Vec<Instrument>,
    target: usize,
    next_token: u64,
}

impl Builder {
    fn full(&self) -> bool {
        self.out.len() >= self.target
    }

    fn push(
        &mut self,
        parts: SymbolParts<'_>,
        name: &str,
        exchange: Exchange,
        ty: InstrumentType,
        lot: u32,
    ) {
        if self.full() {
            return;
        }
        let symbol = parts.to_symbol().expect("generated symbols are valid");
        let broker = match parts {
            SymbolParts::Plain(t) => format!("{t}-EQ"),
            SymbolParts::Future { underlying, expiry } => {
                format!("{underlying} FUT {}", expiry.dashed())
            }
            SymbolParts::Option {
                underlying,
                expiry,
                strike,
                option_type,
            } => format!("{underlying} {strike} {option_type} {}", expiry.dashed()),
        };
        self.next_token += 1;
        self.out.push(Instrument {
            symbol,
            broker_symbol: BrokerSymbol::new(broker).expect("non-empty"),
            name: name.to_owned(),
            exchange,
            broker_exchange: exchange.as_str().to_owned(),
            token: InstrumentToken::new(self.next_token.to_string()).expect("non-empty"),
            expiry: parts.expiry(),
            strike: parts.strike(),
            lot_size: lot,
            instrument_type: ty,
            tick_size: Price::from_paise(5),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn derivatives(
        &mut self,
        underlying: &str,
        exchange: Exchange,
        expiries: &[ExpiryDate],
        spot: i64,
        step: i64,
        strikes_each_side: i64,
        index: bool,
    ) {
        let (fut_ty, opt_ty) = if index {
            (InstrumentType::FutIdx, InstrumentType::OptIdx)
        } else {
            (InstrumentType::FutStk, InstrumentType::OptStk)
        };
        for &expiry in expiries {
            self.push(
                SymbolParts::Future { underlying, expiry },
                underlying,
                exchange,
                fut_ty,
                75,
            );
            let atm = spot / step * step;
            for k in -strikes_each_side..=strikes_each_side {
                let Some(strike) = Strike::new(Decimal::from(atm + k * step)) else {
                    continue;
                };
                for option_type in [OptionType::Call, OptionType::Put] {
                    let parts = SymbolParts::Option {
                        underlying,
                        expiry,
                        strike,
                        option_type,
                    };
                    self.push(parts, underlying, exchange, opt_ty, 75);
                }
            }
        }
    }
}

/// A deterministic synthetic Indian market of exactly `target` instruments (fewer only if the
/// generator runs out, which happens above several million): NSE and BSE equities, indices,
/// index and stock futures and options with weekly expiries from `today`.
#[must_use]
pub fn synthetic_market(target: usize, today: NaiveDate) -> Vec<Instrument> {
    let mut b = Builder {
        out: Vec::with_capacity(target),
        target,
        next_token: 100_000,
    };
    for (name, exchange) in [
        ("NIFTY", Exchange::NseIndex),
        ("BANKNIFTY", Exchange::NseIndex),
        ("FINNIFTY", Exchange::NseIndex),
        ("SENSEX", Exchange::BseIndex),
    ] {
        b.push(
            SymbolParts::Plain(name),
            name,
            exchange,
            InstrumentType::Index,
            1,
        );
    }
    let weeks = weekly(today, Weekday::Thu, 8);
    let indices: [(&str, Exchange, i64, i64); 4] = [
        ("NIFTY", Exchange::Nfo, 24_000, 50),
        ("BANKNIFTY", Exchange::Nfo, 52_000, 100),
        ("FINNIFTY", Exchange::Nfo, 23_500, 50),
        ("SENSEX", Exchange::Bfo, 80_000, 100),
    ];
    for (name, exchange, spot, step) in indices {
        b.derivatives(name, exchange, &weeks, spot, step, 100, true);
    }
    let monthly: Vec<ExpiryDate> = weeks.iter().copied().step_by(4).collect();
    let mut i = 0usize;
    while !b.full() {
        let (symbol, name) = match REAL_EQUITIES.get(i) {
            Some(&(s, n)) => (s.to_owned(), n.to_owned()),
            None => (ticker(i), format!("SYNTHETIC {i}")),
        };
        b.push(
            SymbolParts::Plain(&symbol),
            &name,
            Exchange::Nse,
            InstrumentType::Equity,
            1,
        );
        b.push(
            SymbolParts::Plain(&symbol),
            &name,
            Exchange::Bse,
            InstrumentType::Equity,
            1,
        );
        let spot = 100 + i64::try_from(i % 5_000).unwrap_or(0) * 3;
        b.derivatives(&symbol, Exchange::Nfo, &monthly, spot, 5, 20, false);
        i += 1;
    }
    b.out
}
