//! Order vocabulary: actions, price types, products and normalised order statuses (rest-api §2.2–2.6).

use super::wire_enum;

wire_enum! {
    /// Buy or sell. The order schemas also accept exactly `buy` and `sell`.
    pub enum Action("action") {
        /// Buy.
        Buy = "BUY" | "buy",
        /// Sell.
        Sell = "SELL" | "sell",
    }
}

impl Action {
    /// The opposite side.
    #[must_use]
    pub const fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }

    /// `+1` for buy, `-1` for sell: the sign this side applies to a net position.
    #[must_use]
    pub const fn sign(self) -> i64 {
        match self {
            Self::Buy => 1,
            Self::Sell => -1,
        }
    }
}

wire_enum! {
    /// How an order is priced. Upper-case only. Defaults to MARKET.
    #[derive(Default)]
    pub enum PriceType("pricetype") {
        /// Market order.
        #[default]
        Market = "MARKET",
        /// Limit order: needs a price.
        Limit = "LIMIT",
        /// Stop-loss limit: needs a price and a trigger price.
        StopLimit = "SL",
        /// Stop-loss market: needs a trigger price.
        StopMarket = "SL-M",
    }
}

impl PriceType {
    /// True for LIMIT and SL, which carry a limit price.
    #[must_use]
    pub const fn has_limit_price(self) -> bool {
        matches!(self, Self::Limit | Self::StopLimit)
    }

    /// True for SL and SL-M, which carry a trigger price.
    #[must_use]
    pub const fn has_trigger(self) -> bool {
        matches!(self, Self::StopLimit | Self::StopMarket)
    }
}

wire_enum! {
    /// Product (margin treatment). Upper-case only. Defaults to MIS.
    #[derive(Default)]
    pub enum Product("product") {
        /// Intraday, squared off the same day.
        #[default]
        Mis = "MIS",
        /// Cash delivery.
        Cnc = "CNC",
        /// Carry-forward derivatives.
        Nrml = "NRML",
    }
}

wire_enum! {
    /// Normalised order status as every order book reports it.
    pub enum OrderStatus("order_status") {
        /// Working at the exchange.
        Open = "open",
        /// Fully filled.
        Complete = "complete",
        /// Cancelled before filling.
        Cancelled = "cancelled",
        /// Refused by the broker, the exchange or the risk checks.
        Rejected = "rejected",
        /// Stop order waiting for its trigger (note the space).
        TriggerPending = "trigger pending",
    }
}

impl OrderStatus {
    /// True while the order can still be modified or cancelled.
    #[must_use]
    pub const fn is_working(self) -> bool {
        matches!(self, Self::Open | Self::TriggerPending)
    }

    /// True once the status can never change again.
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        !self.is_working()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("BUY", Some(Action::Buy))]
    #[case("buy", Some(Action::Buy))]
    #[case("SELL", Some(Action::Sell))]
    #[case("sell", Some(Action::Sell))]
    #[case("Buy", None)]
    #[case("SELl", None)]
    #[case("", None)]
    fn action_accepts_exactly_four_spellings(#[case] input: &str, #[case] want: Option<Action>) {
        assert_eq!(input.parse::<Action>().ok(), want);
    }

    #[test]
    fn action_message_and_canonical_output() {
        let err = "Buy".parse::<Action>().unwrap_err();
        assert_eq!(
            err.one_of_message(),
            "Must be one of: BUY, SELL, buy, sell."
        );
        let a: Action = serde_json::from_str("\"sell\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"SELL\"");
        assert_eq!(Action::Buy.opposite(), Action::Sell);
        assert_eq!(Action::Sell.sign(), -1);
    }

    #[rstest]
    #[case("MARKET", Some(PriceType::Market))]
    #[case("LIMIT", Some(PriceType::Limit))]
    #[case("SL", Some(PriceType::StopLimit))]
    #[case("SL-M", Some(PriceType::StopMarket))]
    #[case("market", None)]
    #[case("SLM", None)]
    #[case("SL_M", None)]
    fn price_type_wire(#[case] input: &str, #[case] want: Option<PriceType>) {
        assert_eq!(input.parse::<PriceType>().ok(), want);
        if let Some(p) = want {
            assert_eq!(p.to_string(), input);
        }
    }

    #[test]
    fn price_type_fields() {
        assert!(PriceType::Limit.has_limit_price() && !PriceType::Limit.has_trigger());
        assert!(PriceType::StopLimit.has_limit_price() && PriceType::StopLimit.has_trigger());
        assert!(!PriceType::StopMarket.has_limit_price() && PriceType::StopMarket.has_trigger());
        assert_eq!(PriceType::default(), PriceType::Market);
    }

    #[rstest]
    #[case("MIS", Some(Product::Mis))]
    #[case("CNC", Some(Product::Cnc))]
    #[case("NRML", Some(Product::Nrml))]
    #[case("mis", None)]
    #[case("BO", None)]
    fn product_wire(#[case] input: &str, #[case] want: Option<Product>) {
        assert_eq!(input.parse::<Product>().ok(), want);
        assert_eq!(Product::default(), Product::Mis);
        assert_eq!(
            "x".parse::<Product>().unwrap_err().one_of_message(),
            "Must be one of: MIS, CNC, NRML."
        );
    }

    #[test]
    fn order_status_wire() {
        let wire: Vec<String> = OrderStatus::ALL
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        assert_eq!(
            wire,
            [
                "\"open\"",
                "\"complete\"",
                "\"cancelled\"",
                "\"rejected\"",
                "\"trigger pending\""
            ]
        );
        assert!("trigger_pending".parse::<OrderStatus>().is_err());
        assert!("COMPLETE".parse::<OrderStatus>().is_err());
        assert!(OrderStatus::TriggerPending.is_working());
        assert!(OrderStatus::Complete.is_terminal());
    }
}
