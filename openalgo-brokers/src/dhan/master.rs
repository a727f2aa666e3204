//! Dhan's instrument master (`api-scrip-master.csv`, public, with a header) converted to
//! OpenAlgo records: venues from (`SEM_EXM_EXCH_ID`, `SEM_INSTRUMENT_NAME`), derivatives
//! rebuilt `<ROOT><DDMMMYY>[<STRIKE>]FUT|CE|PE` (root = first word of `SEM_CUSTOM_SYMBOL`),
//! index names normalised, `token` = `SEM_SMST_SECURITY_ID`, `broker_exchange` = Dhan's
//! `exchangeSegment`, tick size from paise to rupees. Rows OpenAlgo has no venue for are
//! counted, not guessed.

use std::borrow::Cow;

use openalgo_core::{
    BrokerError, BrokerSymbol, Exchange, ExpiryDate, Instrument, InstrumentToken, InstrumentType,
    Price, Strike, Symbol,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The columns read, by header name.
pub const COLUMNS: [&str; 12] = [
    "SEM_EXM_EXCH_ID",
    "SEM_SEGMENT",
    "SEM_SMST_SECURITY_ID",
    "SEM_INSTRUMENT_NAME",
    "SEM_TRADING_SYMBOL",
    "SEM_LOT_UNITS",
    "SEM_CUSTOM_SYMBOL",
    "SEM_EXPIRY_DATE",
    "SEM_STRIKE_PRICE",
    "SEM_OPTION_TYPE",
    "SEM_TICK_SIZE",
    "SM_SYMBOL_NAME",
];

const EXCH: usize = 0;
const SECURITY_ID: usize = 2;
const INSTRUMENT: usize = 3;
const TRADING_SYMBOL: usize = 4;
const LOT: usize = 5;
const CUSTOM: usize = 6;
const EXPIRY: usize = 7;
const STRIKE: usize = 8;
const OPTION_TYPE: usize = 9;
const TICK: usize = 10;
const NAME: usize = 11;

/// What happened to the CSV's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MasterReport {
    /// Data rows read.
    pub rows: usize,
    /// Rows converted.
    pub converted: usize,
    /// Rows on venues OpenAlgo has no exchange for (e.g. NSE commodity, mutual funds).
    pub unsupported_exchange: usize,
    /// Rows that could not be converted (bad numbers, dates or symbol text).
    pub malformed: usize,
}

/// Parses the whole CSV into OpenAlgo instruments, in file order.
///
/// # Errors
/// [`BrokerError::Decode`] when the header lacks a documented column.
pub fn parse_instruments(csv: &str) -> Result<(Vec<Instrument>, MasterReport), BrokerError> {
    let mut lines = csv.split('\n');
    let header = lines
        .next()
        .ok_or_else(|| BrokerError::Decode("empty instrument master".into()))?;
    let names: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .split(',')
        .map(str::trim)
        .collect();
    let mut index = [0usize; COLUMNS.len()];
    for (slot, want) in index.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| *n == want).ok_or_else(|| {
            BrokerError::Decode(format!("instrument master has no '{want}' column"))
        })?;
    }
    let needed = index.iter().max().map_or(0, |m| m + 1);
    let mut out = Vec::with_capacity(csv.len() / 110);
    let mut report = MasterReport::default();
    let mut fields: Vec<Cow<'_, str>> = Vec::with_capacity(names.len());
    for line in lines {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        report.rows += 1;
        fields.clear();
        crate::csv_fields::split_fields(line, &mut fields);
        if fields.len() < needed {
            report.malformed += 1;
            continue;
        }
        let get = |i: usize| fields[index[i]].trim();
        match convert(&get) {
            Ok(Some(inst)) => {
                report.converted += 1;
                out.push(inst);
            }
            Ok(None) => report.unsupported_exchange += 1,
            Err(()) => report.malformed += 1,
        }
    }
    Ok((out, report))
}

