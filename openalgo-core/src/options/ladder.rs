//! Option symbol resolution over per-(exchange, underlying, expiry) strike ladders.
//!
//! [`StrikeLadders`] is built once from a [`SymbolTable`]: for each option exchange, underlying
//! and expiry it keeps the listed call strikes and the listed put strikes, sorted, each with its
//! OpenAlgo symbol. A resolution is then a hash lookup, a binary search for the ATM strike, an
//! index step, and one [`SymbolTable::get`].

use std::collections::HashMap;

use foldhash::fast::FixedState;
use rust_decimal::{Decimal, RoundingStrategy};

use super::error::ResolveError;
use super::offset::Offset;
use crate::instrument::{Instrument, SymbolTable};
use crate::symbol::{ExpiryDate, Strike, Symbol, SymbolParts};
use crate::{Exchange, OptionType};

/// The listed strikes of one option type, ascending, with their symbols.
#[derive(Debug, Clone, Default)]
struct Rungs {
    strikes: Vec<Strike>,
    symbols: Vec<Symbol>,
}

impl Rungs {
    fn sort(&mut self) {
        let mut pairs: Vec<(Strike, Symbol)> =
            self.strikes.drain(..).zip(self.symbols.drain(..)).collect();
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by(|a, b| a.0 == b.0);
        (self.strikes, self.symbols) = pairs.into_iter().unzip();
    }

    fn symbol_at(&self, strike: Strike) -> Option<&Symbol> {
        self.strikes
            .binary_search(&strike)
            .ok()
            .map(|i| &self.symbols[i])
    }
}

#[derive(Debug, Clone, Default)]
struct Ladder {
    calls: Rungs,
    puts: Rungs,
}

impl Ladder {
    const fn rungs(&self, option_type: OptionType) -> &Rungs {
        match option_type {
            OptionType::Call => &self.calls,
            OptionType::Put => &self.puts,
        }
    }
}

/// Sorted strike ladders for every (option exchange, underlying, expiry) in a master.
#[derive(Debug, Default)]
pub struct StrikeLadders {
    /// Underlying → its ladders per (option exchange, expiry).
    by_underlying: HashMap<Box<str>, Vec<(Exchange, ExpiryDate, Ladder)>, FixedState>,
}

impl StrikeLadders {
    /// Indexes every option of `table`'s derivative exchanges.
    #[must_use]
    pub fn build(table: &SymbolTable) -> Self {
        let mut by_underlying: HashMap<Box<str>, Vec<(Exchange, ExpiryDate, Ladder)>, FixedState> =
            HashMap::with_hasher(FixedState::with_seed(11));
        for r in table.iter() {
            if !r.exchange.is_derivative() {
                continue;
            }
            let Ok(SymbolParts::Option {
                underlying,
                expiry,
                strike,
                option_type,
            }) = r.parts()
            else {
                continue;
            };
            let list = if let Some(list) = by_underlying.get_mut(underlying) {
                list
            } else {
                by_underlying.entry(underlying.into()).or_default()
            };
            let pos = if let Some(p) = list
                .iter()
                .position(|(e, x, _)| *e == r.exchange && *x == expiry)
            {
                p
            } else {
                list.push((r.exchange, expiry, Ladder::default()));
                list.len() - 1
            };
            let rungs = match option_type {
                OptionType::Call => &mut list[pos].2.calls,
                OptionType::Put => &mut list[pos].2.puts,
            };
            rungs.strikes.push(strike);
            rungs.symbols.push(r.symbol.clone());
        }
        for list in by_underlying.values_mut() {
            for (_, _, ladder) in list.iter_mut() {
                ladder.calls.sort();
                ladder.puts.sort();
            }
        }
        Self { by_underlying }
    }

    fn ladder(&self, underlying: &str, exchange: Exchange, expiry: ExpiryDate) -> Option<&Ladder> {
        self.by_underlying
            .get(underlying)?
            .iter()
            .find(|(e, x, _)| *e == exchange && *x == expiry)
            .map(|(_, _, l)| l)
    }

    /// The listed strikes of one option type for an underlying and expiry on an option
    /// exchange, ascending (empty when none are listed).
    #[must_use]
    pub fn strikes(
        &self,
        underlying: &str,
        option_exchange: Exchange,
        expiry: ExpiryDate,
        option_type: OptionType,
    ) -> &[Strike] {
        self.ladder(underlying, option_exchange, expiry)
            .map_or(&[], |l| l.rungs(option_type).strikes.as_slice())
    }
}

