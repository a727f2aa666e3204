//! Symbol search with the reference's matching and ranking (rest-api §3.5.2).
//!
//! Matching: the query is trimmed and split on whitespace into upper-cased terms; a record
//! matches when every term is a substring of its upper-cased symbol, broker symbol, name or
//! token, or (for a numeric term) equals its strike. Ranking: 0 = symbol equals the whole query,
//! 1 = symbol starts with it, 2 = every term is in the symbol, 3 = other; then shorter symbol,
//! then symbol, then load order.
//!
//! Two paths give the same answer. A single-term query first looks at the symbols that start
//! with it (a binary search over the sorted symbols): when at least `limit` of them pass the
//! exchange filter, no lower-ranked row can make the cut and the scan is skipped. Otherwise the
//! rarest-looking (longest) term is found with a SIMD substring search over one contiguous
//! upper-cased haystack, and the other terms are checked per candidate.

use memchr::memmem;
use rust_decimal::Decimal;

use super::Instrument;
use crate::Exchange;
use crate::money::parse_decimal;

/// Maximum rows `/search` returns.
pub const DEFAULT_SEARCH_LIMIT: usize = 500;

/// Separates fields inside one record's haystack.
const FIELD_SEP: u8 = 0x1f;
/// Separates records.
const RECORD_SEP: u8 = 0x1e;

/// A search request.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    /// The raw query text (trimmed and split here).
    pub text: &'a str,
    /// Optional exact exchange filter.
    pub exchange: Option<Exchange>,
    /// Maximum rows to return.
    pub limit: usize,
}

impl<'a> SearchQuery<'a> {
    /// A query with no exchange filter and the default limit.
    #[must_use]
    pub const fn new(text: &'a str) -> Self {
        Self {
            text,
            exchange: None,
            limit: DEFAULT_SEARCH_LIMIT,
        }
    }

    /// Restricts the search to one exchange.
    #[must_use]
    pub const fn on(mut self, exchange: Exchange) -> Self {
        self.exchange = Some(exchange);
        self
    }
}

#[derive(Debug, Default)]
pub(super) struct SearchIndex {
    /// `SYMBOL 1f BRSYMBOL 1f NAME 1f TOKEN 1e` for every record, upper-cased.
    haystack: Vec<u8>,
    /// Start offset of each record in `haystack`, plus a final end offset.
    starts: Vec<u32>,
    /// Record indexes sorted by symbol.
    by_symbol: Vec<u32>,
    /// (strike, record index) for every record with a strike, sorted.
    by_strike: Vec<(Decimal, u32)>,
}

struct Term {
    text: Vec<u8>,
    number: Option<Decimal>,
}

