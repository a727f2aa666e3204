//! Angel's `OpenAPIScripMaster.json` (a JSON array of objects whose values are all strings)
//! converted to OpenAlgo records: exchanges mapped (`AMXIDX` rows to `*_INDEX`), series suffixes
//! removed from equities (`SBIN-EQ` → `SBIN`), derivatives rebuilt
//! `<ROOT><DDMMMYY>[<STRIKE>]FUT|CE|PE`, strikes and tick sizes read from paise (÷100; CDS
//! currency and interest-rate options ÷10⁷), index names normalised.

use std::borrow::Cow;

use openalgo_core::{
    BrokerError, BrokerSymbol, Exchange, ExpiryDate, Instrument, InstrumentToken, InstrumentType,
    Price, Strike, Symbol,
};
use rust_decimal::Decimal;
use serde::Deserialize;

/// What happened to the master's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MasterReport {
    /// Rows read.
    pub rows: usize,
    /// Rows converted.
    pub converted: usize,
    /// Rows on venues OpenAlgo has no exchange for (`NCDEX`, `NCO`, ...).
    pub unsupported_exchange: usize,
    /// Rows that could not be converted (bad numbers, dates or symbol text).
    pub malformed: usize,
}

/// One row as served (borrowed where the JSON has no escapes).
#[derive(Debug, Deserialize)]
struct Row<'a> {
    #[serde(borrow, default)]
    token: Cow<'a, str>,
    #[serde(borrow, default)]
    symbol: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    expiry: Cow<'a, str>,
    #[serde(borrow, default)]
    strike: Cow<'a, str>,
    #[serde(borrow, default)]
    lotsize: Cow<'a, str>,
    #[serde(borrow, default)]
    instrumenttype: Cow<'a, str>,
    #[serde(borrow, default)]
    exch_seg: Cow<'a, str>,
    #[serde(borrow, default)]
    tick_size: Cow<'a, str>,
}

/// Parses the whole master into OpenAlgo instruments, in file order. Rows are converted as
/// they are read (no intermediate list of rows).
///
/// # Errors
/// [`BrokerError::Decode`] when the document is not a JSON array of objects.
pub fn parse_master(json: &[u8]) -> Result<(Vec<Instrument>, MasterReport), BrokerError> {
    let Converted(out, report) = serde_json::from_slice(json)
        .map_err(|e| BrokerError::Decode(format!("unreadable Angel instrument master: {e}")))?;
    Ok((out, report))
}

/// The converted rows and the report, built while the array is read.
struct Converted(Vec<Instrument>, MasterReport);

impl<'de> Deserialize<'de> for Converted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rows;
        impl<'de> serde::de::Visitor<'de> for Rows {
            type Value = Converted;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of instrument objects")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Converted, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).max(1024));
                let mut report = MasterReport::default();
                let mut memo = Memo::default();
                while let Some(row) = seq.next_element::<Row<'de>>()? {
                    report.rows += 1;
                    match convert(&row, &mut memo) {
                        Ok(Some(inst)) => {
                            report.converted += 1;
                            out.push(inst);
                        }
                        Ok(None) => report.unsupported_exchange += 1,
                        Err(()) => report.malformed += 1,
                    }
                }
                Ok(Converted(out, report))
            }
        }
        d.deserialize_seq(Rows)
    }
}

/// The last expiry and tick size read: consecutive rows mostly repeat them.
#[derive(Default)]
struct Memo {
    expiry_text: String,
    expiry: Option<ExpiryDate>,
    tick_text: String,
    tick: Price,
}

impl Memo {
    fn expiry(&mut self, text: &str) -> Result<ExpiryDate, ()> {
        if let Some(e) = self.expiry.filter(|_| self.expiry_text == text) {
            return Ok(e);
        }
        let e = expiry(text)?;
        text.clone_into(&mut self.expiry_text);
        self.expiry = Some(e);
        Ok(e)
    }

