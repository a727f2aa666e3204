//! The simulator's bundled instrument master, generated from today's date: liquid NSE/BSE
//! equities, indices, index futures and option chains, MCX and currency futures.

use chrono::{NaiveDate, Weekday};
use openalgo_core::symbol::{BrokerSymbol, ExpiryDate, Strike, SymbolParts};
use openalgo_core::{Exchange, Instrument, InstrumentToken, InstrumentType, OptionType, Price};
use rust_decimal::Decimal;

use super::calendar::ExpiryRule;

/// (symbol, name, reference price in rupees)
const EQUITIES: &[(&str, &str, u32)] = &[
    ("RELIANCE", "RELIANCE INDUSTRIES", 1_520),
    ("HDFCBANK", "HDFC BANK", 990),
    ("ICICIBANK", "ICICI BANK", 1_380),
    ("INFY", "INFOSYS", 1_560),
    ("TCS", "TATA CONSULTANCY SERVICES", 3_150),
    ("SBIN", "STATE BANK OF INDIA", 960),
    ("ITC", "ITC", 405),
    ("LT", "LARSEN & TOUBRO", 4_020),
    ("AXISBANK", "AXIS BANK", 1_230),
    ("KOTAKBANK", "KOTAK MAHINDRA BANK", 2_110),
    ("BHARTIARTL", "BHARTI AIRTEL", 2_080),
    ("HINDUNILVR", "HINDUSTAN UNILEVER", 2_450),
    ("BAJFINANCE", "BAJAJ FINANCE", 1_020),
    ("MARUTI", "MARUTI SUZUKI INDIA", 15_900),
    ("TATAMOTORS", "TATA MOTORS", 690),
    ("SUNPHARMA", "SUN PHARMACEUTICAL", 1_710),
    ("M&M", "MAHINDRA & MAHINDRA", 3_650),
    ("BAJAJ-AUTO", "BAJAJ AUTO", 9_050),
    ("ASIANPAINT", "ASIAN PAINTS", 2_880),
    ("HCLTECH", "HCL TECHNOLOGIES", 1_620),
    ("WIPRO", "WIPRO", 248),
    ("TECHM", "TECH MAHINDRA", 1_470),
    ("ULTRACEMCO", "ULTRATECH CEMENT", 11_900),
    ("TITAN", "TITAN COMPANY", 3_850),
    ("NESTLEIND", "NESTLE INDIA", 1_270),
    ("POWERGRID", "POWER GRID CORPORATION", 290),
    ("NTPC", "NTPC", 335),
    ("ONGC", "OIL AND NATURAL GAS CORPORATION", 250),
    ("COALINDIA", "COAL INDIA", 385),
    ("TATASTEEL", "TATA STEEL", 172),
    ("JSWSTEEL", "JSW STEEL", 1_160),
    ("HINDALCO", "HINDALCO INDUSTRIES", 810),
    ("ADANIENT", "ADANI ENTERPRISES", 2_420),
    ("ADANIPORTS", "ADANI PORTS AND SEZ", 1_480),
    ("GRASIM", "GRASIM INDUSTRIES", 2_760),
    ("DRREDDY", "DR REDDYS LABORATORIES", 1_270),
    ("CIPLA", "CIPLA", 1_530),
    ("DIVISLAB", "DIVIS LABORATORIES", 6_600),
    ("EICHERMOT", "EICHER MOTORS", 7_000),
    ("HEROMOTOCO", "HERO MOTOCORP", 5_600),
    ("BRITANNIA", "BRITANNIA INDUSTRIES", 5_900),
    ("APOLLOHOSP", "APOLLO HOSPITALS", 7_500),
    ("INDUSINDBK", "INDUSIND BANK", 760),
    ("BAJAJFINSV", "BAJAJ FINSERV", 2_040),
    ("SBILIFE", "SBI LIFE INSURANCE", 1_980),
    ("HDFCLIFE", "HDFC LIFE INSURANCE", 760),
    ("TRENT", "TRENT", 4_700),
    ("BEL", "BHARAT ELECTRONICS", 410),
    ("SHRIRAMFIN", "SHRIRAM FINANCE", 760),
    ("YESBANK", "YES BANK", 22),
];

