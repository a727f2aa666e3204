//! The Kite instrument master (`GET /instruments`, CSV) converted to OpenAlgo records:
//! exchanges mapped (indices to `*_INDEX`), derivatives renamed `<ROOT><DDMMMYY>[<STRIKE>]FUT|CE|PE`
//! from `name`/`expiry`/`strike`, index names normalised, `token = instrument_token::::exchange_token`.

use std::borrow::Cow;

use openalgo_core::{
    BrokerError, BrokerSymbol, Exchange, ExpiryDate, Instrument, InstrumentToken, InstrumentType,
    Price, Strike, Symbol,
};
use rust_decimal::Decimal;

/// The documented column order.
pub const COLUMNS: [&str; 12] = [
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
];

/// What happened to the CSV's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MasterReport {
    /// Data rows read.
    pub rows: usize,
    /// Rows converted.
    pub converted: usize,
    /// Rows on venues OpenAlgo has no exchange for (e.g. `CDS` indices).
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
    let names: Vec<&str> = header.trim_end_matches('\r').split(',').collect();
    let mut index = [0usize; 12];
    for (slot, want) in index.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| *n == want).ok_or_else(|| {
            BrokerError::Decode(format!("instrument master has no '{want}' column"))
        })?;
    }
    let width = names.len();
    let mut out = Vec::with_capacity(csv.len() / 80);
    let mut report = MasterReport::default();
    let mut fields: Vec<Cow<'_, str>> = Vec::with_capacity(width);
    for line in lines {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        report.rows += 1;
        fields.clear();
        crate::csv_fields::split_fields(line, &mut fields);
        if fields.len() < width {
            report.malformed += 1;
            continue;
        }
        let get = |i: usize| fields[index[i]].as_ref();
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

/// OpenAlgo exchange of a row: `None` when OpenAlgo has no venue for it.
#[must_use]
pub fn oa_exchange(exchange: &str, segment: &str) -> Option<Exchange> {
    if segment == "INDICES" {
        return match exchange {
            "NSE" => Some(Exchange::NseIndex),
            "BSE" => Some(Exchange::BseIndex),
            "MCX" => Some(Exchange::McxIndex),
            "GLOBAL" | "NSEIX" => Some(Exchange::GlobalIndex),
            _ => None,
        };
    }
    match exchange {
        "NSE" => Some(Exchange::Nse),
        "NFO" => Some(Exchange::Nfo),
        "CDS" => Some(Exchange::Cds),
        "BSE" => Some(Exchange::Bse),
        "BFO" => Some(Exchange::Bfo),
        "BCD" => Some(Exchange::Bcd),
        "MCX" => Some(Exchange::Mcx),
        "NCO" => Some(Exchange::Nco),
        "GLOBAL" | "NSEIX" => Some(Exchange::GlobalIndex),
        _ => None,
    }
}

fn expiry(text: &str) -> Result<Option<ExpiryDate>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(());
    }
    let y: i32 = text[0..4].parse().map_err(|_| ())?;
    let m: u32 = text[5..7].parse().map_err(|_| ())?;
    let d: u32 = text[8..10].parse().map_err(|_| ())?;
    ExpiryDate::from_ymd(y, m, d).map(Some).ok_or(())
}

fn decimal(text: &str) -> Result<Decimal, ()> {
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    Decimal::from_str_exact(text).map_err(|_| ())
}

/// Index names as OpenAlgo spells them.
#[must_use]
pub fn index_symbol(name: &str, exchange: Exchange) -> Cow<'_, str> {
    let renamed = match (exchange, name) {
        (Exchange::NseIndex, "NIFTY 50") => "NIFTY",
        (Exchange::NseIndex, "NIFTY NEXT 50") => "NIFTYNXT50",
        (Exchange::NseIndex, "NIFTY FIN SERVICE") => "FINNIFTY",
        (Exchange::NseIndex, "NIFTY BANK") => "BANKNIFTY",
        (Exchange::NseIndex, "NIFTY MID SELECT") => "MIDCPNIFTY",
        (Exchange::NseIndex, "INDIA VIX") => "INDIAVIX",
        (Exchange::BseIndex, n) => match bse_index(n) {
            Some(r) => r,
            None => return strip_spaces(name),
        },
        _ => return strip_spaces(name),
    };
    Cow::Borrowed(renamed)
}

