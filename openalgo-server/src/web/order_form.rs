//! The order fields of the pages' forms (ticket, modify, close) read into core's typed order
//! draft, with the API's messages for the values it refuses.

use std::collections::HashMap;
use std::str::FromStr;

use openalgo_core::money::parse_decimal;
use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderDraft, OrderRequest, Price, PriceType, Product, Quantity,
    StrategyTag, Symbol,
};
use rust_decimal::Decimal;

/// The strategy tag of orders placed from the pages.
pub(super) const STRATEGY: &str = "dashboard";

fn text<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

fn choice<T>(form: &HashMap<String, String>, name: &str, default: Option<T>) -> Result<T, String>
where
    T: FromStr<Err = openalgo_core::VocabError>,
{
    match (text(form, name), default) {
        ("", Some(d)) => Ok(d),
        (v, _) => v
            .parse()
            .map_err(|e: openalgo_core::VocabError| format!("{name}: {}", e.one_of_message())),
    }
}

fn amount(form: &HashMap<String, String>, name: &str, message: &str) -> Result<Decimal, String> {
    match text(form, name) {
        "" => Ok(Decimal::ZERO),
        v => parse_decimal(v)
            .ok()
            .filter(|d| !d.is_sign_negative() || d.is_zero())
            .ok_or_else(|| message.to_owned()),
    }
}

fn units(form: &HashMap<String, String>, name: &str, message: &str) -> Result<u64, String> {
    match text(form, name) {
        "" => Ok(0),
        v => parse_decimal(v)
            .ok()
            .filter(|d| d.fract().is_zero())
            .and_then(|d| u64::try_from(d).ok())
            .ok_or_else(|| message.to_owned()),
    }
}

/// The order a form describes (MARKET and MIS when not given, prices 0).
///
/// # Errors
/// The message for the first field the form gets wrong.
pub(super) fn draft(form: &HashMap<String, String>) -> Result<OrderDraft, String> {
    let symbol = Symbol::new(text(form, "symbol").to_uppercase()).map_err(|e| e.to_string())?;
    let exchange: Exchange = choice(form, "exchange", None)?;
    let action: Action = choice(form, "action", None)?;
    let quantity = units(form, "quantity", "Quantity must be a positive number.")?;
    if quantity == 0 {
        return Err("Quantity must be a positive number.".into());
    }
    let mut d = OrderRequest::builder(
        InstrumentKey::new(symbol, exchange),
        action,
        Quantity::new(quantity),
    );
    d.price_type = choice(form, "pricetype", Some(PriceType::default()))?;
    d.product = choice(form, "product", Some(Product::default()))?;
    d.price = Price::new(amount(
        form,
        "price",
        "Price must be a non-negative number.",
    )?);
    d.trigger_price = Price::new(amount(
        form,
        "trigger_price",
        "Trigger price must be a non-negative number.",
    )?);
    d.disclosed_quantity = Quantity::new(units(
        form,
        "disclosed_quantity",
        "Disclosed quantity must be a non-negative integer.",
    )?);
    d.strategy = StrategyTag::new(STRATEGY).map_err(|e| e.to_string())?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_becomes_a_typed_draft_with_the_api_messages_for_bad_values() {
        let ok = form(&[
            ("symbol", "sbin"),
            ("exchange", "NSE"),
            ("action", "BUY"),
            ("quantity", "5"),
            ("pricetype", "LIMIT"),
            ("product", "CNC"),
            ("price", "812.35"),
        ]);
        let d = draft(&ok).expect("valid");
        assert_eq!(d.instrument.symbol.as_str(), "SBIN");
        assert_eq!(d.quantity.get(), 5);
        assert_eq!(d.price_type, PriceType::Limit);
        assert_eq!(d.price.value(), Decimal::new(81_235, 2));
        let mut bad = ok.clone();
        bad.insert("quantity".into(), "0".into());
        assert_eq!(
            draft(&bad).unwrap_err(),
            "Quantity must be a positive number."
        );
        bad.insert("quantity".into(), "1.5".into());
        assert!(draft(&bad).is_err());
        let mut bad = ok;
        bad.insert("exchange".into(), "XX".into());
        assert!(
            draft(&bad)
                .unwrap_err()
                .starts_with("exchange: Must be one of")
        );
    }
}
