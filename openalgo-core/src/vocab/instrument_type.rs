//! Option types and master-contract instrument types (rest-api §2.7–2.8).

use super::wire_enum;

wire_enum! {
    /// Call or put. `ce` and `pe` are accepted on input; output is upper-case.
    pub enum OptionType("option_type") {
        /// Call option.
        Call = "CE" | "ce",
        /// Put option.
        Put = "PE" | "pe",
    }
}

wire_enum! {
    /// The master contract's `instrumenttype` column.
    pub enum InstrumentType("instrumenttype") {
        /// Cash equity.
        Equity = "EQ",
        /// Future (generic).
        Future = "FUT",
        /// Call option (generic).
        Call = "CE",
        /// Put option (generic).
        Put = "PE",
        /// Index future.
        FutIdx = "FUTIDX",
        /// Stock future.
        FutStk = "FUTSTK",
        /// Index option.
        OptIdx = "OPTIDX",
        /// Stock option.
        OptStk = "OPTSTK",
        /// Commodity future.
        FutCom = "FUTCOM",
        /// Energy future.
        FutEnr = "FUTENR",
        /// Option on a future (commodities).
        OptFut = "OPTFUT",
        /// Currency future.
        FutCur = "FUTCUR",
        /// Interest-rate future.
        FutIrc = "FUTIRC",
        /// Currency option.
        OptCur = "OPTCUR",
        /// Interest-rate option.
        OptIrc = "OPTIRC",
        /// Crypto perpetual future.
        PerpFut = "PERPFUT",
        /// Index (quote only).
        Index = "INDEX",
    }
}

impl InstrumentType {
    /// True for every kind of future, perpetuals included.
    #[must_use]
    pub const fn is_future(self) -> bool {
        matches!(
            self,
            Self::Future
                | Self::FutIdx
                | Self::FutStk
                | Self::FutCom
                | Self::FutEnr
                | Self::FutCur
                | Self::FutIrc
                | Self::PerpFut
        )
    }

    /// True for every kind of option.
    #[must_use]
    pub const fn is_option(self) -> bool {
        matches!(
            self,
            Self::Call
                | Self::Put
                | Self::OptIdx
                | Self::OptStk
                | Self::OptFut
                | Self::OptCur
                | Self::OptIrc
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_type_aliases() {
        assert_eq!("ce".parse::<OptionType>(), Ok(OptionType::Call));
        assert_eq!("PE".parse::<OptionType>(), Ok(OptionType::Put));
        assert!("Ce".parse::<OptionType>().is_err());
        assert_eq!(OptionType::Call.to_string(), "CE");
        assert_eq!(
            "x".parse::<OptionType>().unwrap_err().one_of_message(),
            "Must be one of: CE, PE, ce, pe."
        );
    }

    #[test]
    fn instrument_type_wire_round_trip() {
        for t in InstrumentType::ALL {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<InstrumentType>(&json).unwrap(), *t);
            assert_eq!(t.as_str().parse::<InstrumentType>(), Ok(*t));
        }
        assert_eq!(InstrumentType::ALL.len(), 17);
        assert!(InstrumentType::PerpFut.is_future());
        assert!(InstrumentType::OptIdx.is_option());
        assert!(!InstrumentType::Index.is_future() && !InstrumentType::Index.is_option());
        assert!("eq".parse::<InstrumentType>().is_err());
    }
}