fn strip_spaces(name: &str) -> Cow<'_, str> {
    if name.contains(' ') {
        Cow::Owned(name.replace(' ', ""))
    } else {
        Cow::Borrowed(name)
    }
}

fn bse_index(name: &str) -> Option<&'static str> {
    Some(match name {
        "SNSX50" => "SENSEX50",
        "SNXT50" => "BSESENSEXNEXT50",
        "MID150" => "BSE150MIDCAPINDEX",
        "LMI250" => "BSE250LARGEMIDCAPINDEX",
        "MSL400" => "BSE400MIDSMALLCAPINDEX",
        "AUTO" => "BSEAUTO",
        "BSE CG" => "BSECAPITALGOODS",
        "CARBON" => "BSECARBONEX",
        "BSE CD" => "BSECONSUMERDURABLES",
        "CPSE" => "BSECPSE",
        "DOL100" => "BSEDOLLEX100",
        "DOL200" => "BSEDOLLEX200",
        "DOL30" => "BSEDOLLEX30",
        "ENERGY" => "BSEENERGY",
        "BSEFMC" => "BSEFASTMOVINGCONSUMERGOODS",
        "FINSER" => "BSEFINANCIALSERVICES",
        "GREENX" => "BSEGREENEX",
        "BSE HC" => "BSEHEALTHCARE",
        "INFRA" => "BSEINDIAINFRASTRUCTUREINDEX",
        "INDSTR" => "BSEINDUSTRIALS",
        "BSE IT" => "BSEINFORMATIONTECHNOLOGY",
        "LRGCAP" => "BSELARGECAP",
        "METAL" => "BSEMETAL",
        "MIDCAP" => "BSEMIDCAP",
        "MIDSEL" => "BSEMIDCAPSELECTINDEX",
        "OILGAS" => "BSEOIL&GAS",
        "POWER" => "BSEPOWER",
        "REALTY" => "BSEREALTY",
        "SMLCAP" => "BSESMALLCAP",
        "SMLSEL" => "BSESMALLCAPSELECTINDEX",
        "SMEIPO" => "BSESMEIPO",
        "TECK" => "BSETECK",
        "TELCOM" => "BSETELECOM",
        _ => return None,
    })
}

/// One row → `Ok(None)` for a venue OpenAlgo lacks, `Err` for a malformed row.
fn convert<'a>(get: &impl Fn(usize) -> &'a str) -> Result<Option<Instrument>, ()> {
    let (tradingsymbol, name, kind, segment, kite_exchange) =
        (get(2), get(3), get(9), get(10), get(11));
    let Some(exchange) = oa_exchange(kite_exchange, segment) else {
        return Ok(None);
    };
    let exp = expiry(get(5))?;
    let strike_value = decimal(get(6))?;
    let instrument_type: InstrumentType = kind.parse().map_err(|_| ())?;
    let mut strike = None;
    let symbol_text: Cow<'_, str> = match instrument_type {
        InstrumentType::Future => {
            let e = exp.ok_or(())?;
            Cow::Owned(format!("{name}{e}FUT"))
        }
        InstrumentType::Call | InstrumentType::Put => {
            let e = exp.ok_or(())?;
            let s = Strike::new(strike_value).ok_or(())?;
            strike = Some(s);
            Cow::Owned(format!("{name}{e}{s}{kind}"))
        }
        _ if exchange.is_index() => index_symbol(tradingsymbol, exchange),
        _ => Cow::Borrowed(tradingsymbol),
    };
    let symbol = Symbol::new(symbol_text.as_ref()).map_err(|_| ())?;
    let lot_size: u32 = if get(8).is_empty() {
        0
    } else {
        get(8).parse().map_err(|_| ())?
    };
    let token = InstrumentToken::new(format!("{}::::{}", get(0), get(1))).map_err(|_| ())?;
    Ok(Some(Instrument {
        symbol,
        broker_symbol: BrokerSymbol::new(tradingsymbol).map_err(|_| ())?,
        name: name.to_owned(),
        exchange,
        broker_exchange: kite_exchange.to_owned(),
        token,
        expiry: exp,
        strike,
        lot_size,
        instrument_type,
        tick_size: Price::new(decimal(get(7))?),
    }))
}