/// (OpenAlgo exchange, Dhan `exchangeSegment`) of a row, by exchange and instrument name;
/// `None` when OpenAlgo has no venue for it.
#[must_use]
pub fn venue(exchange: &str, instrument: &str) -> Option<(Exchange, &'static str)> {
    Some(match (exchange, instrument) {
        ("NSE", "EQUITY") => (Exchange::Nse, "NSE_EQ"),
        ("BSE", "EQUITY") => (Exchange::Bse, "BSE_EQ"),
        ("NSE", "INDEX") => (Exchange::NseIndex, "IDX_I"),
        ("BSE", "INDEX") => (Exchange::BseIndex, "IDX_I"),
        ("MCX", "FUTIDX" | "FUTCOM" | "OPTFUT") => (Exchange::Mcx, "MCX_COMM"),
        ("NSE", "FUTIDX" | "FUTSTK" | "OPTIDX" | "OPTSTK" | "OPTFUT") => (Exchange::Nfo, "NSE_FNO"),
        ("NSE", "FUTCUR" | "OPTCUR") => (Exchange::Cds, "NSE_CURRENCY"),
        ("BSE", "FUTIDX" | "FUTSTK" | "OPTIDX" | "OPTSTK") => (Exchange::Bfo, "BSE_FNO"),
        ("BSE", "FUTCUR" | "OPTCUR") => (Exchange::Bcd, "BSE_CURRENCY"),
        _ => return None,
    })
}

/// `YYYY-MM-DD[ HH:MM:SS]`; empty, `0001-01-01` and other placeholders are no expiry.
fn expiry(text: &str) -> Result<Option<ExpiryDate>, ()> {
    let Some(day) = text.get(..10) else {
        return Ok(None);
    };
    let b = day.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return Err(());
    }
    let y: i32 = day[0..4].parse().map_err(|_| ())?;
    if y < 1900 {
        return Ok(None);
    }
    let m: u32 = day[5..7].parse().map_err(|_| ())?;
    let d: u32 = day[8..10].parse().map_err(|_| ())?;
    ExpiryDate::from_ymd(y, m, d).map(Some).ok_or(())
}

fn decimal(text: &str) -> Result<Decimal, ()> {
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    Decimal::from_str_exact(text).map_err(|_| ())
}

/// NSE index names as OpenAlgo spells them: upper case, no spaces or dashes, and the
/// reference's renames.
#[must_use]
pub fn nse_index_symbol(symbol: &str) -> String {
    let compact: String = symbol
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let renamed = match compact.as_str() {
        "NIFTYNEXT50" => "NIFTYNXT50",
        "NIFTYMCAP50" => "NIFTYMIDCAP50",
        "NIFTYMIDSMALLCAP400" => "NIFTYMIDSML400",
        "NIFTYSMALLCAP50" => "NIFTYSMLCAP50",
        "NIFTYSMALLCAP100" => "NIFTYSMLCAP100",
        "NIFTYSMALLCAP250" => "NIFTYSMLCAP250",
        "NIFTY100EQUALWEIGHT" => "NIFTY100EQLWGT",
        "NIFTY100LOWVOLATILITY30" => "NIFTY100LOWVOL30",
        "NIFTYMID100FREE" => "NIFTYMIDCAP100",
        _ => return compact,
    };
    renamed.to_owned()
}

/// BSE index names as OpenAlgo spells them (the codes shared with Kite's master), else the
/// name without spaces.
#[must_use]
pub fn bse_index_symbol(symbol: &str) -> String {
    let renamed = match symbol {
        "SNSX50" => "SENSEX50",
        "SNXT50" => "BSESENSEXNEXT50",
        "MID150" => "BSE150MIDCAPINDEX",
        "AUTO" => "BSEAUTO",
        "BSE CG" => "BSECAPITALGOODS",
        "BSE CD" => "BSECONSUMERDURABLES",
        "BSEFMC" => "BSEFASTMOVINGCONSUMERGOODS",
        "BSE HC" => "BSEHEALTHCARE",
        "BSE IT" => "BSEINFORMATIONTECHNOLOGY",
        "METAL" => "BSEMETAL",
        "MIDCAP" => "BSEMIDCAP",
        "OILGAS" => "BSEOIL&GAS",
        "POWER" => "BSEPOWER",
        "REALTY" => "BSEREALTY",
        "SMLCAP" => "BSESMALLCAP",
        "TECK" => "BSETECK",
        _ => return symbol.chars().filter(|c| *c != ' ').collect(),
    };
    renamed.to_owned()
}