/// The index of the listed strike nearest `ltp` in an ascending ladder; on a tie the lower
/// strike (the first in ascending order, as the reference's `min` keeps it).
#[must_use]
pub fn atm_index(strikes: &[Strike], ltp: Decimal) -> Option<usize> {
    let above = strikes.partition_point(|s| s.value() < ltp);
    match (above.checked_sub(1), strikes.get(above)) {
        (None, None) => None,
        (None, Some(_)) => Some(above),
        (Some(below), None) => Some(below),
        (Some(below), Some(up)) => {
            let down = ltp - strikes[below].value();
            Some(if up.value() - ltp < down {
                above
            } else {
                below
            })
        }
    }
}

/// Splits an `underlying` that may embed an expiry (`NIFTY28OCT25FUT`, `NIFTY28OCT25`) into its
/// base and that expiry, as `^([A-Z]+)(\d{2}[A-Z]{3}\d{2})(?:FUT)?$` does in the reference;
/// anything else is returned whole with no expiry.
#[must_use]
pub fn split_underlying(text: &str) -> (&str, Option<ExpiryDate>) {
    let body = text.strip_suffix("FUT").unwrap_or(text);
    let Some(cut) = body.len().checked_sub(7) else {
        return (text, None);
    };
    let (Some(base), Some(code)) = (body.get(..cut), body.get(cut..)) else {
        return (text, None);
    };
    let b = code.as_bytes();
    let shape = b[..2].iter().all(u8::is_ascii_digit)
        && b[2..5].iter().all(u8::is_ascii_uppercase)
        && b[5..].iter().all(u8::is_ascii_digit);
    if base.is_empty() || !base.bytes().all(|c| c.is_ascii_uppercase()) || !shape {
        return (text, None);
    }
    match ExpiryDate::parse_compact(code) {
        Ok(expiry) => (base, Some(expiry)),
        Err(_) => (text, None),
    }
}

/// What to resolve: rest-api §3.6.1 after the underlying's price is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionQuery<'a> {
    /// The base underlying (`NIFTY`, `SBIN`, `CRUDEOIL`), without an embedded expiry.
    pub underlying: &'a str,
    /// The exchange the request names (`NSE_INDEX`, `NSE`, `NFO`, `MCX`, ...); the option
    /// exchange is derived from it (rest-api §2.1).
    pub exchange: Exchange,
    /// The option expiry.
    pub expiry: ExpiryDate,
    /// ATM, ITMn or OTMn.
    pub offset: Offset,
    /// Call or put.
    pub option_type: OptionType,
    /// The underlying's last price.
    pub ltp: Decimal,
    /// The deprecated arithmetic strike interval (`strike_int`); `None` uses the listed strikes.
    pub strike_interval: Option<u32>,
}

/// A resolved option contract.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedOption<'t> {
    /// The contract's master row (symbol, exchange, lot size, tick size).
    pub instrument: &'t Instrument,
    /// Its strike.
    pub strike: Strike,
    /// The at-the-money strike it was counted from. With a `strike_interval`, an LTP under
    /// half the interval has no positive ATM and the resolution fails with
    /// [`ResolveError::InvalidLtp`].
    pub atm_strike: Strike,
}

fn option_symbol<'t>(
    table: &'t SymbolTable,
    q: &OptionQuery<'_>,
    exchange: Exchange,
    strike: Decimal,
) -> Result<&'t Instrument, ResolveError> {
    let not_found = |symbol: String| ResolveError::SymbolNotFound {
        symbol,
        exchange: exchange.as_str().to_owned(),
    };
    let Some(strike) = Strike::new(strike) else {
        return Err(not_found(format!(
            "{}{}{}{}",
            q.underlying,
            q.expiry.compact(),
            strike.normalize(),
            q.option_type.as_str()
        )));
    };
    let parts = SymbolParts::Option {
        underlying: q.underlying,
        expiry: q.expiry,
        strike,
        option_type: q.option_type,
    };
    table
        .get(&parts.to_string(), exchange)
        .ok_or_else(|| not_found(parts.to_string()))
}

