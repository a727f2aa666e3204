//! Index of futures and options by (exchange, underlying): expiries and option-chain strikes.

use std::collections::HashMap;

use chrono::NaiveDate;
use foldhash::fast::FixedState;

use super::Instrument;
use crate::symbol::{ExpiryDate, Strike, SymbolParts};
use crate::{Exchange, InstrumentType, OptionType};

/// Which contracts `/expiry` lists (`instrumenttype` in the request: `futures` or `options`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpiryKind {
    /// Futures (and perpetuals).
    Futures,
    /// Options.
    Options,
}

impl ExpiryKind {
    /// Parses the request's lower-case `futures` / `options`.
    #[must_use]
    pub fn from_wire(text: &str) -> Option<Self> {
        match text {
            "futures" => Some(Self::Futures),
            "options" => Some(Self::Options),
            _ => None,
        }
    }

    /// The wire string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Futures => "futures",
            Self::Options => "options",
        }
    }

    /// The reference's per-exchange instrument-type filter (rest-api §3.5.3). `None` means no
    /// type filter (NCO), in which case the symbol's own structure decides.
    fn allowed_types(self, exchange: Exchange) -> Option<&'static [InstrumentType]> {
        use InstrumentType as T;
        Some(match (exchange, self) {
            (Exchange::Nfo | Exchange::Bfo, Self::Futures) => &[T::FutStk, T::FutIdx, T::Future],
            (Exchange::Nfo | Exchange::Bfo, Self::Options) => {
                &[T::OptStk, T::OptIdx, T::Call, T::Put]
            }
            (Exchange::Mcx | Exchange::Ncdex, Self::Futures) => &[T::FutCom, T::FutEnr, T::Future],
            (Exchange::Mcx | Exchange::Ncdex, Self::Options) => &[T::OptFut, T::Call, T::Put],
            (Exchange::Cds | Exchange::Bcd, Self::Futures) => &[T::FutCur, T::FutIrc, T::Future],
            (Exchange::Cds | Exchange::Bcd, Self::Options) => {
                &[T::OptCur, T::OptIrc, T::Call, T::Put]
            }
            (Exchange::Crypto, Self::Futures) => &[T::Future, T::PerpFut],
            (Exchange::Crypto, Self::Options) => &[T::Call, T::Put],
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    index: u32,
    expiry: ExpiryDate,
    option: Option<(Strike, OptionType)>,
}

#[derive(Debug)]
pub(super) struct DerivativeIndex {
    /// Per exchange (indexed by [`Exchange::index`]): underlying → its contracts.
    by_underlying: Vec<HashMap<Box<str>, Vec<Entry>, FixedState>>,
}

impl DerivativeIndex {
    pub(super) fn build(records: &[Instrument]) -> Self {
        let mut by_underlying: Vec<HashMap<Box<str>, Vec<Entry>, FixedState>> = (0
            ..Exchange::COUNT)
            .map(|_| HashMap::with_hasher(FixedState::with_seed(7)))
            .collect();
        for (i, r) in records.iter().enumerate() {
            if !r.exchange.is_derivative() {
                continue;
            }
            let Ok(parts) = SymbolParts::parse(r.symbol.as_str()) else {
                continue;
            };
            let Some(expiry) = parts.expiry() else {
                continue;
            };
            let option = match parts {
                SymbolParts::Option {
                    strike,
                    option_type,
                    ..
                } => Some((strike, option_type)),
                _ => None,
            };
            #[allow(clippy::cast_possible_truncation)]
            let entry = Entry {
                index: i as u32,
                expiry,
                option,
            };
            let map = &mut by_underlying[r.exchange.index()];
            if let Some(list) = map.get_mut(parts.underlying()) {
                list.push(entry);
            } else {
                map.insert(parts.underlying().into(), vec![entry]);
            }
        }
        Self { by_underlying }
    }

    fn entries(&self, underlying: &str, exchange: Exchange) -> &[Entry] {
        self.by_underlying[exchange.index()]
            .get(underlying)
            .map_or(&[], Vec::as_slice)
    }

    pub(super) fn expiries(
        &self,
        records: &[Instrument],
        underlying: &str,
        exchange: Exchange,
        kind: ExpiryKind,
        today: NaiveDate,
    ) -> Vec<ExpiryDate> {
        let allowed = kind.allowed_types(exchange);
        let mut out: Vec<ExpiryDate> = self
            .entries(underlying, exchange)
            .iter()
            .filter(|e| e.expiry.date() >= today)
            .filter(|e| {
                let ty = records[e.index as usize].instrument_type;
                match allowed {
                    Some(types) => types.contains(&ty) && structure_fits(kind, e),
                    None => structure_fits(kind, e),
                }
            })
            .map(|e| e.expiry)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn strikes(
        &self,
        underlying: &str,
        exchange: Exchange,
        expiry: ExpiryDate,
        option_type: Option<OptionType>,
    ) -> Vec<Strike> {
        let mut out: Vec<Strike> = self
            .entries(underlying, exchange)
            .iter()
            .filter(|e| e.expiry == expiry)
            .filter_map(|e| e.option)
            .filter(|(_, ot)| option_type.is_none_or(|want| *ot == want))
            .map(|(s, _)| s)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn option(
        &self,
        underlying: &str,
        exchange: Exchange,
        expiry: ExpiryDate,
        strike: Strike,
        option_type: OptionType,
    ) -> Option<u32> {
        self.entries(underlying, exchange)
            .iter()
            .find(|e| e.expiry == expiry && e.option == Some((strike, option_type)))
            .map(|e| e.index)
    }
}

/// A future entry for `Futures`, an option entry for `Options`: a future row mislabelled with an
/// option type (or the reverse) never leaks into the other list.
fn structure_fits(kind: ExpiryKind, e: &Entry) -> bool {
    match kind {
        ExpiryKind::Futures => e.option.is_none(),
        ExpiryKind::Options => e.option.is_some(),
    }
}
