//! The mock's instruments and the scrip master CSV (Dhan's 16 documented columns), plus a
//! generator of full-size masters for benchmarks.

use std::fmt::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::dhan::master::venue;

/// One row of the mock's master.
#[derive(Debug, Clone)]
pub struct MockInstrument {
    /// `SEM_SMST_SECURITY_ID`.
    pub security_id: u32,
    /// `SEM_EXM_EXCH_ID`: NSE, BSE, MCX.
    pub exchange: String,
    /// `SEM_SEGMENT`: E, I, D, C, M.
    pub segment: String,
    /// `SEM_INSTRUMENT_NAME`: EQUITY, INDEX, FUTIDX, OPTIDX, FUTSTK, OPTSTK, FUTCOM, FUTCUR...
    pub instrument: String,
    /// `SEM_TRADING_SYMBOL`.
    pub trading_symbol: String,
    /// `SEM_CUSTOM_SYMBOL`.
    pub custom_symbol: String,
    /// `SEM_EXPIRY_DATE` of derivatives.
    pub expiry: Option<NaiveDate>,
    /// `SEM_STRIKE_PRICE` of options.
    pub strike: Decimal,
    /// `SEM_OPTION_TYPE`: CE, PE or XX.
    pub option_type: String,
    /// `SEM_LOT_UNITS`.
    pub lot: u32,
    /// `SEM_TICK_SIZE`, in paise.
    pub tick_paise: Decimal,
    /// `SM_SYMBOL_NAME`.
    pub name: String,
    /// Starting last price.
    pub price: Decimal,
}

impl MockInstrument {
    /// Dhan's `exchangeSegment` of the row (`None`: a venue OpenAlgo lacks).
    #[must_use]
    pub fn dhan_segment(&self) -> Option<&'static str> {
        venue(&self.exchange, &self.instrument).map(|(_, s)| s)
    }

    /// Tick size in rupees.
    #[must_use]
    pub fn tick(&self) -> Decimal {
        self.tick_paise / Decimal::ONE_HUNDRED
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    security_id: u32,
    exchange: &str,
    segment: &str,
    instrument: &str,
    trading_symbol: &str,
    custom_symbol: &str,
    expiry: Option<(i32, u32, u32)>,
    strike: Decimal,
    option_type: &str,
    lot: u32,
    name: &str,
    price: Decimal,
) -> MockInstrument {
    MockInstrument {
        security_id,
        exchange: exchange.to_owned(),
        segment: segment.to_owned(),
        instrument: instrument.to_owned(),
        trading_symbol: trading_symbol.to_owned(),
        custom_symbol: custom_symbol.to_owned(),
        expiry: expiry.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        strike,
        option_type: option_type.to_owned(),
        lot,
        tick_paise: match segment {
            "I" => Decimal::ZERO,
            "C" => Decimal::new(25, 2),
            _ => Decimal::new(5, 0),
        },
        name: name.to_owned(),
        price,
    }
}