/// Finds the option contract for `q` (rest-api §3.6.1 steps 4–6).
///
/// # Errors
/// [`ResolveError::InvalidLtp`] for a non-positive price, [`ResolveError::NoStrikes`],
/// [`ResolveError::OffsetOutOfRange`], [`ResolveError::InvalidStrikeInterval`] or
/// [`ResolveError::SymbolNotFound`].
pub fn resolve<'t>(
    table: &'t SymbolTable,
    ladders: &StrikeLadders,
    q: &OptionQuery<'_>,
) -> Result<ResolvedOption<'t>, ResolveError> {
    if q.ltp <= Decimal::ZERO {
        return Err(ResolveError::InvalidLtp);
    }
    let exchange = q.exchange.option_exchange();
    let steps = q.offset.steps(q.option_type);
    if let Some(interval) = q.strike_interval {
        if interval == 0 {
            return Err(ResolveError::InvalidStrikeInterval);
        }
        let step = Decimal::from(interval);
        let atm =
            (q.ltp / step).round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven) * step;
        let strike = atm + Decimal::from(steps) * step;
        let instrument = option_symbol(table, q, exchange, strike)?;
        let atm_strike = Strike::new(atm).ok_or(ResolveError::InvalidLtp)?;
        let strike = instrument.strike.unwrap_or(atm_strike);
        return Ok(ResolvedOption {
            instrument,
            strike,
            atm_strike,
        });
    }
    let strikes = ladders.strikes(q.underlying, exchange, q.expiry, q.option_type);
    let no_strikes = || ResolveError::NoStrikes {
        underlying: q.underlying.to_owned(),
        expiry: q.expiry.compact(),
    };
    let atm = atm_index(strikes, q.ltp).ok_or_else(no_strikes)?;
    let target = i64::try_from(atm)
        .ok()
        .map(|a| a + i64::from(steps))
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < strikes.len())
        .ok_or_else(|| ResolveError::OffsetOutOfRange {
            offset: q.offset.to_string(),
        })?;
    let instrument = option_symbol(table, q, exchange, strikes[target].value())?;
    Ok(ResolvedOption {
        instrument,
        strike: strikes[target],
        atm_strike: strikes[atm],
    })
}

/// The synthetic future of rest-api §3.6.5: `strike + call − put`, rounded to 2 decimals.
#[must_use]
pub fn synthetic_future(atm_strike: Strike, call_ltp: Decimal, put_ltp: Decimal) -> Decimal {
    (atm_strike.value() + call_ltp - put_ltp)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
        .normalize()
}

/// One strike of an option chain.
#[derive(Debug, Clone, Copy)]
pub struct ChainRow<'t> {
    /// The strike.
    pub strike: Strike,
    /// The call, when listed.
    pub call: Option<&'t Instrument>,
    /// The put, when listed.
    pub put: Option<&'t Instrument>,
    /// The call's label (`ATM`, `ITM2`, `OTM3`).
    pub call_label: Offset,
    /// The put's label.
    pub put_label: Offset,
}

/// An option chain around the ATM strike (rest-api §3.6.2).
#[derive(Debug, Clone)]
pub struct OptionChain<'t> {
    /// The listed call strike nearest the underlying's price.
    pub atm_strike: Strike,
    /// The strikes, ascending.
    pub rows: Vec<ChainRow<'t>>,
}

/// The chain of `underlying` for `expiry` on `option_exchange`: the listed call strikes (as
/// the reference reads them), `strike_count` on each side of ATM (all when `None`).
///
/// # Errors
/// [`ResolveError::InvalidLtp`] or [`ResolveError::NoStrikes`].
pub fn option_chain<'t>(
    table: &'t SymbolTable,
    ladders: &StrikeLadders,
    underlying: &str,
    option_exchange: Exchange,
    expiry: ExpiryDate,
    ltp: Decimal,
    strike_count: Option<usize>,
) -> Result<OptionChain<'t>, ResolveError> {
    if ltp <= Decimal::ZERO {
        return Err(ResolveError::InvalidLtp);
    }
    let no_strikes = || ResolveError::NoStrikes {
        underlying: underlying.to_owned(),
        expiry: expiry.compact(),
    };
    let ladder = ladders
        .ladder(underlying, option_exchange, expiry)
        .ok_or_else(no_strikes)?;
    let calls = &ladder.calls;
    let atm = atm_index(&calls.strikes, ltp).ok_or_else(no_strikes)?;
    let (start, end) = match strike_count {
        None => (0, calls.strikes.len()),
        Some(n) => (
            atm.saturating_sub(n),
            atm.saturating_add(n)
                .saturating_add(1)
                .min(calls.strikes.len()),
        ),
    };
    let get = |s: Option<&Symbol>| s.and_then(|s| table.get(s.as_str(), option_exchange));
    let rows = (start..end)
        .map(|i| {
            let strike = calls.strikes[i];
            #[allow(clippy::cast_possible_wrap)]
            let position = i as i64 - atm as i64;
            let label = |ot| Offset::label(position, ot).unwrap_or(Offset::Atm);
            ChainRow {
                strike,
                call: get(Some(&calls.symbols[i])),
                put: get(ladder.puts.symbol_at(strike)),
                call_label: label(OptionType::Call),
                put_label: label(OptionType::Put),
            }
        })
        .collect();
    Ok(OptionChain {
        atm_strike: calls.strikes[atm],
        rows,
    })
}
