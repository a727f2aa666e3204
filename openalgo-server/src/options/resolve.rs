//! From a request's underlying, exchange, expiry and offset to a listed option contract
//! (rest-api §3.6.1): the underlying's price through the broker, then core's resolution.

use actix_web::http::StatusCode;
use openalgo_core::options::underlying::{quote_exchange, quote_symbol};
use openalgo_core::options::{Offset, OptionQuery, ResolveError, resolve, split_underlying};
use openalgo_core::symbol::{ExpiryDate, Strike};
use openalgo_core::{Exchange, Instrument, InstrumentKey, OptionType, Quote, Symbol};
use rust_decimal::Decimal;

use super::OptionMarket;
use crate::error::ApiError;

fn status(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError::Status {
        status,
        message: message.into(),
    }
}

/// The reference's status for a resolution failure.
#[must_use]
pub(crate) fn resolve_error(e: &ResolveError, quoted: &str) -> ApiError {
    match e {
        ResolveError::NoStrikes { .. } | ResolveError::SymbolNotFound { .. } => {
            ApiError::NotFound(e.to_string())
        }
        ResolveError::InvalidLtp => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Could not determine LTP for {quoted}."),
        ),
        ResolveError::InvalidOffset
        | ResolveError::OffsetOutOfRange { .. }
        | ResolveError::InvalidStrikeInterval => ApiError::BadRequest(e.to_string()),
    }
}

/// An underlying as a request names it: the text sent, its base and embedded expiry, the
/// exchange named, and the expiry to use.
#[derive(Debug, Clone)]
pub struct Target {
    /// The `underlying` as sent.
    pub sent: String,
    /// Its base (`NIFTY` of `NIFTY28OCT25FUT`).
    pub base: String,
    /// The expiry embedded in it, if any.
    pub embedded: Option<ExpiryDate>,
    /// The exchange the request names.
    pub exchange: Exchange,
    /// The expiry text to use (`DDMMMYY`).
    pub expiry_text: String,
}

impl Target {
    /// Reads the underlying and picks the expiry: the explicit `expiry_date` wins over an
    /// embedded one, unless `embedded_wins` (the option chain's rule).
    ///
    /// # Errors
    /// 400 `Expiry date required...` when neither gives one.
    pub fn new(
        underlying: &str,
        exchange: Exchange,
        expiry_date: Option<&str>,
        embedded_wins: bool,
    ) -> Result<Self, ApiError> {
        let (base, embedded) = split_underlying(underlying);
        let explicit = expiry_date.map(str::trim).filter(|s| !s.is_empty());
        let embedded_text = embedded.map(ExpiryDate::compact);
        let expiry_text = if embedded_wins {
            embedded_text.or_else(|| explicit.map(str::to_owned))
        } else {
            explicit.map(str::to_owned).or(embedded_text)
        }
        .ok_or_else(|| {
            ApiError::BadRequest(
                "Expiry date required. Provide via expiry_date parameter or embed in underlying (e.g., NIFTY28OCT25FUT).".into(),
            )
        })?;
        Ok(Self {
            sent: underlying.to_owned(),
            base: base.to_owned(),
            embedded,
            exchange,
            expiry_text: expiry_text.to_ascii_uppercase(),
        })
    }

    /// An underlying read only for its price (each leg of a multi-leg order names its expiry).
    #[must_use]
    pub fn quote_only(underlying: &str, exchange: Exchange) -> Self {
        let (base, embedded) = split_underlying(underlying);
        Self {
            sent: underlying.to_owned(),
            base: base.to_owned(),
            embedded,
            exchange,
            expiry_text: String::new(),
        }
    }

    /// The symbol whose price is the underlying's (rest-api §3.6.1 step 2).
    #[must_use]
    pub fn quote_symbol(&self) -> String {
        quote_symbol(&self.sent, &self.base, self.embedded, self.exchange)
    }

