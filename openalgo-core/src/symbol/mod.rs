//! OpenAlgo symbols (rest-api §2.9) and broker symbols: two distinct types, bridged only by the
//! instrument master ([`crate::instrument::SymbolTable`]).

mod error;
mod expiry;
mod names;
mod parts;
mod strike;

pub use error::SymbolError;
pub use expiry::ExpiryDate;
pub use names::{BrokerSymbol, MAX_SYMBOL_LEN, Symbol};
pub use parts::SymbolParts;
pub use strike::Strike;