/// The ticker's instrument token inside a stored token (`408065::::1594` → 408065).
#[must_use]
pub fn ticker_token(token: &InstrumentToken) -> Option<u32> {
    let text = token.as_str();
    text.split_once("::::")
        .map_or(text, |(t, _)| t)
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange
256265,1001,NIFTY 50,NIFTY 50,0,,0,0,0,EQ,INDICES,NSE
408065,1594,INFY,\"INFOSYS, LTD\",0,,0,0.05,1,EQ,NSE,NSE
13238786,51714,NIFTY25DECFUT,NIFTY,0,2025-12-30,0,0.05,75,FUT,NFO-FUT,NFO
10689538,41756,NIFTY25DEC26000CE,NIFTY,0,2025-12-30,26000,0.05,75,CE,NFO-OPT,NFO
10689539,41757,NIFTY25D2326000PE,NIFTY,0,2025-12-23,26000.0,0.05,75,PE,NFO-OPT,NFO
5001,20,VEDL25DEC292.5CE,VEDL,0,2025-12-30,292.5,0.05,1150,CE,NFO-OPT,NFO
5002,21,USDINR25DECFUT,USDINR,0,2025-12-29,0,0.0025,1,FUT,CDS-FUT,CDS
265,1,SENSEX,SENSEX,0,,0,0,0,EQ,INDICES,BSE
266,2,BSE IT,BSE IT,0,,0,0,0,EQ,INDICES,BSE
267,3,GIFT NIFTY,GIFT NIFTY,0,,0,0,0,EQ,INDICES,NSEIX
268,4,NIFTY PSU BANK,NIFTY PSU BANK,0,,0,0,0,EQ,INDICES,NSE
269,5,USDINR,USDINR,0,,0,0,0,EQ,INDICES,CDS
270,6,BAD,BAD,0,2025-13-01,0,0.05,1,FUT,NFO-FUT,NFO
";

    #[test]
    fn documented_rows_convert() {
        let (rows, report) = parse_instruments(SAMPLE).unwrap();
        let got: Vec<(String, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.symbol.as_str().to_owned(),
                    r.exchange.as_str(),
                    r.token.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("NIFTY".into(), "NSE_INDEX", "256265::::1001"),
                ("INFY".into(), "NSE", "408065::::1594"),
                ("NIFTY30DEC25FUT".into(), "NFO", "13238786::::51714"),
                ("NIFTY30DEC2526000CE".into(), "NFO", "10689538::::41756"),
                ("NIFTY23DEC2526000PE".into(), "NFO", "10689539::::41757"),
                ("VEDL30DEC25292.5CE".into(), "NFO", "5001::::20"),
                ("USDINR29DEC25FUT".into(), "CDS", "5002::::21"),
                ("SENSEX".into(), "BSE_INDEX", "265::::1"),
                ("BSEINFORMATIONTECHNOLOGY".into(), "BSE_INDEX", "266::::2"),
                ("GIFTNIFTY".into(), "GLOBAL_INDEX", "267::::3"),
                ("NIFTYPSUBANK".into(), "NSE_INDEX", "268::::4"),
            ]
        );
        assert_eq!(
            report,
            MasterReport {
                rows: 13,
                converted: 11,
                unsupported_exchange: 1,
                malformed: 1
            }
        );
        assert_eq!(rows[1].name, "INFOSYS, LTD");
        assert_eq!(rows[3].broker_symbol.as_str(), "NIFTY25DEC26000CE");
        assert_eq!(rows[3].expiry.unwrap().dashed(), "30-DEC-25");
        assert_eq!(rows[3].lot_size, 75);
        assert_eq!(rows[9].broker_exchange, "NSEIX");
        assert_eq!(ticker_token(&rows[1].token), Some(408_065));
    }

    #[test]
    fn header_must_have_every_column() {
        assert!(parse_instruments("instrument_token,tradingsymbol\n1,A\n").is_err());
    }
}