/// How a simulated instrument is priced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Pricing {
    /// Its own random walk (equities, indices, commodities, currency).
    Spot {
        /// Reference price in rupees.
        reference: f64,
        /// Daily volatility.
        daily_vol: f64,
    },
    /// A future on the spot instrument at index `underlying`.
    Future {
        /// Index of the underlying in the universe.
        underlying: usize,
        /// Expiry.
        expiry: NaiveDate,
    },
    /// An option on the spot instrument at index `underlying`.
    Option {
        /// Index of the underlying.
        underlying: usize,
        /// Strike in rupees.
        strike: f64,
        /// Call or put.
        call: bool,
        /// Expiry.
        expiry: NaiveDate,
        /// Implied volatility (annual).
        iv: f64,
    },
}

/// One simulated instrument.
#[derive(Debug, Clone)]
pub(crate) struct SimInstrument {
    pub(crate) record: Instrument,
    pub(crate) pricing: Pricing,
    /// Tick size in units of 0.0001 rupee.
    pub(crate) tick_units: i64,
}

/// An index or commodity underlying with its derivatives.
struct Underlying {
    name: &'static str,
    spot_exchange: Exchange,
    fno_exchange: Exchange,
    reference: u32,
    daily_vol: f64,
    tick_units: i64,
    lot: u32,
    futures: ExpiryRule,
    options: Option<(ExpiryRule, u32, f64)>,
    fut_type: InstrumentType,
}

const UNDERLYINGS: &[Underlying] = &[
    Underlying {
        name: "NIFTY",
        spot_exchange: Exchange::NseIndex,
        fno_exchange: Exchange::Nfo,
        reference: 25_900,
        daily_vol: 0.009,
        tick_units: 500,
        lot: 75,
        futures: ExpiryRule::MonthlyLast(Weekday::Tue),
        options: Some((ExpiryRule::Weekly(Weekday::Tue), 50, 0.13)),
        fut_type: InstrumentType::FutIdx,
    },
    Underlying {
        name: "BANKNIFTY",
        spot_exchange: Exchange::NseIndex,
        fno_exchange: Exchange::Nfo,
        reference: 58_000,
        daily_vol: 0.011,
        tick_units: 500,
        lot: 35,
        futures: ExpiryRule::MonthlyLast(Weekday::Tue),
        options: Some((ExpiryRule::MonthlyLast(Weekday::Tue), 100, 0.15)),
        fut_type: InstrumentType::FutIdx,
    },
    Underlying {
        name: "FINNIFTY",
        spot_exchange: Exchange::NseIndex,
        fno_exchange: Exchange::Nfo,
        reference: 27_500,
        daily_vol: 0.010,
        tick_units: 500,
        lot: 65,
        futures: ExpiryRule::MonthlyLast(Weekday::Tue),
        options: Some((ExpiryRule::MonthlyLast(Weekday::Tue), 50, 0.14)),
        fut_type: InstrumentType::FutIdx,
    },
    Underlying {
        name: "SENSEX",
        spot_exchange: Exchange::BseIndex,
        fno_exchange: Exchange::Bfo,
        reference: 84_500,
        daily_vol: 0.009,
        tick_units: 500,
        lot: 20,
        futures: ExpiryRule::MonthlyLast(Weekday::Thu),
        options: Some((ExpiryRule::Weekly(Weekday::Thu), 100, 0.13)),
        fut_type: InstrumentType::FutIdx,
    },
    Underlying {
        name: "CRUDEOIL",
        spot_exchange: Exchange::McxIndex,
        fno_exchange: Exchange::Mcx,
        reference: 5_400,
        daily_vol: 0.02,
        tick_units: 10_000,
        lot: 100,
        futures: ExpiryRule::MonthlyDay(19),
        options: None,
        fut_type: InstrumentType::FutCom,
    },
    Underlying {
        name: "GOLD",
        spot_exchange: Exchange::McxIndex,
        fno_exchange: Exchange::Mcx,
        reference: 120_000,
        daily_vol: 0.01,
        tick_units: 10_000,
        lot: 1,
        futures: ExpiryRule::EvenMonthDay(5),
        options: None,
        fut_type: InstrumentType::FutCom,
    },
    Underlying {
        name: "USDINR",
        spot_exchange: Exchange::Cds,
        fno_exchange: Exchange::Cds,
        reference: 88,
        daily_vol: 0.003,
        tick_units: 25,
        lot: 1000,
        futures: ExpiryRule::CurrencyMonthly,
        options: None,
        fut_type: InstrumentType::FutCur,
    },
];

