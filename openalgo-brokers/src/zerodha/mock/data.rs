//! The mock's instruments and the instruments CSV (documented columns), plus a generator of
//! full-size masters for benchmarks.

use std::fmt::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One row of the mock's master.
#[derive(Debug, Clone)]
pub struct MockInstrument {
    /// `instrument_token` (= exchange_token × 256 + segment code).
    pub instrument_token: u32,
    /// `exchange_token`.
    pub exchange_token: u32,
    /// Kite tradingsymbol.
    pub tradingsymbol: String,
    /// Name (underlying root for derivatives).
    pub name: String,
    /// Expiry of derivatives.
    pub expiry: Option<NaiveDate>,
    /// Strike of options.
    pub strike: Decimal,
    /// Tick size.
    pub tick_size: Decimal,
    /// Lot size.
    pub lot_size: u32,
    /// `EQ`, `FUT`, `CE`, `PE`.
    pub instrument_type: String,
    /// Segment (`NSE`, `NFO-OPT`, `INDICES`, ...).
    pub segment: String,
    /// Kite exchange.
    pub exchange: String,
    /// Starting last price.
    pub price: Decimal,
}

#[allow(clippy::too_many_arguments)]
fn row(
    exchange_token: u32,
    segment_code: u32,
    tradingsymbol: &str,
    name: &str,
    expiry: Option<(i32, u32, u32)>,
    strike: Decimal,
    lot_size: u32,
    instrument_type: &str,
    segment: &str,
    exchange: &str,
    price: Decimal,
) -> MockInstrument {
    MockInstrument {
        instrument_token: exchange_token * 256 + segment_code,
        exchange_token,
        tradingsymbol: tradingsymbol.to_owned(),
        name: name.to_owned(),
        expiry: expiry.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        strike,
        tick_size: if segment == "INDICES" {
            Decimal::ZERO
        } else if exchange == "CDS" {
            Decimal::new(25, 4)
        } else {
            Decimal::new(5, 2)
        },
        lot_size,
        instrument_type: instrument_type.to_owned(),
        segment: segment.to_owned(),
        exchange: exchange.to_owned(),
        price,
    }
}

/// A small, varied master: NSE/BSE equities, indices, NFO future and options, a CDS future
/// and an MCX future. Expiries are in December 2030.
#[must_use]
pub fn default_instruments() -> Vec<MockInstrument> {
    let d = |units: i64, scale: u32| Decimal::new(units, scale);
    vec![
        row(
            1594,
            1,
            "INFY",
            "INFOSYS",
            None,
            d(0, 0),
            1,
            "EQ",
            "NSE",
            "NSE",
            d(157_315, 2),
        ),
        row(
            3045,
            1,
            "SBIN",
            "STATE BANK OF INDIA",
            None,
            d(0, 0),
            1,
            "EQ",
            "NSE",
            "NSE",
            d(81_235, 2),
        ),
        row(
            2885,
            1,
            "RELIANCE",
            "RELIANCE INDUSTRIES",
            None,
            d(0, 0),
            1,
            "EQ",
            "NSE",
            "NSE",
            d(142_450, 2),
        ),
        row(
            500_325,
            4,
            "RELIANCE",
            "RELIANCE INDUSTRIES",
            None,
            d(0, 0),
            1,
            "EQ",
            "BSE",
            "BSE",
            d(142_440, 2),
        ),
        row(
            1001,
            9,
            "NIFTY 50",
            "NIFTY 50",
            None,
            d(0, 0),
            0,
            "EQ",
            "INDICES",
            "NSE",
            d(2_450_055, 2),
        ),
        row(
            1002,
            9,
            "NIFTY BANK",
            "NIFTY BANK",
            None,
            d(0, 0),
            0,
            "EQ",
            "INDICES",
            "NSE",
            d(5_120_010, 2),
        ),
        row(
            51714,
            2,
            "NIFTY30DECFUT",
            "NIFTY",
            Some((2030, 12, 26)),
            d(0, 0),
            75,
            "FUT",
            "NFO-FUT",
            "NFO",
            d(2_460_000, 2),
        ),
        row(
            41756,
            2,
            "NIFTY30DEC24500CE",
            "NIFTY",
            Some((2030, 12, 26)),
            d(24500, 0),
            75,
            "CE",
            "NFO-OPT",
            "NFO",
            d(21_050, 2),
        ),
        row(
            41757,
            2,
            "NIFTY30DEC24500PE",
            "NIFTY",
            Some((2030, 12, 26)),
            d(24500, 0),
            75,
            "PE",
            "NFO-OPT",
            "NFO",
            d(19_020, 2),
        ),
        row(
            8001,
            3,
            "USDINR30DECFUT",
            "USDINR",
            Some((2030, 12, 27)),
            d(0, 0),
            1,
            "FUT",
            "CDS-FUT",
            "CDS",
            d(832_525, 4),
        ),
        row(
            9001,
            7,
            "CRUDEOIL30DECFUT",
            "CRUDEOIL",
            Some((2030, 12, 18)),
            d(0, 0),
            100,
            "FUT",
            "MCX-FUT",
            "MCX",
            d(612_300, 2),
        ),
    ]
}

