//! The mock's instruments, the `OpenAPIScripMaster.json` it serves (documented keys, every
//! value a string), and a generator of full-size masters for benchmarks.

use std::fmt::Write;

use rust_decimal::Decimal;

/// One row of the mock's master.
#[derive(Debug, Clone)]
pub struct MockInstrument {
    /// `token`.
    pub token: String,
    /// Angel trading symbol (`SBIN-EQ`, `NIFTY30DEC3024500CE`, `Nifty 50`).
    pub symbol: String,
    /// `name` (underlying root for derivatives).
    pub name: String,
    /// `expiry` (`30DEC2030`) or empty.
    pub expiry: String,
    /// Strike in rupees (written ×100, as Angel does); zero when not an option.
    pub strike: Decimal,
    /// Lot size.
    pub lot_size: u32,
    /// `instrumenttype` (empty for equities, `AMXIDX`, `FUTIDX`, `OPTIDX`, ...).
    pub instrument_type: String,
    /// `exch_seg`.
    pub exch_seg: String,
    /// Tick size in rupees (written ×100).
    pub tick_size: Decimal,
    /// Starting last price.
    pub price: Decimal,
}

#[allow(clippy::too_many_arguments)]
fn row(
    token: &str,
    symbol: &str,
    name: &str,
    expiry: &str,
    strike: i64,
    lot_size: u32,
    instrument_type: &str,
    exch_seg: &str,
    price: Decimal,
) -> MockInstrument {
    MockInstrument {
        token: token.to_owned(),
        symbol: symbol.to_owned(),
        name: name.to_owned(),
        expiry: expiry.to_owned(),
        strike: Decimal::from(strike),
        lot_size,
        instrument_type: instrument_type.to_owned(),
        exch_seg: exch_seg.to_owned(),
        tick_size: if instrument_type == "AMXIDX" {
            Decimal::ZERO
        } else if exch_seg == "CDS" {
            Decimal::new(25, 4)
        } else {
            Decimal::new(5, 2)
        },
        price,
    }
}

/// A small, varied master: NSE/BSE equities, NSE/BSE indices, an NFO future and options, a
/// BFO option, an MCX future, a CDS future and an NCDEX row (not an OpenAlgo venue).
#[must_use]
pub fn default_instruments() -> Vec<MockInstrument> {
    let d = Decimal::new;
    vec![
        row("3045", "SBIN-EQ", "SBIN", "", 0, 1, "", "NSE", d(81_235, 2)),
        row(
            "1594",
            "INFY-EQ",
            "INFY",
            "",
            0,
            1,
            "",
            "NSE",
            d(157_315, 2),
        ),
        row(
            "2885",
            "RELIANCE-EQ",
            "RELIANCE",
            "",
            0,
            1,
            "",
            "NSE",
            d(142_450, 2),
        ),
        row(
            "500325",
            "RELIANCE",
            "RELIANCE",
            "",
            0,
            1,
            "",
            "BSE",
            d(142_440, 2),
        ),
        row(
            "99926000",
            "Nifty 50",
            "NIFTY",
            "",
            0,
            1,
            "AMXIDX",
            "NSE",
            d(2_450_055, 2),
        ),
        row(
            "99926009",
            "Nifty Bank",
            "BANKNIFTY",
            "",
            0,
            1,
            "AMXIDX",
            "NSE",
            d(5_210_010, 2),
        ),
        row(
            "99919000",
            "SENSEX",
            "SENSEX",
            "",
            0,
            1,
            "AMXIDX",
            "BSE",
            d(8_050_025, 2),
        ),
        row(
            "35001",
            "NIFTY30DEC30FUT",
            "NIFTY",
            "30DEC2030",
            0,
            75,
            "FUTIDX",
            "NFO",
            d(2_460_000, 2),
        ),
        row(
            "43650",
            "NIFTY30DEC3024500CE",
            "NIFTY",
            "30DEC2030",
            24_500,
            75,
            "OPTIDX",
            "NFO",
            d(21_050, 2),
        ),
        row(
            "43651",
            "NIFTY30DEC3024500PE",
            "NIFTY",
            "30DEC2030",
            24_500,
            75,
            "OPTIDX",
            "NFO",
            d(19_875, 2),
        ),
        row(
            "845001",
            "SENSEX30DEC3080000CE",
            "SENSEX",
            "30DEC2030",
            80_000,
            20,
            "OPTIDX",
            "BFO",
            d(45_000, 2),
        ),
        row(
            "438000",
            "CRUDEOIL19DEC30FUT",
            "CRUDEOIL",
            "19DEC2030",
            0,
            100,
            "FUTCOM",
            "MCX",
            d(612_300, 2),
        ),
        row(
            "1160",
            "USDINR27DEC30FUT",
            "USDINR",
            "27DEC2030",
            0,
            1000,
            "FUTCUR",
            "CDS",
            d(832_525, 4),
        ),
        row(
            "7001",
            "GUARSEED20DEC2030",
            "GUARSEED",
            "20DEC2030",
            0,
            5,
            "FUTCOM",
            "NCDEX",
            d(5_500, 0),
        ),
    ]
}