/// A small, varied master: NSE/BSE equities, NSE/BSE indices, NFO future and options, a BFO
/// option, a CDS future, an MCX future. Expiries are in December 2030.
#[must_use]
pub fn default_instruments() -> Vec<MockInstrument> {
    let d = Decimal::new;
    let z = Decimal::ZERO;
    vec![
        row(
            2885,
            "NSE",
            "E",
            "EQUITY",
            "RELIANCE",
            "Reliance Industries",
            None,
            z,
            "XX",
            1,
            "RELIANCE INDUSTRIES LTD",
            d(142_450, 2),
        ),
        row(
            3045,
            "NSE",
            "E",
            "EQUITY",
            "SBIN",
            "State Bank of India",
            None,
            z,
            "XX",
            1,
            "STATE BANK OF INDIA",
            d(81_235, 2),
        ),
        row(
            1594,
            "NSE",
            "E",
            "EQUITY",
            "INFY",
            "Infosys",
            None,
            z,
            "XX",
            1,
            "INFOSYS LIMITED",
            d(157_315, 2),
        ),
        row(
            500_325,
            "BSE",
            "E",
            "EQUITY",
            "RELIANCE",
            "Reliance Industries",
            None,
            z,
            "XX",
            1,
            "RELIANCE INDUSTRIES LTD",
            d(142_440, 2),
        ),
        row(
            13,
            "NSE",
            "I",
            "INDEX",
            "NIFTY",
            "Nifty 50",
            None,
            z,
            "XX",
            1,
            "NIFTY",
            d(2_450_055, 2),
        ),
        row(
            25,
            "NSE",
            "I",
            "INDEX",
            "BANKNIFTY",
            "Nifty Bank",
            None,
            z,
            "XX",
            1,
            "BANKNIFTY",
            d(5_120_010, 2),
        ),
        row(
            51,
            "BSE",
            "I",
            "INDEX",
            "SENSEX",
            "Sensex",
            None,
            z,
            "XX",
            1,
            "SENSEX",
            d(8_050_025, 2),
        ),
        row(
            35002,
            "NSE",
            "D",
            "FUTIDX",
            "NIFTY-Dec2030-FUT",
            "NIFTY DEC FUT",
            Some((2030, 12, 26)),
            d(-1, 2),
            "XX",
            75,
            "",
            d(2_460_000, 2),
        ),
        row(
            35001,
            "NSE",
            "D",
            "OPTIDX",
            "NIFTY-Dec2030-24500-CE",
            "NIFTY 26 DEC 24500 CALL",
            Some((2030, 12, 26)),
            d(24500, 0),
            "CE",
            75,
            "",
            d(21_050, 2),
        ),
        row(
            35003,
            "NSE",
            "D",
            "OPTIDX",
            "NIFTY-Dec2030-24500-PE",
            "NIFTY 26 DEC 24500 PUT",
            Some((2030, 12, 26)),
            d(24500, 0),
            "PE",
            75,
            "",
            d(19_020, 2),
        ),
        row(
            1100,
            "BSE",
            "D",
            "OPTIDX",
            "SENSEX-Dec2030-80000-CE",
            "SENSEX 24 DEC 80000 CALL",
            Some((2030, 12, 24)),
            d(80000, 0),
            "CE",
            20,
            "",
            d(51_000, 2),
        ),
        row(
            8001,
            "NSE",
            "C",
            "FUTCUR",
            "USDINR-Dec2030-FUT",
            "USDINR DEC FUT",
            Some((2030, 12, 27)),
            d(-1, 2),
            "XX",
            1,
            "",
            d(832_525, 4),
        ),
        row(
            4001,
            "MCX",
            "M",
            "FUTCOM",
            "CRUDEOIL-Dec2030-FUT",
            "CRUDEOIL DEC FUT",
            Some((2030, 12, 18)),
            d(-1, 2),
            "XX",
            100,
            "",
            d(612_300, 2),
        ),
    ]
}

const HEADER: &str = "SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME\n";

fn push_row(out: &mut String, i: &MockInstrument) {
    let expiry = i
        .expiry
        .map(|e| format!("{} 14:30:00", e.format("%Y-%m-%d")))
        .unwrap_or_default();
    let (kind, series) = match i.instrument.as_str() {
        "EQUITY" => ("ES", "EQ"),
        "INDEX" => ("INDEX", "X"),
        k if k.starts_with("OPT") => ("OP", "NA"),
        k => (k, "NA"),
    };
    let _ = writeln!(
        out,
        "{},{},{},{},0,{},{}.0,{},{},{:.5},{},{:.4},{},{},{},{}",
        i.exchange,
        i.segment,
        i.security_id,
        i.instrument,
        i.trading_symbol,
        i.lot,
        i.custom_symbol,
        expiry,
        i.strike,
        i.option_type,
        i.tick_paise,
        if i.expiry.is_some() { "M" } else { "NA" },
        kind,
        series,
        i.name
    );
}