/// Indices without derivatives here.
const OTHER_INDICES: &[(&str, Exchange, u32, f64)] = &[
    ("MIDCPNIFTY", Exchange::NseIndex, 13_500, 0.012),
    ("INDIAVIX", Exchange::NseIndex, 12, 0.05),
    ("BANKEX", Exchange::BseIndex, 65_000, 0.011),
];

/// Strikes each side of the reference price in each option chain.
const STRIKES_EACH_SIDE: i64 = 20;

struct Builder {
    out: Vec<SimInstrument>,
    next_token: u64,
}

impl Builder {
    #[allow(clippy::too_many_arguments)] // one row of the master, field by field
    fn push(
        &mut self,
        parts: SymbolParts<'_>,
        name: &str,
        exchange: Exchange,
        instrument_type: InstrumentType,
        lot: u32,
        tick_units: i64,
        pricing: Pricing,
    ) -> usize {
        self.next_token += 1;
        let symbol = parts
            .to_symbol()
            .unwrap_or_else(|e| unreachable!("bundled symbol: {e}"));
        let broker = match (exchange, parts) {
            (Exchange::Nse, SymbolParts::Plain(t)) => format!("{t}-EQ"),
            _ => symbol.to_string(),
        };
        self.out.push(SimInstrument {
            record: Instrument {
                symbol,
                broker_symbol: BrokerSymbol::new(broker).unwrap_or_else(|e| unreachable!("{e}")),
                name: name.to_owned(),
                exchange,
                broker_exchange: exchange.as_str().to_owned(),
                token: InstrumentToken::new(self.next_token.to_string())
                    .unwrap_or_else(|e| unreachable!("{e}")),
                expiry: parts.expiry(),
                strike: parts.strike(),
                lot_size: lot,
                instrument_type,
                tick_size: Price::new(Decimal::new(tick_units, 4)),
            },
            pricing,
            tick_units,
        });
        self.out.len() - 1
    }
}

/// The whole simulated market for `today`.
#[must_use]
/// The strike nearest the underlying's price at today's open (in rupees): each day's ladder is
/// centred there, as an exchange lists strikes around the market, so the walk never leaves the
/// listed strikes behind.
fn ladder_centre(seed: u64, u: &Underlying, today: NaiveDate, step: u32) -> i64 {
    let walk = super::market::spot_walk(
        seed,
        u.name,
        f64::from(u.reference),
        u.tick_units,
        u.daily_vol,
    );
    let rupees = super::market::open_ticks(&walk, today) * u.tick_units / 10_000;
    let step = i64::from(step);
    (rupees + step / 2) / step * step
}

