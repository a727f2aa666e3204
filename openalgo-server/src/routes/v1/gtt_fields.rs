//! The fields of `placegttorder` and `modifygttorder`, read with the reference's rules: the
//! trigger type and the fractional-quantity check right after validation, the cross-field
//! rules (SINGLE needs one trigger, OCO all four values in order) once the key is known.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use openalgo_core::{
    Action, Exchange, GttRequest, GttTriggers, InstrumentKey, Price, PriceType, Product, Quantity,
    StrategyTag, Symbol, TriggerDirection,
};
use rust_decimal::Decimal;

use super::order_fields::whole_units;
use super::present;
use super::requests::GTT_TRIGGER_TYPES;
use crate::error::ApiError;
use crate::validation::{Format, Valid, field_error};

/// SINGLE or OCO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TriggerType {
    Single,
    Oco,
}

/// A validated GTT body, not yet cross-checked.
#[derive(Debug)]
pub(super) struct GttFields {
    trigger_type: TriggerType,
    exchange: Exchange,
    symbol: String,
    action: Action,
    product: Product,
    units: u64,
    price_type: PriceType,
    price: Decimal,
    stoploss_trigger: Decimal,
    target_trigger: Decimal,
    stoploss: Option<Decimal>,
    target: Option<Decimal>,
    expires_at: Option<NaiveDateTime>,
}

fn invalid(field: &str, message: &str) -> ApiError {
    field_error(field, message, Format::Stringified)
}

/// IST, where a naive time is read.
fn ist() -> FixedOffset {
    FixedOffset::east_opt(19_800).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
}

/// `expires_at` as ISO (an offset is converted to IST), `YYYY-MM-DD HH:MM:SS` or
/// `YYYY-MM-DD` (midnight); anything else is no expiry (the broker's default applies).
pub(super) fn expiry(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&ist()).naive_local());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

impl GttFields {
    /// The fields of a validated body; then the trigger type (`Must be 'SINGLE' or 'OCO'.`)
    /// and the fractional-quantity rule, as the reference checks them after the fields.
    ///
    /// # Errors
    /// 400 (format F1) for either rule; 500 when a validated choice does not parse.
    pub(super) fn from_valid(v: &Valid) -> Result<Self, ApiError> {
        let kind = v.text("trigger_type")?.to_uppercase();
        let trigger_type = match GTT_TRIGGER_TYPES.iter().position(|t| *t == kind) {
            Some(0) => TriggerType::Single,
            Some(_) => TriggerType::Oco,
            None => return Err(invalid("trigger_type", "Must be 'SINGLE' or 'OCO'.")),
        };
        Ok(Self {
            trigger_type,
            exchange: v.choice("exchange")?,
            symbol: v.text("symbol")?,
            action: v.choice("action")?,
            product: v.choice("product")?,
            units: whole_units(present(v.opt_number("quantity"))?)?,
            price_type: v.opt_choice("pricetype")?.unwrap_or(PriceType::Limit),
            price: present(v.opt_number("price"))?,
            stoploss_trigger: v.opt_number("triggerprice_sl").unwrap_or_default(),
            target_trigger: v.opt_number("triggerprice_tg").unwrap_or_default(),
            stoploss: v.opt_number("stoploss"),
            target: v.opt_number("target"),
            expires_at: v.opt_text("expires_at").as_deref().and_then(expiry),
        })
    }

    fn triggers(&self) -> Result<GttTriggers, ApiError> {
        let (sl, tg) = (self.stoploss_trigger, self.target_trigger);
        match self.trigger_type {
            // Both set: the stop-loss trigger wins (the client refuses that combination).
            TriggerType::Single if sl > Decimal::ZERO => Ok(GttTriggers::Single {
                trigger: Price::new(sl),
                direction: TriggerDirection::Below,
                price: Price::new(self.price),
            }),
            TriggerType::Single if tg > Decimal::ZERO => Ok(GttTriggers::Single {
                trigger: Price::new(tg),
                direction: TriggerDirection::Above,
                price: Price::new(self.price),
            }),
            TriggerType::Single => Err(invalid(
                "triggerprice_sl",
                "SINGLE GTT requires a positive triggerprice_sl or triggerprice_tg.",
            )),
            TriggerType::Oco => {
                let set = |v: Option<Decimal>| v.filter(|d| !d.is_zero());
                let sl = set(Some(sl)).ok_or_else(|| {
                    invalid("triggerprice_sl", "Required for OCO (stoploss trigger).")
                })?;
                let stoploss = set(self.stoploss)
                    .ok_or_else(|| invalid("stoploss", "Required for OCO (stoploss leg limit)."))?;
                let tg = set(Some(tg)).ok_or_else(|| {
                    invalid("triggerprice_tg", "Required for OCO (target trigger).")
                })?;
                let target = set(self.target)
                    .ok_or_else(|| invalid("target", "Required for OCO (target leg limit)."))?;
                if sl >= tg {
                    return Err(invalid(
                        "triggerprice_sl",
                        "Stoploss trigger must be less than target trigger (triggerprice_tg).",
                    ));
                }
                Ok(GttTriggers::Oco {
                    stoploss_trigger: Price::new(sl),
                    stoploss_price: Price::new(stoploss),
                    target_trigger: Price::new(tg),
                    target_price: Price::new(target),
                })
            }
        }
    }

    /// The core request after the cross-field rules.
    ///
    /// # Errors
    /// 400 (format F1) for a broken cross-field rule; 400 for a malformed symbol or strategy.
    pub(super) fn request(&self, strategy: &str) -> Result<GttRequest, ApiError> {
        let triggers = self.triggers()?;
        let symbol = Symbol::new(&self.symbol).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(GttRequest {
            instrument: InstrumentKey::new(symbol, self.exchange),
            action: self.action,
            product: self.product,
            quantity: Quantity::new(self.units),
            price_type: self.price_type,
            triggers,
            strategy: StrategyTag::new(strategy)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?,
            expires_at: self.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::expiry;

    #[test]
    fn expiry_reads_iso_plain_and_dates_in_ist() {
        let t = |s: &str| expiry(s).map(|t| t.to_string());
        assert_eq!(
            t("2026-01-02T04:30:00Z").as_deref(),
            Some("2026-01-02 10:00:00")
        );
        assert_eq!(
            t("2026-01-02 10:00:00").as_deref(),
            Some("2026-01-02 10:00:00")
        );
        assert_eq!(t("2026-01-02").as_deref(), Some("2026-01-02 00:00:00"));
        assert_eq!(t("next week"), None);
    }
}