/// The CSV the mock serves as `api-scrip-master.csv`.
#[must_use]
pub fn master_csv(instruments: &[MockInstrument]) -> String {
    let mut out = String::with_capacity(HEADER.len() + instruments.len() * 120);
    out.push_str(HEADER);
    for i in instruments {
        push_row(&mut out, i);
    }
    out
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A full-size master of `rows` rows shaped like Dhan's: about 5% equities (NSE and BSE), a
/// few indices, and the rest NSE/BSE index and stock derivatives, MCX commodities and NSE
/// currency futures and options over twelve expiries and many strikes.
#[must_use]
pub fn generate_master_csv(rows: usize) -> String {
    let mut out = String::with_capacity(HEADER.len() + rows * 120);
    out.push_str(HEADER);
    let mut n = 0usize;
    let mut id = 100_000u32;
    let hundred = Decimal::ONE_HUNDRED;
    while n < rows / 20 {
        let sym = format!("STOCK{n}");
        let ex = if n.is_multiple_of(3) { "BSE" } else { "NSE" };
        id += 1;
        push_row(
            &mut out,
            &row(
                id,
                ex,
                "E",
                "EQUITY",
                &sym,
                &format!("Company {n}"),
                None,
                Decimal::ZERO,
                "XX",
                1,
                &format!("COMPANY {n} LTD"),
                hundred,
            ),
        );
        n += 1;
    }
    for (ex, name) in [
        ("NSE", "NIFTY"),
        ("NSE", "BANKNIFTY"),
        ("NSE", "NIFTY IT"),
        ("BSE", "SENSEX"),
    ] {
        id += 1;
        push_row(
            &mut out,
            &row(
                id,
                ex,
                "I",
                "INDEX",
                name,
                name,
                None,
                Decimal::ZERO,
                "XX",
                1,
                name,
                hundred,
            ),
        );
        n += 1;
    }
    let venues: [(&str, &str, &str, &str); 4] = [
        ("NSE", "D", "FUTSTK", "OPTSTK"),
        ("BSE", "D", "FUTIDX", "OPTIDX"),
        ("MCX", "M", "FUTCOM", "OPTFUT"),
        ("NSE", "C", "FUTCUR", "OPTCUR"),
    ];
    let mut k = 0u32;
    while n < rows {
        let (ex, seg, fut, opt) = venues[(k % 4) as usize];
        let root = format!("UND{}", k % 400);
        let month = (k / 400) % 12;
        let expiry = Some((2030, month + 1, 25));
        let mon = MONTHS[month as usize];
        id += 1;
        push_row(
            &mut out,
            &row(
                id,
                ex,
                seg,
                fut,
                &format!("{root}-{mon}2030-FUT"),
                &format!("{root} {} FUT", mon.to_uppercase()),
                expiry,
                Decimal::new(-1, 2),
                "XX",
                50,
                "",
                hundred,
            ),
        );
        n += 1;
        let mut strike = 1000u32;
        while n < rows && strike < 1000 + 50 * 40 {
            for (kind, word) in [("CE", "CALL"), ("PE", "PUT")] {
                if n >= rows {
                    break;
                }
                id += 1;
                push_row(
                    &mut out,
                    &row(
                        id,
                        ex,
                        seg,
                        opt,
                        &format!("{root}-{mon}2030-{strike}-{kind}"),
                        &format!("{root} 25 {} {strike} {word}", mon.to_uppercase()),
                        expiry,
                        Decimal::from(strike),
                        kind,
                        50,
                        "",
                        hundred,
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
    use crate::dhan::master::parse_instruments;

    #[test]
    fn generated_and_default_masters_parse_completely() {
        let csv = generate_master_csv(5_000);
        assert_eq!(csv.lines().count(), 5_001);
        let (rows, report) = parse_instruments(&csv).unwrap();
        assert_eq!(
            (report.rows, report.converted),
            (5_000, 5_000),
            "{report:?}"
        );
        assert_eq!(rows.len(), 5_000);
        let (rows, report) = parse_instruments(&master_csv(&default_instruments())).unwrap();
        assert_eq!(report.converted, default_instruments().len(), "{report:?}");
        let symbols: Vec<&str> = rows.iter().map(|r| r.symbol.as_str()).collect();
        for want in [
            "NIFTY26DEC3024500CE",
            "NIFTY26DEC30FUT",
            "SENSEX24DEC3080000CE",
            "USDINR27DEC30FUT",
            "CRUDEOIL18DEC30FUT",
            "SENSEX",
            "BANKNIFTY",
        ] {
            assert!(symbols.contains(&want), "{want} in {symbols:?}");
        }
    }
}
