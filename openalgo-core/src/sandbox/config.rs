//! Sandbox configuration: capital, leverages, cut-off times and schedules (sandbox.md §2.1).

use chrono::{NaiveTime, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Exchange, Money};

/// When expired F&O contracts settle on their expiry day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpirySettlementTiming {
    /// From the exchange's close time on the expiry day (default).
    ExpiryDayClose,
    /// Only from the next day.
    NextDay,
}

/// The price at which expiring options settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptionSettlement {
    /// The last traded price (default); zero when unknown.
    Ltp,
    /// Always zero.
    Zero,
}

/// How an OCO GTT reserves margin for its two legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GttOcoMargin {
    /// The larger leg (default: only one leg can ever fire).
    Max,
    /// Both legs.
    Sum,
}

/// Automatic fund reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FundReset {
    /// Never (default).
    Never,
    /// Every week on `day` at `time` IST.
    Weekly {
        /// Weekday.
        day: Weekday,
        /// Time of day, IST.
        time: NaiveTime,
    },
}

/// Leverages by segment (1–50 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leverages {
    /// NSE/BSE MIS (5).
    pub equity_mis: Decimal,
    /// NSE/BSE CNC (1).
    pub equity_cnc: Decimal,
    /// Futures on every derivative exchange (10).
    pub futures: Decimal,
    /// Long options (1: full premium).
    pub option_buy: Decimal,
    /// Short options (1).
    pub option_sell: Decimal,
}

/// Daily MIS cut-off times, IST (sandbox.md §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquareOffTimes {
    /// NSE, BSE, NFO, BFO (15:15).
    pub nse_bse: NaiveTime,
    /// CDS, BCD (16:45).
    pub cds_bcd: NaiveTime,
    /// MCX (23:30).
    pub mcx: NaiveTime,
    /// NCDEX (17:00).
    pub ncdex: NaiveTime,
}

/// Everything the sandbox engine is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxConfig {
    /// Capital of a new or reset account (₹1 Cr).
    pub starting_capital: Money,
    /// Leverages.
    pub leverage: Leverages,
    /// MIS cut-offs.
    pub square_off: SquareOffTimes,
    /// MIS orders that open or add are refused before this time (09:00).
    pub mis_opens_at: NaiveTime,
    /// Expiry-day settlement timing.
    pub expiry_settlement: ExpirySettlementTiming,
    /// Option settlement price.
    pub option_settlement: OptionSettlement,
    /// Automatic fund reset schedule.
    pub fund_reset: FundReset,
    /// Session boundary: today's realized P&L resets here and books start here (03:00).
    pub session_starts_at: NaiveTime,
    /// Risk stop-out: when equity (cash + blocked margin + unrealized P&L) falls to this
    /// fraction of the position margin, every position is closed. Default 0.2.
    pub stop_out_level: Decimal,
    /// OCO GTT margin mode.
    pub gtt_oco_margin: GttOcoMargin,
    /// Whether MIS cut-offs apply (square-off and the placement window). A market that trades
    /// around the clock (the simulator's default) turns them off.
    pub mis_cutoffs: bool,
    /// First order sequence number: accounts sharing a day keep distinct 14-digit order ids
    /// by starting at different bases (ids use the sequence modulo 10^8).
    pub order_seq_base: u64,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            starting_capital: Decimal::new(10_000_000, 0),
            leverage: Leverages {
                equity_mis: Decimal::from(5),
                equity_cnc: Decimal::ONE,
                futures: Decimal::from(10),
                option_buy: Decimal::ONE,
                option_sell: Decimal::ONE,
            },
            square_off: SquareOffTimes {
                nse_bse: hm(15, 15),
                cds_bcd: hm(16, 45),
                mcx: hm(23, 30),
                ncdex: hm(17, 0),
            },
            mis_opens_at: hm(9, 0),
            expiry_settlement: ExpirySettlementTiming::ExpiryDayClose,
            option_settlement: OptionSettlement::Ltp,
            fund_reset: FundReset::Never,
            session_starts_at: hm(3, 0),
            stop_out_level: Decimal::new(2, 1),
            gtt_oco_margin: GttOcoMargin::Max,
            mis_cutoffs: true,
            order_seq_base: 0,
        }
    }
}

impl SandboxConfig {
    /// The MIS cut-off of an exchange. NCO, CRYPTO and index venues have none upstream; here NCO
    /// follows NSE's cut-off (a fix), CRYPTO trades around the clock.
    #[must_use]
    pub fn square_off_time(&self, exchange: Exchange) -> Option<NaiveTime> {
        if !self.mis_cutoffs {
            return None;
        }
        match exchange {
            Exchange::Nse | Exchange::Bse | Exchange::Nfo | Exchange::Bfo | Exchange::Nco => {
                Some(self.square_off.nse_bse)
            }
            Exchange::Cds | Exchange::Bcd => Some(self.square_off.cds_bcd),
            Exchange::Mcx => Some(self.square_off.mcx),
            Exchange::Ncdex => Some(self.square_off.ncdex),
            _ => None,
        }
    }

    /// The time from which a contract expiring today counts as expired (sandbox.md §9).
    #[must_use]
    pub fn expiry_close_time(exchange: Exchange) -> NaiveTime {
        match exchange {
            Exchange::Nfo | Exchange::Bfo => hm(15, 40),
            Exchange::Cds | Exchange::Bcd | Exchange::Ncdex => hm(17, 0),
            Exchange::Mcx => hm(23, 30),
            _ => hm(15, 30),
        }
    }
}