/// The underlying root of a derivative: the first word of the custom symbol
/// (`NIFTY 30 DEC 26000 CALL`), else the trading symbol before its first `-`.
fn root<'a>(custom: &'a str, trading: &'a str) -> &'a str {
    custom
        .split_whitespace()
        .next()
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| trading.split('-').next().unwrap_or(trading))
}

/// One row → `Ok(None)` for a venue OpenAlgo lacks, `Err` for a malformed row.
fn convert<'a>(get: &impl Fn(usize) -> &'a str) -> Result<Option<Instrument>, ()> {
    let Some((exchange, segment)) = venue(get(EXCH), get(INSTRUMENT)) else {
        return Ok(None);
    };
    let trading = get(TRADING_SYMBOL);
    let kind = get(INSTRUMENT);
    let mut strike = None;
    let mut exp = None;
    let (symbol_text, name, instrument_type): (String, &str, InstrumentType) =
        if kind.starts_with("OPT") {
            let e = expiry(get(EXPIRY))?.ok_or(())?;
            let s = Strike::new(decimal(get(STRIKE))?).ok_or(())?;
            let t: InstrumentType = match get(OPTION_TYPE) {
                "CE" => InstrumentType::Call,
                "PE" => InstrumentType::Put,
                _ => return Err(()),
            };
            let r = root(get(CUSTOM), trading);
            exp = Some(e);
            strike = Some(s);
            (format!("{r}{e}{s}{t}"), r, t)
        } else if kind.starts_with("FUT") {
            let e = expiry(get(EXPIRY))?.ok_or(())?;
            let r = root(get(CUSTOM), trading);
            exp = Some(e);
            (format!("{r}{e}FUT"), r, InstrumentType::Future)
        } else if exchange == Exchange::NseIndex {
            (nse_index_symbol(trading), get(NAME), InstrumentType::Index)
        } else if exchange == Exchange::BseIndex {
            (bse_index_symbol(trading), get(NAME), InstrumentType::Index)
        } else {
            (trading.to_owned(), get(NAME), InstrumentType::Equity)
        };
    let symbol = Symbol::new(&symbol_text).map_err(|_| ())?;
    let lot = decimal(get(LOT))?;
    if !lot.fract().is_zero() {
        return Err(());
    }
    let lot_size = lot.to_u32().ok_or(())?;
    let tick = decimal(get(TICK))? / Decimal::ONE_HUNDRED;
    Ok(Some(Instrument {
        symbol,
        broker_symbol: BrokerSymbol::new(trading).map_err(|_| ())?,
        name: name.to_owned(),
        exchange,
        broker_exchange: segment.to_owned(),
        token: InstrumentToken::new(get(SECURITY_ID)).map_err(|_| ())?,
        expiry: exp,
        strike,
        lot_size,
        instrument_type,
        tick_size: Price::new(tick.normalize()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME";

    fn sample() -> String {
        [
            HEADER,
            "NSE,E,2885,EQUITY,0,RELIANCE,1.0,Reliance Industries,,,,10.0000,NA,ES,EQ,RELIANCE INDUSTRIES LTD",
            "NSE,I,13,INDEX,0,NIFTY,1.0,Nifty 50,,,,,NA,INDEX,X,NIFTY",
            "NSE,I,26,INDEX,0,NIFTY NEXT 50,1.0,Nifty Next 50,,,,,NA,INDEX,X,NIFTY NEXT 50",
            "BSE,I,51,INDEX,0,SENSEX,1.0,Sensex,,,,,NA,INDEX,X,SENSEX",
            "NSE,D,35001,OPTIDX,0,NIFTY-Dec2025-26000-CE,75.0,NIFTY 30 DEC 26000 CALL,2025-12-30 14:30:00,26000.00000,CE,5.0000,M,OP,NA,",
            "NSE,D,35002,FUTIDX,0,NIFTY-Dec2025-FUT,75.0,NIFTY DEC FUT,2025-12-30 14:30:00,-0.01000,XX,10.0000,M,FUTIDX,NA,",
            "NSE,D,35003,OPTSTK,0,VEDL-Dec2025-292.5-PE,1150.0,VEDL 30 DEC 292.5 PUT,2025-12-30 14:30:00,292.50000,PE,5.0000,M,OP,NA,",
            "BSE,D,1100,OPTIDX,0,SENSEX-Dec2025-85000-PE,20.0,SENSEX 24 DEC 85000 PUT,2025-12-24 14:30:00,85000.0,PE,5.0000,W,OP,NA,",
            "MCX,M,4001,FUTCOM,0,CRUDEOIL-Dec2025-FUT,100.0,CRUDEOIL DEC FUT,2025-12-18 23:30:00,-0.01,XX,100.0000,M,FUTCOM,NA,",
            "NSE,C,8001,FUTCUR,0,USDINR-Dec2025-FUT,1.0,USDINR DEC FUT,2025-12-29 12:30:00,-0.01,XX,0.2500,M,FUTCUR,NA,",
            "NSE,M,9001,FUTCOM,0,GOLD-Dec2025-FUT,1.0,GOLD DEC FUT,2025-12-29 12:30:00,-0.01,XX,1.0000,M,FUTCOM,NA,",
            "NSE,D,35004,OPTIDX,0,BAD-Dec2025-1-CE,75.0,BAD 30 DEC 1 CALL,2025-13-30 14:30:00,1.0,CE,5.0000,M,OP,NA,",
            "NSE,E,1,EQUITY",
        ]
        .join("\n")
    }

    #[test]
    fn documented_rows_convert() {
        let (rows, report) = parse_instruments(&sample()).unwrap();
        let got: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.symbol.as_str(),
                    r.exchange.as_str(),
                    r.token.as_str(),
                    r.broker_exchange.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("RELIANCE", "NSE", "2885", "NSE_EQ"),
                ("NIFTY", "NSE_INDEX", "13", "IDX_I"),
                ("NIFTYNXT50", "NSE_INDEX", "26", "IDX_I"),
                ("SENSEX", "BSE_INDEX", "51", "IDX_I"),
                ("NIFTY30DEC2526000CE", "NFO", "35001", "NSE_FNO"),
                ("NIFTY30DEC25FUT", "NFO", "35002", "NSE_FNO"),
                ("VEDL30DEC25292.5PE", "NFO", "35003", "NSE_FNO"),
                ("SENSEX24DEC2585000PE", "BFO", "1100", "BSE_FNO"),
                ("CRUDEOIL18DEC25FUT", "MCX", "4001", "MCX_COMM"),
                ("USDINR29DEC25FUT", "CDS", "8001", "NSE_CURRENCY"),
            ]
        );
        assert_eq!(
            report,
            MasterReport {
                rows: 13,
                converted: 10,
                unsupported_exchange: 1,
                malformed: 2
            }
        );
        assert_eq!(rows[0].tick_size, Price::new(Decimal::new(10, 2)));
        assert_eq!(rows[0].name, "RELIANCE INDUSTRIES LTD");
        assert_eq!(rows[4].lot_size, 75);
        assert_eq!(rows[4].name, "NIFTY");
        assert_eq!(rows[4].broker_symbol.as_str(), "NIFTY-Dec2025-26000-CE");
        assert_eq!(rows[4].instrument_type, InstrumentType::Call);
        assert_eq!(rows[4].expiry.unwrap().dashed(), "30-DEC-25");
        assert_eq!(rows[9].tick_size, Price::new(Decimal::new(25, 4)));
    }

    #[test]
    fn header_must_have_every_column() {
        assert!(parse_instruments("SEM_EXM_EXCH_ID,SEM_SEGMENT\nNSE,E\n").is_err());
        assert!(parse_instruments("").is_err());
        assert_eq!(bse_index_symbol("BSE IT"), "BSEINFORMATIONTECHNOLOGY");
        assert_eq!(nse_index_symbol("Nifty Bank"), "NIFTYBANK");
    }
}
