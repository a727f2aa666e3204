//! The analyzer's editable settings (the `/sandbox` page): starting capital, leverages and MIS
//! square-off times, validated here and persisted in the settings store so a restart, or an
//! account rebuilt for a new master contract, keeps them.

use chrono::NaiveTime;
use openalgo_core::Money;
use openalgo_core::sandbox::{Leverages, SandboxConfig, SquareOffTimes};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// The settings key of the overrides (JSON).
const KEY: &str = "sandbox_config";

/// The starting capital's range (₹1 lakh to ₹1 crore, as in the reference).
pub const CAPITAL_RANGE: (i64, i64) = (100_000, 10_000_000);

/// The leverage range of every segment.
pub const LEVERAGE_RANGE: (i64, i64) = (1, 50);

/// What the page edits of [`SandboxConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxOverrides {
    /// Capital of the account after its next reset.
    pub starting_capital: Money,
    /// Leverages by segment.
    pub leverage: Leverages,
    /// MIS cut-off times.
    pub square_off: SquareOffTimes,
}

/// Why an edit was refused (the page's flash message).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// Capital outside the range or not a number.
    #[error("Starting capital must be a whole number of rupees from 1,00,000 to 1,00,00,000")]
    Capital,
    /// A leverage outside 1–50 or not a number.
    #[error("Leverage {0} must be a number from 1 to 50")]
    Leverage(&'static str),
    /// A time not in HH:MM.
    #[error("Square-off time {0} must be a time of day as HH:MM")]
    Time(&'static str),
}

impl SandboxOverrides {
    /// The overrides as `config` has them.
    #[must_use]
    pub fn of(config: &SandboxConfig) -> Self {
        Self {
            starting_capital: config.starting_capital,
            leverage: config.leverage,
            square_off: config.square_off,
        }
    }

    /// Writes them into `config`.
    pub fn apply(&self, config: &mut SandboxConfig) {
        config.starting_capital = self.starting_capital;
        config.leverage = self.leverage;
        config.square_off = self.square_off;
    }

    /// The persisted overrides, if any were saved. A stored value that no longer decodes is
    /// ignored (the defaults apply) rather than stopping the server.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn load(store: &dyn Store) -> Result<Option<Self>, StoreError> {
        Ok(store
            .setting(KEY)?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// `config` with the persisted overrides applied.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn applied(
        store: &dyn Store,
        mut config: SandboxConfig,
    ) -> Result<SandboxConfig, StoreError> {
        if let Some(o) = Self::load(store)? {
            o.apply(&mut config);
        }
        Ok(config)
    }

    /// Persists them.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub fn save(&self, store: &dyn Store) -> Result<(), StoreError> {
        // Plain numbers and times: encoding cannot fail, but stays an error rather than a panic.
        let body = serde_json::to_string(self).map_err(|e| StoreError::Conflict(e.to_string()))?;
        store.set_setting(KEY, &body)
    }

    /// Validates the form fields named by `field` (see the page): `capital`, `lev_*`, `sq_*`.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first bad field.
    pub fn parse(field: impl Fn(&str) -> String) -> Result<Self, SettingsError> {
        let capital: Decimal = field("capital")
            .trim()
            .replace(',', "")
            .parse()
            .map_err(|_| SettingsError::Capital)?;
        let (lo, hi) = CAPITAL_RANGE;
        if capital.fract() != Decimal::ZERO
            || capital < Decimal::from(lo)
            || capital > Decimal::from(hi)
        {
            return Err(SettingsError::Capital);
        }
        let lev = |name: &'static str, label: &'static str| -> Result<Decimal, SettingsError> {
            let v: Decimal = field(name)
                .trim()
                .parse()
                .map_err(|_| SettingsError::Leverage(label))?;
            let (lo, hi) = LEVERAGE_RANGE;
            if v < Decimal::from(lo) || v > Decimal::from(hi) {
                return Err(SettingsError::Leverage(label));
            }
            Ok(v.normalize())
        };
        let time = |name: &'static str, label: &'static str| {
            NaiveTime::parse_from_str(field(name).trim(), "%H:%M")
                .map_err(|_| SettingsError::Time(label))
        };
        Ok(Self {
            starting_capital: capital,
            leverage: Leverages {
                equity_mis: lev("lev_equity_mis", "equity MIS")?,
                equity_cnc: lev("lev_equity_cnc", "equity CNC")?,
                futures: lev("lev_futures", "futures")?,
                option_buy: lev("lev_option_buy", "options buy")?,
                option_sell: lev("lev_option_sell", "options sell")?,
            },
            square_off: SquareOffTimes {
                nse_bse: time("sq_nse_bse", "NSE/BSE")?,
                cds_bcd: time("sq_cds_bcd", "CDS/BCD")?,
                mcx: time("sq_mcx", "MCX")?,
                ncdex: time("sq_ncdex", "NCDEX")?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(overrides: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let mut fields: std::collections::HashMap<String, String> = [
            ("capital", "500000"),
            ("lev_equity_mis", "5"),
            ("lev_equity_cnc", "1"),
            ("lev_futures", "10"),
            ("lev_option_buy", "1"),
            ("lev_option_sell", "1"),
            ("sq_nse_bse", "15:15"),
            ("sq_cds_bcd", "16:45"),
            ("sq_mcx", "23:30"),
            ("sq_ncdex", "17:00"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (k, v) in overrides {
            fields.insert((*k).to_owned(), (*v).to_owned());
        }
        move |k| fields.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn valid_fields_parse_and_bad_ones_name_the_field() {
        let o = SandboxOverrides::parse(form(&[])).expect("valid");
        assert_eq!(o.starting_capital, Decimal::from(500_000));
        assert_eq!(
            SandboxOverrides::parse(form(&[("capital", "99999")])),
            Err(SettingsError::Capital)
        );
        assert_eq!(
            SandboxOverrides::parse(form(&[("capital", "10000001")])),
            Err(SettingsError::Capital)
        );
        assert_eq!(
            SandboxOverrides::parse(form(&[("lev_futures", "51")])),
            Err(SettingsError::Leverage("futures"))
        );
        assert_eq!(
            SandboxOverrides::parse(form(&[("lev_futures", "0.5")])),
            Err(SettingsError::Leverage("futures"))
        );
        assert_eq!(
            SandboxOverrides::parse(form(&[("sq_mcx", "25:00")])),
            Err(SettingsError::Time("MCX"))
        );
    }
}