fn push_row(out: &mut String, i: &MockInstrument) {
    let expiry = i.expiry.map(|e| e.to_string()).unwrap_or_default();
    let name = if i.name.contains(',') {
        format!("\"{}\"", i.name)
    } else {
        i.name.clone()
    };
    let _ = writeln!(
        out,
        "{},{},{},{},0,{},{},{},{},{},{},{}",
        i.instrument_token,
        i.exchange_token,
        i.tradingsymbol,
        name,
        expiry,
        i.strike,
        i.tick_size,
        i.lot_size,
        i.instrument_type,
        i.segment,
        i.exchange
    );
}

const HEADER: &str = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n";

/// The CSV `GET /instruments` serves.
#[must_use]
pub fn instruments_csv(instruments: &[MockInstrument]) -> String {
    let mut out = String::with_capacity(HEADER.len() + instruments.len() * 80);
    out.push_str(HEADER);
    for i in instruments {
        push_row(&mut out, i);
    }
    out
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// A full-size master of `rows` rows in the documented columns, shaped like Kite's: about 5%
/// equities (NSE and BSE), a few indices, and the rest NFO/BFO/MCX/CDS futures and options
/// over a handful of expiries and many strikes.
#[must_use]
pub fn generate_instruments_csv(rows: usize) -> String {
    let mut out = String::with_capacity(HEADER.len() + rows * 80);
    out.push_str(HEADER);
    let mut n = 0usize;
    let mut token = 10_000u32;
    let emit = push_row;
    let equities = rows / 20;
    while n < equities {
        let sym = format!("STOCK{n}");
        let (seg, code) = if n.is_multiple_of(3) {
            ("BSE", 4)
        } else {
            ("NSE", 1)
        };
        token += 1;
        emit(
            &mut out,
            &row(
                token,
                code,
                &sym,
                &format!("COMPANY {n} LTD"),
                None,
                Decimal::ZERO,
                1,
                "EQ",
                seg,
                seg,
                Decimal::ONE_HUNDRED,
            ),
        );
        n += 1;
    }
    for name in ["NIFTY 50", "NIFTY BANK", "NIFTY IT", "INDIA VIX"] {
        token += 1;
        emit(
            &mut out,
            &row(
                token,
                9,
                name,
                name,
                None,
                Decimal::ZERO,
                0,
                "EQ",
                "INDICES",
                "NSE",
                Decimal::ONE_HUNDRED,
            ),
        );
        n += 1;
    }
    let venues: [(&str, &str, &str, u32); 4] = [
        ("NFO", "NFO-FUT", "NFO-OPT", 2),
        ("BFO", "BFO-FUT", "BFO-OPT", 5),
        ("MCX", "MCX-FUT", "MCX-OPT", 7),
        ("CDS", "CDS-FUT", "CDS-OPT", 3),
    ];
    let mut k = 0u32;
    while n < rows {
        let (exchange, fut_seg, opt_seg, code) = venues[(k % 4) as usize];
        let root = format!("UND{}", k % 400);
        let month = (k / 400) % 12;
        let expiry = (2030, month + 1, 25);
        let yy_mmm = format!("30{}", MONTHS[month as usize]);
        token += 1;
        emit(
            &mut out,
            &row(
                token,
                code,
                &format!("{root}{yy_mmm}FUT"),
                &root,
                Some(expiry),
                Decimal::ZERO,
                50,
                "FUT",
                fut_seg,
                exchange,
                Decimal::ONE_HUNDRED,
            ),
        );
        n += 1;
        let mut strike = 1000u32;
        while n < rows && strike < 1000 + 50 * 40 {
            for kind in ["CE", "PE"] {
                if n >= rows {
                    break;
                }
                token += 1;
                let ts = format!("{root}{yy_mmm}{strike}{kind}");
                emit(
                    &mut out,
                    &row(
                        token,
                        code,
                        &ts,
                        &root,
                        Some(expiry),
                        Decimal::from(strike),
                        50,
                        kind,
                        opt_seg,
                        exchange,
                        Decimal::ONE_HUNDRED,
                    ),
                );
                n += 1;
            }
            strike += 50;
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zerodha::master::parse_instruments;

    #[test]
    fn generated_master_parses_completely() {
        let csv = generate_instruments_csv(5_000);
        assert_eq!(csv.lines().count(), 5_001);
        let (rows, report) = parse_instruments(&csv).unwrap();
        assert_eq!(report.rows, 5_000);
        assert_eq!(report.converted, 5_000, "{report:?}");
        assert_eq!(rows.len(), 5_000);
        let (rows, report) = parse_instruments(&instruments_csv(&default_instruments())).unwrap();
        assert_eq!(report.converted, default_instruments().len());
        assert!(
            rows.iter()
                .any(|r| r.symbol.as_str() == "NIFTY26DEC3024500CE")
        );
        assert!(rows.iter().any(|r| r.symbol.as_str() == "BANKNIFTY"));
    }
}