fn paise(value: Decimal) -> String {
    format!("{:.6}", value * Decimal::ONE_HUNDRED)
}

fn emit(out: &mut String, i: &MockInstrument) {
    let strike = if i.strike.is_zero() {
        "-1.000000".to_owned()
    } else {
        paise(i.strike)
    };
    if out.len() > 1 {
        out.push_str(",\n");
    }
    let _ = write!(
        out,
        r#"{{"token":"{}","symbol":"{}","name":"{}","expiry":"{}","strike":"{}","lotsize":"{}","instrumenttype":"{}","exch_seg":"{}","tick_size":"{}"}}"#,
        i.token,
        i.symbol,
        i.name,
        i.expiry,
        strike,
        i.lot_size,
        i.instrument_type,
        i.exch_seg,
        paise(i.tick_size)
    );
}

/// The master JSON of `instruments`, as Angel serves it.
#[must_use]
pub fn master_json(instruments: &[MockInstrument]) -> String {
    let mut out = String::with_capacity(instruments.len() * 220 + 2);
    out.push('[');
    for i in instruments {
        emit(&mut out, i);
    }
    out.push(']');
    out
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// A realistic full-size master of `rows` rows: a few thousand equities on NSE and BSE, the
/// indices, then futures and option chains on NFO, BFO, MCX and CDS (for benchmarks).
#[must_use]
pub fn generate_master_json(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 220 + 2);
    out.push('[');
    let mut n = 0usize;
    let mut token = 100_000u64;
    let hundred = Decimal::ONE_HUNDRED;
    for k in 0..4000u32 {
        if n >= rows {
            break;
        }
        let (symbol, seg) = if k % 2 == 0 {
            (format!("STK{k}-EQ"), "NSE")
        } else {
            (format!("STK{k}"), "BSE")
        };
        token += 1;
        emit(
            &mut out,
            &row(
                &token.to_string(),
                &symbol,
                &format!("STK{k}"),
                "",
                0,
                1,
                "",
                seg,
                hundred,
            ),
        );
        n += 1;
    }
    for name in [
        "Nifty 50",
        "Nifty Bank",
        "Nifty Fin Service",
        "NIFTY MID SELECT",
    ] {
        if n >= rows {
            break;
        }
        token += 1;
        emit(
            &mut out,
            &row(
                &token.to_string(),
                name,
                name,
                "",
                0,
                1,
                "AMXIDX",
                "NSE",
                hundred,
            ),
        );
        n += 1;
    }
    let venues: [(&str, &str, &str); 4] = [
        ("NFO", "FUTSTK", "OPTSTK"),
        ("BFO", "FUTIDX", "OPTIDX"),
        ("MCX", "FUTCOM", "OPTFUT"),
        ("CDS", "FUTCUR", "OPTCUR"),
    ];
    let mut k = 0usize;
    while n < rows {
        let (seg, fut, opt) = venues[k % 4];
        let root = format!("UND{}", k % 400);
        let month = (k / 400) % 12;
        let expiry = format!("25{}2030", MONTHS[month]);
        let short = format!("25{}30", MONTHS[month]);
        token += 1;
        emit(
            &mut out,
            &row(
                &token.to_string(),
                &format!("{root}{short}FUT"),
                &root,
                &expiry,
                0,
                50,
                fut,
                seg,
                hundred,
            ),
        );
        n += 1;
        let mut strike = 1000i64;
        while n < rows && strike < 1000 + 50 * 40 {
            for kind in ["CE", "PE"] {
                if n >= rows {
                    break;
                }
                token += 1;
                let (strike_value, shown) = if seg == "CDS" {
                    // Currency strikes are written ×10⁷: a rupee strike of strike/100.
                    (
                        strike * 100_000,
                        format!("{}", Decimal::new(strike, 2).normalize()),
                    )
                } else {
                    (strike, strike.to_string())
                };
                emit(
                    &mut out,
                    &row(
                        &token.to_string(),
                        &format!("{root}{short}{shown}{kind}"),
                        &root,
                        &expiry,
                        strike_value,
                        50,
                        opt,
                        seg,
                        hundred,
                    ),
                );
                n += 1;
            }
            strike += 50;
        }
        k += 1;
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::angel::master::parse_master;

    #[test]
    fn generated_master_parses_completely() {
        let json = generate_master_json(5_000);
        let (rows, report) = parse_master(json.as_bytes()).unwrap();
        assert_eq!(report.rows, 5_000);
        assert_eq!(report.converted, 5_000, "{report:?}");
        assert_eq!(rows.len(), 5_000);
        let (rows, report) = parse_master(master_json(&default_instruments()).as_bytes()).unwrap();
        assert_eq!(report.converted, default_instruments().len() - 1);
        assert_eq!(report.unsupported_exchange, 1);
        assert!(
            rows.iter()
                .any(|r| r.symbol.as_str() == "NIFTY30DEC3024500CE")
        );
        assert!(rows.iter().any(|r| r.symbol.as_str() == "BANKNIFTY"));
        assert!(rows.iter().any(|r| r.symbol.as_str() == "USDINR27DEC30FUT"));
    }
}
