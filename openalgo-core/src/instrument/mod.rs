//! The instrument master: instrument records and the [`SymbolTable`] that indexes them.
//!
//! The table is the only bridge between OpenAlgo symbols and a broker's symbols and tokens.

mod derivatives;
mod record;
mod search;
mod table;

pub use derivatives::ExpiryKind;
pub use record::Instrument;
pub use search::{DEFAULT_SEARCH_LIMIT, SearchQuery};
pub use table::{BuildReport, SymbolTable};