    /// The exchange that symbol is quoted on.
    #[must_use]
    pub fn quote_exchange(&self) -> Exchange {
        quote_exchange(&self.base, self.exchange)
    }

    /// The expiry as a date.
    ///
    /// # Errors
    /// 404 `No strikes found...` for a text that is no `DDMMMYY` date (no contract can match).
    pub fn expiry(&self) -> Result<ExpiryDate, ApiError> {
        ExpiryDate::parse_compact(&self.expiry_text).map_err(|_| {
            ApiError::NotFound(
                ResolveError::NoStrikes {
                    underlying: self.base.clone(),
                    expiry: self.expiry_text.clone(),
                }
                .to_string(),
            )
        })
    }
}

/// Offset, type and (deprecated) strike interval of an option request.
#[derive(Debug, Clone, Copy)]
pub struct SymbolQuery {
    /// ATM / ITMn / OTMn.
    pub offset: Offset,
    /// Call or put.
    pub option_type: OptionType,
    /// `strike_int`.
    pub strike_interval: Option<u32>,
}

/// A resolved contract with the prices it was resolved from.
#[derive(Debug, Clone)]
pub struct Located {
    /// The contract's master row.
    pub instrument: Instrument,
    /// Its strike.
    pub strike: Strike,
    /// The ATM strike.
    pub atm_strike: Strike,
}

impl OptionMarket {
    /// The quote of an instrument that must be listed; failures read `Failed to fetch LTP for
    /// <symbol><sep><why>` with the quote's status.
    ///
    /// # Errors
    /// 400 when the symbol is not in the master; the broker's failure otherwise.
    pub async fn quote_of(
        &self,
        symbol: &str,
        exchange: Exchange,
        sep: &str,
    ) -> Result<Quote, ApiError> {
        let failed = |e: ApiError| {
            let code = actix_web::ResponseError::status_code(&e);
            status(code, format!("Failed to fetch LTP for {symbol}{sep}{e}"))
        };
        let listed = Symbol::new(symbol)
            .ok()
            .filter(|_| self.symbols.get(symbol, exchange).is_some())
            .ok_or_else(|| {
                failed(ApiError::BadRequest(format!(
                    "Symbol '{symbol}' not found for exchange '{exchange}'. Please verify the symbol name and ensure master contracts are downloaded."
                )))
            })?;
        self.broker
            .quote(&InstrumentKey::new(listed, exchange))
            .await
            .map_err(|e| failed(ApiError::Broker(e)))
    }

    /// The underlying's last price for `optionsymbol`-style requests.
    ///
    /// # Errors
    /// As [`Self::quote_of`]; 500 `Could not determine LTP` for no price.
    pub async fn underlying_ltp(&self, target: &Target) -> Result<Decimal, ApiError> {
        let symbol = target.quote_symbol();
        let q = self
            .quote_of(&symbol, target.quote_exchange(), ". ")
            .await?;
        let ltp = q.ltp.value();
        if ltp <= Decimal::ZERO {
            return Err(resolve_error(&ResolveError::InvalidLtp, &symbol));
        }
        Ok(ltp)
    }

    /// The contract for `query` at the underlying price `ltp` (rest-api §3.6.1 steps 4–6).
    ///
    /// # Errors
    /// The reference's statuses for each [`ResolveError`].
    pub fn locate(
        &self,
        target: &Target,
        ltp: Decimal,
        query: &SymbolQuery,
    ) -> Result<Located, ApiError> {
        let q = OptionQuery {
            underlying: &target.base,
            exchange: target.exchange,
            expiry: target.expiry()?,
            offset: query.offset,
            option_type: query.option_type,
            ltp,
            strike_interval: query.strike_interval,
        };
        let r = resolve(&self.symbols, &self.ladders, &q)
            .map_err(|e| resolve_error(&e, &target.quote_symbol()))?;
        Ok(Located {
            instrument: r.instrument.clone(),
            strike: r.strike,
            atm_strike: r.atm_strike,
        })
    }
}
