//! [`SymbolTable`]: the in-memory instrument master with O(1) lookups by OpenAlgo symbol, broker
//! symbol and token, plus search, expiries and option-chain strikes.

use std::hash::{BuildHasher, Hasher};

use chrono::NaiveDate;
use foldhash::fast::FixedState;
use hashbrown::HashTable;

use super::Instrument;
use super::derivatives::{DerivativeIndex, ExpiryKind};
use super::search::{SearchIndex, SearchQuery};
use crate::symbol::{ExpiryDate, Strike};
use crate::{Exchange, OptionType};

/// Fixed seed so that builds are deterministic; keys come from the exchanges' own masters.
const HASH_SEED: u64 = 0x6f70_656e_616c_676f;

/// What happened to the input records while building a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// Records kept.
    pub kept: usize,
    /// Records dropped because their (exchange, token) was already present (first one wins,
    /// as the reference's bulk copy does).
    pub duplicate_tokens: usize,
    /// Records dropped because their (exchange, symbol) was already present.
    pub duplicate_symbols: usize,
}

/// The instrument master for one broker: every tradable instrument and its indexes.
///
/// Lookups are keyed by the OpenAlgo exchange, never the broker's, as in the reference.
pub struct SymbolTable {
    records: Vec<Instrument>,
    state: FixedState,
    by_symbol: HashTable<u32>,
    by_broker_symbol: HashTable<u32>,
    by_token: HashTable<u32>,
    search: SearchIndex,
    derivatives: DerivativeIndex,
    report: BuildReport,
}