    fn tick(&mut self, text: &str) -> Result<Price, ()> {
        if self.tick_text != text || self.tick_text.is_empty() {
            self.tick = Price::new(scaled(decimal(text)?.max(Decimal::ZERO), 2));
            text.clone_into(&mut self.tick_text);
        }
        Ok(self.tick)
    }
}

/// OpenAlgo exchange of a row: `None` when OpenAlgo has no venue for it.
#[must_use]
pub fn oa_exchange(exch_seg: &str, instrument_type: &str) -> Option<Exchange> {
    if instrument_type == "AMXIDX" {
        return match exch_seg {
            "NSE" => Some(Exchange::NseIndex),
            "BSE" => Some(Exchange::BseIndex),
            "MCX" => Some(Exchange::McxIndex),
            _ => None,
        };
    }
    super::mapping::exchange_from_angel(exch_seg)
}

/// An equity's trading symbol without its series (`-EQ`, `-BE`, `-MF`, `-SG`).
#[must_use]
pub fn strip_series(symbol: &str) -> Cow<'_, str> {
    const SERIES: [&str; 4] = ["-EQ", "-BE", "-MF", "-SG"];
    if SERIES.iter().any(|s| symbol.contains(s)) {
        let mut out = symbol.to_owned();
        for s in SERIES {
            out = out.replace(s, "");
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(symbol)
    }
}

/// An index's OpenAlgo symbol from its `name`: upper-case without spaces and `-` (and without
/// `S&P ` on BSE), then the reference's renames (`NIFTY50` → `NIFTY`, ...).
#[must_use]
pub fn index_symbol(name: &str, exchange: Exchange) -> String {
    let name = if exchange == Exchange::BseIndex {
        name.replace("S&P ", "")
    } else {
        name.to_owned()
    };
    let compact: String = name
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match compact.as_str() {
        "NIFTY50" => "NIFTY".to_owned(),
        "NIFTYBANK" => "BANKNIFTY".to_owned(),
        "NIFTYFINSERVICE" => "FINNIFTY".to_owned(),
        "NIFTYNEXT50" => "NIFTYNXT50".to_owned(),
        "NIFTYMIDSELECT" | "NIFTYMIDCAPSELECT" => "MIDCPNIFTY".to_owned(),
        "SNSX50" => "SENSEX50".to_owned(),
        _ => compact,
    }
}

/// `26DEC2024` → 26 Dec 2024.
fn expiry(text: &str) -> Result<ExpiryDate, ()> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    let b = text.as_bytes();
    if b.len() != 9 {
        return Err(());
    }
    let digits = |r: std::ops::Range<usize>| -> Result<u32, ()> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit()
                .then(|| acc * 10 + u32::from(c - b'0'))
                .ok_or(())
        })
    };
    let day = digits(0..2)?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(&b[2..5]))
        .and_then(|i| u32::try_from(i + 1).ok())
        .ok_or(())?;
    let year = i32::try_from(digits(5..9)?).map_err(|_| ())?;
    ExpiryDate::from_ymd(year, month, day).ok_or(())
}

fn decimal(text: &str) -> Result<Decimal, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Decimal::ZERO);
    }
    Decimal::from_str_exact(t).map_err(|_| ())
}

/// Paise (or 10⁻⁷ rupees) to rupees, with trailing zeros removed.
fn scaled(raw: Decimal, scale: u32) -> Decimal {
    let mut v = raw;
    v.set_scale(v.scale() + scale).ok();
    v.normalize()
}