impl SearchIndex {
    pub(super) fn build(records: &[Instrument]) -> Self {
        let mut haystack = Vec::with_capacity(records.len() * 64);
        let mut starts = Vec::with_capacity(records.len() + 1);
        for r in records {
            #[allow(clippy::cast_possible_truncation)]
            starts.push(haystack.len() as u32);
            for (i, field) in [
                r.symbol.as_str(),
                r.broker_symbol.as_str(),
                r.name.as_str(),
                r.token.as_str(),
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    haystack.push(FIELD_SEP);
                }
                haystack.extend(field.bytes().map(|b| b.to_ascii_uppercase()));
            }
            haystack.push(RECORD_SEP);
        }
        #[allow(clippy::cast_possible_truncation)]
        starts.push(haystack.len() as u32);
        #[allow(clippy::cast_possible_truncation)]
        let mut by_symbol: Vec<u32> = (0..records.len() as u32).collect();
        by_symbol.sort_unstable_by(|&a, &b| {
            records[a as usize]
                .symbol
                .as_str()
                .cmp(records[b as usize].symbol.as_str())
                .then(a.cmp(&b))
        });
        let mut by_strike: Vec<(Decimal, u32)> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((r.strike?.value(), u32::try_from(i).ok()?)))
            .collect();
        by_strike.sort_unstable();
        Self {
            haystack,
            starts,
            by_symbol,
            by_strike,
        }
    }

    fn record_bytes(&self, i: usize) -> &[u8] {
        &self.haystack[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    pub(super) fn search(&self, records: &[Instrument], query: &SearchQuery<'_>) -> Vec<u32> {
        self.search_with(records, query, true)
    }

    /// `allow_prefix_path = false` forces the full scan (tests compare both paths).
    pub(super) fn search_with(
        &self,
        records: &[Instrument],
        query: &SearchQuery<'_>,
        allow_prefix_path: bool,
    ) -> Vec<u32> {
        let whole = query.text.trim().to_uppercase();
        let terms: Vec<Term> = whole
            .split_whitespace()
            .map(|t| Term {
                text: t.as_bytes().to_vec(),
                number: parse_decimal(t).ok(),
            })
            .collect();
        if terms.is_empty() || query.limit == 0 {
            return Vec::new();
        }
        // Separator bytes can never match real text.
        if terms
            .iter()
            .any(|t| t.text.iter().any(|&b| b == FIELD_SEP || b == RECORD_SEP))
        {
            return Vec::new();
        }
        let passes_exchange = |i: usize| query.exchange.is_none_or(|e| records[i].exchange == e);

        if allow_prefix_path
            && terms.len() == 1
            && let Some(hits) = self.prefix_only(records, &whole, query, &passes_exchange)
        {
            return hits;
        }

        let candidates = self.candidates(&terms);
        let mut ranked: Vec<(u8, usize, u32)> = candidates
            .into_iter()
            .filter(|&i| passes_exchange(i as usize))
            .filter(|&i| {
                terms
                    .iter()
                    .all(|t| self.term_matches(records, i as usize, t))
            })
            .map(|i| {
                let symbol = records[i as usize].symbol.as_str();
                (rank(symbol, &whole, &terms), symbol.len(), i)
            })
            .collect();
        top_n(records, &mut ranked, query.limit)
    }

    /// The single-term fast path: `Some` when the symbols starting with the query already fill
    /// the limit, so rank-2/3 rows cannot appear in the answer.
    fn prefix_only(
        &self,
        records: &[Instrument],
        whole: &str,
        query: &SearchQuery<'_>,
        passes_exchange: &dyn Fn(usize) -> bool,
    ) -> Option<Vec<u32>> {
        let sym = |i: u32| records[i as usize].symbol.as_str();
        let lo = self.by_symbol.partition_point(|&i| sym(i) < whole);
        let hi = lo + self.by_symbol[lo..].partition_point(|&i| sym(i).starts_with(whole));
        let prefixed = &self.by_symbol[lo..hi];
        if prefixed.len() < query.limit {
            return None;
        }
        let mut ranked: Vec<(u8, usize, u32)> = prefixed
            .iter()
            .copied()
            .filter(|&i| passes_exchange(i as usize))
            .map(|i| (u8::from(sym(i) != whole), sym(i).len(), i))
            .collect();
        if ranked.len() < query.limit {
            return None;
        }
        Some(top_n(records, &mut ranked, query.limit))
    }

    /// Records that can match: those containing the longest term (plus, for a numeric term,
    /// those whose strike equals it), in load order.
    fn candidates(&self, terms: &[Term]) -> Vec<u32> {
        // The longest term is likely the rarest; on a tie a number (a strike) beats a name.
        let primary = terms
            .iter()
            .max_by_key(|t| (t.text.len(), t.number.is_some()))
            .map_or(&[][..], |t| t.text.as_slice());
        let finder = memmem::Finder::new(primary);
        let mut out = Vec::new();
        let mut record = 0usize;
        let mut pos = 0usize;
        while let Some(found) = finder.find(&self.haystack[pos..]) {
            let at = pos + found;
            // Advance to the record containing `at`; matches only move forward.
            record += self.starts[record..].partition_point(|&s| s as usize <= at) - 1;
            #[allow(clippy::cast_possible_truncation)]
            out.push(record as u32);
            pos = self.starts[record + 1] as usize;
            if pos >= self.haystack.len() {
                break;
            }
        }
        if let Some(number) = terms
            .iter()
            .find(|t| t.text.as_slice() == primary)
            .and_then(|t| t.number)
        {
            let equal = self.strike_range(number);
            if !equal.is_empty() {
                out.extend(equal.iter().map(|&(_, i)| i));
                out.sort_unstable();
                out.dedup();
            }
        }
        out
    }

    /// Records whose strike equals `number`.
    fn strike_range(&self, number: Decimal) -> &[(Decimal, u32)] {
        let lo = self.by_strike.partition_point(|(s, _)| *s < number);
        let hi = lo + self.by_strike[lo..].partition_point(|(s, _)| *s == number);
        &self.by_strike[lo..hi]
    }

    fn term_matches(&self, records: &[Instrument], i: usize, term: &Term) -> bool {
        memmem::find(self.record_bytes(i), &term.text).is_some()
            || term
                .number
                .is_some_and(|n| records[i].strike.is_some_and(|s| s.value() == n))
    }
}

fn rank(symbol: &str, whole: &str, terms: &[Term]) -> u8 {
    if symbol == whole {
        0
    } else if symbol.starts_with(whole) {
        1
    } else if terms
        .iter()
        .all(|t| memmem::find(symbol.as_bytes(), &t.text).is_some())
    {
        2
    } else {
        3
    }
}

/// Sorts by (rank, symbol length, symbol, load order) and keeps the first `limit`.
fn top_n(records: &[Instrument], ranked: &mut Vec<(u8, usize, u32)>, limit: usize) -> Vec<u32> {
    let cmp = |a: &(u8, usize, u32), b: &(u8, usize, u32)| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| {
                records[a.2 as usize]
                    .symbol
                    .as_str()
                    .cmp(records[b.2 as usize].symbol.as_str())
            })
            .then(a.2.cmp(&b.2))
    };
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, cmp);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(cmp);
    ranked.iter().map(|r| r.2).collect()
}
