//! Exchanges (rest-api §2.1) and the derived exchange sets the reference uses.

use super::wire_enum;

wire_enum! {
    /// An OpenAlgo exchange code. The listing order is the reference's `VALID_EXCHANGES` order.
    pub enum Exchange("exchange") {
        /// NSE cash equity.
        Nse = "NSE",
        /// NSE futures and options.
        Nfo = "NFO",
        /// NSE currency derivatives.
        Cds = "CDS",
        /// BSE cash equity.
        Bse = "BSE",
        /// BSE futures and options.
        Bfo = "BFO",
        /// BSE currency derivatives.
        Bcd = "BCD",
        /// MCX commodities.
        Mcx = "MCX",
        /// NCDEX commodities.
        Ncdex = "NCDEX",
        /// NSE commodities.
        Nco = "NCO",
        /// NSE indices (quote only).
        NseIndex = "NSE_INDEX",
        /// BSE indices (quote only).
        BseIndex = "BSE_INDEX",
        /// MCX indices (quote only).
        McxIndex = "MCX_INDEX",
        /// Global indices (quote only).
        GlobalIndex = "GLOBAL_INDEX",
        /// Crypto venue: the only exchange with fractional quantities upstream.
        Crypto = "CRYPTO",
    }
}

impl Exchange {
    /// Number of exchanges; `self as usize` is always below it.
    pub const COUNT: usize = 14;

    /// The `F_AND_O_EXCHANGES` schema list used by `/expiry`, in its message order.
    pub const F_AND_O: &'static [Self] = &[
        Self::Nfo,
        Self::Bfo,
        Self::Mcx,
        Self::Cds,
        Self::Nco,
        Self::Bcd,
        Self::Ncdex,
        Self::Crypto,
    ];

    /// Dense index of this exchange, usable to index per-exchange arrays.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// True for derivative venues (futures, options, perpetuals).
    #[must_use]
    pub const fn is_derivative(self) -> bool {
        matches!(
            self,
            Self::Nfo
                | Self::Bfo
                | Self::Mcx
                | Self::Cds
                | Self::Bcd
                | Self::Ncdex
                | Self::Nco
                | Self::Crypto
        )
    }

    /// True for quote-only index venues, where orders cannot be placed.
    #[must_use]
    pub const fn is_index(self) -> bool {
        matches!(
            self,
            Self::NseIndex | Self::BseIndex | Self::McxIndex | Self::GlobalIndex
        )
    }

    /// True for cash-equity venues.
    #[must_use]
    pub const fn is_cash_equity(self) -> bool {
        matches!(self, Self::Nse | Self::Bse)
    }

    /// True where order quantities must be whole multiples of the lot size.
    #[must_use]
    pub const fn requires_lot_multiple(self) -> bool {
        matches!(
            self,
            Self::Nfo | Self::Bfo | Self::Cds | Self::Bcd | Self::Mcx | Self::Ncdex | Self::Crypto
        )
    }

    /// The exchange on which options of an underlying quoted here are listed (rest-api §2.1).
    #[must_use]
    pub const fn option_exchange(self) -> Self {
        match self {
            Self::Bse | Self::BseIndex | Self::Bfo => Self::Bfo,
            Self::Mcx => Self::Mcx,
            Self::Cds => Self::Cds,
            Self::Nco => Self::Nco,
            Self::Bcd => Self::Bcd,
            Self::Ncdex => Self::Ncdex,
            Self::Crypto => Self::Crypto,
            _ => Self::Nfo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_are_exact_and_ordered() {
        let wire: Vec<&str> = Exchange::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            wire,
            [
                "NSE",
                "NFO",
                "CDS",
                "BSE",
                "BFO",
                "BCD",
                "MCX",
                "NCDEX",
                "NCO",
                "NSE_INDEX",
                "BSE_INDEX",
                "MCX_INDEX",
                "GLOBAL_INDEX",
                "CRYPTO"
            ]
        );
        assert_eq!(Exchange::ALL.len(), Exchange::COUNT);
        for (i, e) in Exchange::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(e.as_str().parse::<Exchange>(), Ok(*e));
            assert_eq!(e.to_string(), e.as_str());
            let json = serde_json::to_string(e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
            assert_eq!(serde_json::from_str::<Exchange>(&json).unwrap(), *e);
        }
    }

    #[test]
    fn parsing_is_case_sensitive_with_reference_message() {
        let err = "nse".parse::<Exchange>().unwrap_err();
        assert_eq!(
            err.one_of_message(),
            "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO."
        );
        assert!("".parse::<Exchange>().is_err());
        assert!("NSE ".parse::<Exchange>().is_err());
        assert!(serde_json::from_str::<Exchange>("\"Nse\"").is_err());
    }

    #[test]
    fn derived_sets_match_reference() {
        let fo: Vec<&str> = Exchange::F_AND_O.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            fo,
            ["NFO", "BFO", "MCX", "CDS", "NCO", "BCD", "NCDEX", "CRYPTO"]
        );
        assert!(Exchange::F_AND_O.iter().all(|e| e.is_derivative()));
        assert!(!Exchange::Nco.requires_lot_multiple());
        assert!(Exchange::NseIndex.is_index());
        assert_eq!(Exchange::NseIndex.option_exchange(), Exchange::Nfo);
        assert_eq!(Exchange::BseIndex.option_exchange(), Exchange::Bfo);
        assert_eq!(Exchange::GlobalIndex.option_exchange(), Exchange::Nfo);
        assert_eq!(Exchange::Mcx.option_exchange(), Exchange::Mcx);
    }
}