impl std::fmt::Debug for SymbolTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymbolTable")
            .field("len", &self.records.len())
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl Default for SymbolTable {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

fn key_hash(state: &FixedState, exchange: Exchange, key: &str) -> u64 {
    let mut h = state.build_hasher();
    #[allow(clippy::cast_possible_truncation)]
    h.write_u8(exchange.index() as u8);
    h.write(key.as_bytes());
    h.finish()
}

impl SymbolTable {
    /// Builds the table. Records whose (exchange, token) or (exchange, symbol) was already seen
    /// are dropped (first occurrence wins); [`SymbolTable::report`] says how many.
    ///
    /// # Panics
    /// If more than `u32::MAX` records are given.
    #[must_use]
    pub fn new(records: Vec<Instrument>) -> Self {
        assert!(u32::try_from(records.len()).is_ok(), "too many instruments");
        let state = FixedState::with_seed(HASH_SEED);
        let mut kept = Vec::with_capacity(records.len());
        let mut by_symbol = HashTable::with_capacity(records.len());
        let mut by_token = HashTable::with_capacity(records.len());
        let mut by_broker_symbol = HashTable::with_capacity(records.len());
        let mut report = BuildReport::default();

        for record in records {
            let ex = record.exchange;
            let token_hash = key_hash(&state, ex, record.token.as_str());
            let symbol_hash = key_hash(&state, ex, record.symbol.as_str());
            let token_taken = by_token
                .find(token_hash, |&i: &u32| {
                    let r: &Instrument = &kept[i as usize];
                    r.exchange == ex && r.token == record.token
                })
                .is_some();
            if token_taken {
                report.duplicate_tokens += 1;
                continue;
            }
            let symbol_taken = by_symbol
                .find(symbol_hash, |&i: &u32| {
                    let r: &Instrument = &kept[i as usize];
                    r.exchange == ex && r.symbol == record.symbol
                })
                .is_some();
            if symbol_taken {
                report.duplicate_symbols += 1;
                continue;
            }
            #[allow(clippy::cast_possible_truncation)]
            let idx = kept.len() as u32;
            let rehash = |i: &u32, kept: &[Instrument], f: fn(&Instrument) -> &str| {
                let r = &kept[*i as usize];
                key_hash(&state, r.exchange, f(r))
            };
            by_token.insert_unique(token_hash, idx, |i| rehash(i, &kept, |r| r.token.as_str()));
            by_symbol.insert_unique(symbol_hash, idx, |i| {
                rehash(i, &kept, |r| r.symbol.as_str())
            });
            // Broker symbols are not always unique (some brokers reuse them across series);
            // the first record keeps the mapping.
            let br_hash = key_hash(&state, ex, record.broker_symbol.as_str());
            let br_taken = by_broker_symbol
                .find(br_hash, |&i: &u32| {
                    let r: &Instrument = &kept[i as usize];
                    r.exchange == ex && r.broker_symbol == record.broker_symbol
                })
                .is_some();
            if !br_taken {
                by_broker_symbol.insert_unique(br_hash, idx, |i| {
                    rehash(i, &kept, |r| r.broker_symbol.as_str())
                });
            }
            kept.push(record);
        }
        report.kept = kept.len();
        let search = SearchIndex::build(&kept);
        let derivatives = DerivativeIndex::build(&kept);
        Self {
            records: kept,
            state,
            by_symbol,
            by_broker_symbol,
            by_token,
            search,
            derivatives,
            report,
        }
    }

    /// How the input records were treated.
    #[must_use]
    pub const fn report(&self) -> BuildReport {
        self.report
    }

    /// Number of instruments.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the table holds no instrument.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every instrument in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.records.iter()
    }

    /// Every instrument of one exchange, in load order.
    pub fn on_exchange(&self, exchange: Exchange) -> impl Iterator<Item = &Instrument> {
        self.records.iter().filter(move |r| r.exchange == exchange)
    }

    /// The instrument with this OpenAlgo symbol on this exchange.
    #[must_use]
    pub fn get(&self, symbol: &str, exchange: Exchange) -> Option<&Instrument> {
        let h = key_hash(&self.state, exchange, symbol);
        self.by_symbol
            .find(h, |&i| {
                let r = &self.records[i as usize];
                r.exchange == exchange && r.symbol.as_str() == symbol
            })
            .map(|&i| &self.records[i as usize])
    }

    /// The instrument with this broker symbol on this (OpenAlgo) exchange.
    #[must_use]
    pub fn by_broker_symbol(&self, broker_symbol: &str, exchange: Exchange) -> Option<&Instrument> {
        let h = key_hash(&self.state, exchange, broker_symbol);
        self.by_broker_symbol
            .find(h, |&i| {
                let r = &self.records[i as usize];
                r.exchange == exchange && r.broker_symbol.as_str() == broker_symbol
            })
            .map(|&i| &self.records[i as usize])
    }

    /// The instrument with this broker token on this (OpenAlgo) exchange.
    #[must_use]
    pub fn by_token(&self, token: &str, exchange: Exchange) -> Option<&Instrument> {
        let h = key_hash(&self.state, exchange, token);
        self.by_token
            .find(h, |&i| {
                let r = &self.records[i as usize];
                r.exchange == exchange && r.token.as_str() == token
            })
            .map(|&i| &self.records[i as usize])
    }

    /// The `/search` matching and ranking of rest-api §3.5.2.
    #[must_use]
    pub fn search(&self, query: &SearchQuery<'_>) -> Vec<&Instrument> {
        self.search
            .search(&self.records, query)
            .into_iter()
            .map(|i| &self.records[i as usize])
            .collect()
    }

    /// Distinct expiries of an underlying's futures or options on a derivative exchange, on or
    /// after `today`, ascending (rest-api §3.5.3).
    #[must_use]
    pub fn expiries(
        &self,
        underlying: &str,
        exchange: Exchange,
        kind: ExpiryKind,
        today: NaiveDate,
    ) -> Vec<ExpiryDate> {
        self.derivatives
            .expiries(&self.records, underlying, exchange, kind, today)
    }

    /// Distinct strikes listed for an underlying and expiry, ascending; restricted to one
    /// option type when given.
    #[must_use]
    pub fn strikes(
        &self,
        underlying: &str,
        exchange: Exchange,
        expiry: ExpiryDate,
        option_type: Option<OptionType>,
    ) -> Vec<Strike> {
        self.derivatives
            .strikes(underlying, exchange, expiry, option_type)
    }

    /// The option contract for an underlying, expiry, strike and type, if listed.
    #[must_use]
    pub fn option(
        &self,
        underlying: &str,
        exchange: Exchange,
        expiry: ExpiryDate,
        strike: Strike,
        option_type: OptionType,
    ) -> Option<&Instrument> {
        self.derivatives
            .option(underlying, exchange, expiry, strike, option_type)
            .map(|i| &self.records[i as usize])
    }
}

#[cfg(test)]
impl SymbolTable {
    /// The search answer computed by the full scan only.
    pub(super) fn search_by_scan(&self, query: &SearchQuery<'_>) -> Vec<&Instrument> {
        self.search
            .search_with(&self.records, query, false)
            .into_iter()
            .map(|i| &self.records[i as usize])
            .collect()
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
