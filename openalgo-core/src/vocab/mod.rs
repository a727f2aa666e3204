//! OpenAlgo's closed vocabularies with their exact wire strings (rest-api §2).
//!
//! Every enum parses only the spellings the reference accepts (case-sensitive, with the listed
//! lower-case aliases for `action` and `option_type`) and always writes the canonical spelling.

mod macros;

mod error;
mod exchange;
mod instrument_type;
mod interval;
mod order;

pub(crate) use macros::wire_enum;

pub use error::VocabError;
pub use exchange::Exchange;
pub use instrument_type::{InstrumentType, OptionType};
pub use interval::Interval;
pub use order::{Action, OrderStatus, PriceType, Product};