fn kind_of(instrument_type: &str) -> Kind {
    match instrument_type {
        "FUTIDX" | "FUTSTK" | "FUTCOM" | "FUTCUR" | "FUTIRC" | "FUTIRT" | "FUTENR" | "FUTBLN"
        | "FUTAGR" => Kind::Future,
        "OPTIDX" | "OPTSTK" | "OPTFUT" | "OPTCUR" | "OPTIRC" | "OPTBLN" | "OPTCOM" => Kind::Option,
        "AMXIDX" => Kind::Index,
        _ => Kind::Cash,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cash,
    Index,
    Future,
    Option,
}

/// One row → `Ok(None)` for a venue OpenAlgo lacks, `Err` for a malformed row.
fn convert(row: &Row<'_>, memo: &mut Memo) -> Result<Option<Instrument>, ()> {
    let itype = row.instrumenttype.as_ref();
    let Some(exchange) = oa_exchange(&row.exch_seg, itype) else {
        return Ok(None);
    };
    let kind = kind_of(itype);
    let strike_scale = if exchange == Exchange::Cds && matches!(itype, "OPTCUR" | "OPTIRC") {
        7
    } else {
        2
    };
    let mut exp = None;
    let mut strike = None;
    let (symbol_text, instrument_type) = match kind {
        Kind::Future => {
            let e = memo.expiry(&row.expiry)?;
            exp = Some(e);
            (format!("{}{e}FUT", row.name), InstrumentType::Future)
        }
        Kind::Option => {
            let e = memo.expiry(&row.expiry)?;
            exp = Some(e);
            let s = Strike::new(scaled(decimal(&row.strike)?, strike_scale)).ok_or(())?;
            strike = Some(s);
            let (text, t) = if row.symbol.ends_with("CE") {
                ("CE", InstrumentType::Call)
            } else if row.symbol.ends_with("PE") {
                ("PE", InstrumentType::Put)
            } else {
                return Err(());
            };
            (format!("{}{e}{s}{text}", row.name), t)
        }
        Kind::Index => (index_symbol(&row.name, exchange), InstrumentType::Index),
        Kind::Cash => (
            strip_series(&row.symbol).into_owned(),
            InstrumentType::Equity,
        ),
    };
    let symbol = Symbol::new(&symbol_text).map_err(|_| ())?;
    let lot_size = match row.lotsize.parse::<u32>() {
        Ok(n) => n,
        Err(_) => decimal(&row.lotsize)?
            .trunc()
            .normalize()
            .to_string()
            .parse::<u32>()
            .map_err(|_| ())?,
    };
    Ok(Some(Instrument {
        symbol,
        broker_symbol: BrokerSymbol::new(row.symbol.as_ref()).map_err(|_| ())?,
        name: row.name.clone().into_owned(),
        exchange,
        broker_exchange: row.exch_seg.clone().into_owned(),
        token: InstrumentToken::new(row.token.as_ref()).map_err(|_| ())?,
        expiry: exp,
        strike,
        lot_size,
        instrument_type,
        tick_size: memo.tick(&row.tick_size)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const SAMPLE: &str = r#"[
{"token":"3045","symbol":"SBIN-EQ","name":"SBIN","expiry":"","strike":"-1.000000","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5.000000"},
{"token":"99926000","symbol":"Nifty 50","name":"NIFTY","expiry":"","strike":"0.000000","lotsize":"1","instrumenttype":"AMXIDX","exch_seg":"NSE","tick_size":"0.000000"},
{"token":"99926009","symbol":"Nifty Bank","name":"BANKNIFTY","expiry":"","strike":"0.000000","lotsize":"1","instrumenttype":"AMXIDX","exch_seg":"NSE","tick_size":"0.000000"},
{"token":"99919000","symbol":"SENSEX","name":"SENSEX","expiry":"","strike":"0.000000","lotsize":"1","instrumenttype":"AMXIDX","exch_seg":"BSE","tick_size":"0.000000"},
{"token":"43650","symbol":"NIFTY26DEC2424000CE","name":"NIFTY","expiry":"26DEC2024","strike":"2400000.000000","lotsize":"75","instrumenttype":"OPTIDX","exch_seg":"NFO","tick_size":"5.000000"},
{"token":"35001","symbol":"NIFTY26DEC24FUT","name":"NIFTY","expiry":"26DEC2024","strike":"-1.000000","lotsize":"75","instrumenttype":"FUTIDX","exch_seg":"NFO","tick_size":"10.000000"},
{"token":"438000","symbol":"CRUDEOIL16DEC246000CE","name":"CRUDEOIL","expiry":"16DEC2024","strike":"600000.000000","lotsize":"100","instrumenttype":"OPTFUT","exch_seg":"MCX","tick_size":"10.000000"},
{"token":"1159","symbol":"USDINR27DEC2483.25CE","name":"USDINR","expiry":"27DEC2024","strike":"832500000.000000","lotsize":"1000","instrumenttype":"OPTCUR","exch_seg":"CDS","tick_size":"0.250000"},
{"token":"1160","symbol":"USDINR27DEC24FUT","name":"USDINR","expiry":"27DEC2024","strike":"-1.000000","lotsize":"1000","instrumenttype":"FUTCUR","exch_seg":"CDS","tick_size":"0.250000"},
{"token":"845001","symbol":"SENSEX24DEC2480000PE","name":"SENSEX","expiry":"24DEC2024","strike":"8000000.000000","lotsize":"20","instrumenttype":"OPTIDX","exch_seg":"BFO","tick_size":"5.000000"},
{"token":"500112","symbol":"SBIN","name":"SBIN","expiry":"","strike":"-1.000000","lotsize":"1","instrumenttype":"","exch_seg":"BSE","tick_size":"5.000000"},
{"token":"7","symbol":"GUARSEED","name":"GUARSEED","expiry":"20DEC2024","strike":"-1.000000","lotsize":"5","instrumenttype":"FUTCOM","exch_seg":"NCDEX","tick_size":"100.000000"},
{"token":"8","symbol":"BAD","name":"BAD","expiry":"31FEB2024","strike":"-1.000000","lotsize":"5","instrumenttype":"FUTSTK","exch_seg":"NFO","tick_size":"5.000000"}
]"#;

    #[test]
    fn documented_rows_convert() {
        let (rows, report) = parse_master(SAMPLE.as_bytes()).unwrap();
        let got: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.symbol.as_str(), r.exchange.as_str(), r.token.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("SBIN", "NSE", "3045"),
                ("NIFTY", "NSE_INDEX", "99926000"),
                ("BANKNIFTY", "NSE_INDEX", "99926009"),
                ("SENSEX", "BSE_INDEX", "99919000"),
                ("NIFTY26DEC2424000CE", "NFO", "43650"),
                ("NIFTY26DEC24FUT", "NFO", "35001"),
                ("CRUDEOIL16DEC246000CE", "MCX", "438000"),
                ("USDINR27DEC2483.25CE", "CDS", "1159"),
                ("USDINR27DEC24FUT", "CDS", "1160"),
                ("SENSEX24DEC2480000PE", "BFO", "845001"),
                ("SBIN", "BSE", "500112"),
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
        assert_eq!(rows[0].tick_size, Price::new(dec!(0.05)));
        assert_eq!(rows[0].broker_symbol.as_str(), "SBIN-EQ");
        assert_eq!(rows[4].strike.unwrap().value(), dec!(24000));
        assert_eq!(rows[4].expiry.unwrap().dashed(), "26-DEC-24");
        assert_eq!(rows[4].lot_size, 75);
        assert_eq!(rows[4].instrument_type, InstrumentType::Call);
        assert_eq!(rows[5].tick_size, Price::new(dec!(0.1)));
        assert_eq!(rows[7].strike.unwrap().value(), dec!(83.25));
        assert_eq!(rows[7].tick_size, Price::new(dec!(0.0025)));
        assert_eq!(rows[9].instrument_type, InstrumentType::Put);
    }

    #[test]
    fn index_names_and_series() {
        assert_eq!(
            index_symbol("Nifty Fin Service", Exchange::NseIndex),
            "FINNIFTY"
        );
        assert_eq!(
            index_symbol("NIFTY MID SELECT", Exchange::NseIndex),
            "MIDCPNIFTY"
        );
        assert_eq!(index_symbol("S&P BSE-100", Exchange::BseIndex), "BSE100");
        assert_eq!(index_symbol("SNSX50", Exchange::BseIndex), "SENSEX50");
        assert_eq!(strip_series("ABC-BE"), "ABC");
        assert_eq!(strip_series("INFY"), "INFY");
        assert!(parse_master(b"{}").is_err());
    }
}