pub(crate) fn build(today: NaiveDate, seed: u64) -> Vec<SimInstrument> {
    let mut b = Builder {
        out: Vec::new(),
        next_token: 10_000,
    };
    for &(symbol, name, price) in EQUITIES {
        let pricing = Pricing::Spot {
            reference: f64::from(price),
            daily_vol: 0.017,
        };
        let nse = b.push(
            SymbolParts::Plain(symbol),
            name,
            Exchange::Nse,
            InstrumentType::Equity,
            1,
            500,
            pricing,
        );
        // BSE quotes track NSE: same walk.
        let _ = nse;
        b.push(
            SymbolParts::Plain(symbol),
            name,
            Exchange::Bse,
            InstrumentType::Equity,
            1,
            500,
            pricing,
        );
    }
    for &(name, exchange, price, vol) in OTHER_INDICES {
        let pricing = Pricing::Spot {
            reference: f64::from(price),
            daily_vol: vol,
        };
        b.push(
            SymbolParts::Plain(name),
            name,
            exchange,
            InstrumentType::Index,
            1,
            500,
            pricing,
        );
    }
    for u in UNDERLYINGS {
        let spot_pricing = Pricing::Spot {
            reference: f64::from(u.reference),
            daily_vol: u.daily_vol,
        };
        let spot_type = if u.spot_exchange == Exchange::Cds {
            InstrumentType::FutCur
        } else {
            InstrumentType::Index
        };
        // USDINR has no separate spot instrument: its walk is kept internally.
        let spot = if u.spot_exchange == Exchange::Cds {
            b.out.push(SimInstrument {
                record: Instrument {
                    symbol: openalgo_core::Symbol::new(u.name)
                        .unwrap_or_else(|e| unreachable!("{e}")),
                    broker_symbol: BrokerSymbol::new(u.name)
                        .unwrap_or_else(|e| unreachable!("{e}")),
                    name: u.name.to_owned(),
                    exchange: Exchange::GlobalIndex,
                    broker_exchange: "GLOBAL".to_owned(),
                    token: InstrumentToken::new("9999").unwrap_or_else(|e| unreachable!("{e}")),
                    expiry: None,
                    strike: None,
                    lot_size: 1,
                    instrument_type: spot_type,
                    tick_size: Price::new(Decimal::new(u.tick_units, 4)),
                },
                pricing: spot_pricing,
                tick_units: u.tick_units,
            });
            b.out.len() - 1
        } else {
            b.push(
                SymbolParts::Plain(u.name),
                u.name,
                u.spot_exchange,
                spot_type,
                1,
                u.tick_units,
                spot_pricing,
            )
        };
        for date in u.futures.upcoming(today, 2) {
            let Some(expiry) = ExpiryDate::new(date) else {
                continue;
            };
            let parts = SymbolParts::Future {
                underlying: u.name,
                expiry,
            };
            let pricing = Pricing::Future {
                underlying: spot,
                expiry: date,
            };
            b.push(
                parts,
                u.name,
                u.fno_exchange,
                u.fut_type,
                u.lot,
                u.tick_units,
                pricing,
            );
        }
        let Some((rule, step, iv)) = u.options else {
            continue;
        };
        for date in rule.upcoming(today, 2) {
            let Some(expiry) = ExpiryDate::new(date) else {
                continue;
            };
            let atm = ladder_centre(seed, u, today, step);
            for k in -STRIKES_EACH_SIDE..=STRIKES_EACH_SIDE {
                let strike_rupees = atm + k * i64::from(step);
                let Some(strike) = Strike::new(Decimal::from(strike_rupees)) else {
                    continue;
                };
                for (option_type, call) in [(OptionType::Call, true), (OptionType::Put, false)] {
                    let parts = SymbolParts::Option {
                        underlying: u.name,
                        expiry,
                        strike,
                        option_type,
                    };
                    #[allow(clippy::cast_precision_loss)]
                    let pricing = Pricing::Option {
                        underlying: spot,
                        strike: strike_rupees as f64,
                        call,
                        expiry: date,
                        iv,
                    };
                    b.push(
                        parts,
                        u.name,
                        u.fno_exchange,
                        InstrumentType::OptIdx,
                        u.lot,
                        500,
                        pricing,
                    );
                }
            }
        }
    }
    b.out
}
