//! The risk rules' defaults from the environment. They apply until the account's rules are
//! first changed from the API or the Risk page; from then on the saved rules are used.

use std::time::Duration;

use openalgo_core::money::parse_decimal;
use openalgo_core::risk::{LimitsError, RiskLimits};

/// A `RISK_*` variable that cannot be used (the message names it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidRiskSetting(pub String);

/// The default rules of both accounts and how often the daily loss is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDefaults {
    /// The configured broker's account: `RISK_ORDERS_PER_SECOND` (default 10, the exchange's
    /// threshold for unregistered algorithms, for a broker that reaches an exchange; 0 for the
    /// simulator unless set; 0 is off), `RISK_MAX_DAILY_LOSS`,
    /// `RISK_MAX_ORDER_QUANTITY`, `RISK_MAX_ORDER_VALUE`, `RISK_MAX_OPEN_POSITIONS`,
    /// `RISK_FLATTEN_ON_KILL`.
    pub live: RiskLimits,
    /// The analyzer account: `RISK_ANALYZER_ORDERS_PER_SECOND` (default 0, so paper accounts
    /// can be load-tested); no other rule until set.
    pub analyzer: RiskLimits,
    /// Whether `RISK_ORDERS_PER_SECOND` was set (it then applies to the simulator too).
    pub live_rate_set: bool,
    /// How often the day's P&L is read for the max-daily-loss rule (`RISK_PNL_INTERVAL_MS`,
    /// default 2000, at least 100).
    pub pnl_interval: Duration,
}

impl Default for RiskDefaults {
    fn default() -> Self {
        Self {
            live: RiskLimits::default(),
            analyzer: RiskLimits::none(),
            live_rate_set: false,
            pnl_interval: Duration::from_secs(2),
        }
    }
}

impl RiskDefaults {
    /// Reads the defaults through `var` (the environment).
    ///
    /// # Errors
    /// [`InvalidRiskSetting`] naming the variable.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, InvalidRiskSetting> {
        let invalid = |name: &str, text: &str, what: &str| {
            InvalidRiskSetting(format!("{name}: '{text}' is not {what}"))
        };
        let count = |name: &str| -> Result<Option<u64>, InvalidRiskSetting> {
            var(name)
                .map(|t| {
                    t.trim()
                        .parse::<u64>()
                        .map_err(|_| invalid(name, &t, "a whole number"))
                })
                .transpose()
        };
        let money = |name: &str| {
            var(name)
                .map(|t| parse_decimal(t.trim()).map_err(|_| invalid(name, &t, "a number")))
                .transpose()
        };
        let rate = |name: &str, default: u32| -> Result<u32, InvalidRiskSetting> {
            count(name)?.map_or(Ok(default), |n| {
                u32::try_from(n).map_err(|_| invalid(name, &n.to_string(), "a rate"))
            })
        };
        let flag = |name: &str| {
            var(name).is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            })
        };
        let live = RiskLimits {
            max_daily_loss: money("RISK_MAX_DAILY_LOSS")?,
            max_order_quantity: count("RISK_MAX_ORDER_QUANTITY")?,
            max_order_value: money("RISK_MAX_ORDER_VALUE")?,
            max_open_positions: count("RISK_MAX_OPEN_POSITIONS")?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            orders_per_second: rate("RISK_ORDERS_PER_SECOND", 10)?,
            flatten_on_kill: flag("RISK_FLATTEN_ON_KILL"),
            ..RiskLimits::default()
        };
        live.validate()
            .map_err(|e: LimitsError| InvalidRiskSetting(format!("RISK_*: {e}")))?;
        let analyzer = RiskLimits {
            orders_per_second: rate("RISK_ANALYZER_ORDERS_PER_SECOND", 0)?,
            ..RiskLimits::none()
        };
        let pnl_ms = count("RISK_PNL_INTERVAL_MS")?.unwrap_or(2000).max(100);
        Ok(Self {
            live,
            analyzer,
            live_rate_set: var("RISK_ORDERS_PER_SECOND").is_some(),
            pnl_interval: Duration::from_millis(pnl_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::vars;
    use rust_decimal::Decimal;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_cap_live_orders_and_leave_the_analyzer_free() {
        let d = RiskDefaults::from_vars(&vars(&[])).unwrap();
        assert_eq!(d, RiskDefaults::default());
        assert_eq!(d.live.orders_per_second, 10);
        assert_eq!(d.analyzer.orders_per_second, 0);
    }

    #[test]
    fn every_variable_is_read_and_bad_values_are_named() {
        let d = RiskDefaults::from_vars(&vars(&[
            ("RISK_MAX_DAILY_LOSS", "25000.50"),
            ("RISK_MAX_ORDER_QUANTITY", "500"),
            ("RISK_MAX_ORDER_VALUE", "200000"),
            ("RISK_MAX_OPEN_POSITIONS", "5"),
            ("RISK_ORDERS_PER_SECOND", "0"),
            ("RISK_ANALYZER_ORDERS_PER_SECOND", "25"),
            ("RISK_FLATTEN_ON_KILL", "true"),
            ("RISK_PNL_INTERVAL_MS", "500"),
        ]))
        .unwrap();
        assert_eq!(d.live.max_daily_loss, Some(dec("25000.50")));
        assert_eq!(d.live.max_order_quantity, Some(500));
        assert_eq!(d.live.max_order_value, Some(dec("200000")));
        assert_eq!(d.live.max_open_positions, Some(5));
        assert_eq!(d.live.orders_per_second, 0);
        assert!(d.live_rate_set);
        assert!(d.live.flatten_on_kill);
        assert_eq!(d.analyzer.orders_per_second, 25);
        assert_eq!(d.pnl_interval, Duration::from_millis(500));
        let err =
            RiskDefaults::from_vars(&vars(&[("RISK_MAX_ORDER_QUANTITY", "ten")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "RISK_MAX_ORDER_QUANTITY: 'ten' is not a whole number"
        );
        let err = RiskDefaults::from_vars(&vars(&[("RISK_MAX_DAILY_LOSS", "0")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("max_daily_loss must be greater than 0")
        );
    }
}
