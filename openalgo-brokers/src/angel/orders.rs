//! The order-status socket's messages: `{"user-id", "status-code", "order-status": "ABnn",
//! "orderData": {...an order-book row...}}` → core [`OrderUpdate`]s. `AB00` (the connect
//! acknowledgement) and anything unreadable carry no update.

use openalgo_core::SymbolTable;
use openalgo_core::market::OrderUpdate;
use serde::Deserialize;

use super::mapping;
use super::models::AngelOrder;

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "order-status", default)]
    order_status: String,
    #[serde(rename = "orderData")]
    order_data: Option<AngelOrder>,
}

/// The update a text message carries, if any.
#[must_use]
pub(crate) fn order_update(text: &str, symbols: &SymbolTable) -> Option<OrderUpdate> {
    let message: Message = serde_json::from_str(text).ok()?;
    if message.order_status == "AB00" {
        return None;
    }
    let row = message.order_data?;
    let row_status_known = !row.status.trim().is_empty();
    let o = mapping::order_from_angel(&row, symbols).ok()?;
    // The row's own status when it has one (it tells `trigger pending` from `open`), else the
    // message's code.
    let status = if row_status_known {
        o.status
    } else {
        mapping::status_from_update_code(&message.order_status).unwrap_or(o.status)
    };
    Some(OrderUpdate {
        order_id: o.order_id,
        instrument: o.instrument,
        action: o.action,
        quantity: o.quantity,
        price: o.price,
        trigger_price: o.trigger_price,
        price_type: o.price_type,
        product: o.product,
        status,
        filled_quantity: o.filled_quantity,
        average_price: o.average_price,
        rejection_reason: o.rejection_reason.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::OrderStatus;

    #[test]
    fn documented_messages() {
        let symbols = SymbolTable::default();
        let row = r#"{"orderid":"111","status":"complete","exchange":"NSE","tradingsymbol":"SBIN-EQ",
            "symboltoken":"3045","ordertype":"LIMIT","producttype":"INTRADAY",
            "transactiontype":"BUY","quantity":"5","filledshares":"5","price":800.5,
            "triggerprice":0,"averageprice":800.5}"#;
        let text = format!(
            r#"{{"user-id":"A1","status-code":"200","order-status":"AB05","error-message":"","orderData":{row}}}"#
        );
        let u = order_update(&text, &symbols).unwrap();
        assert_eq!(u.status, OrderStatus::Complete);
        assert_eq!(u.instrument.symbol.as_str(), "SBIN");
        assert_eq!(u.filled_quantity.get(), 5);
        let ack = r#"{"user-id":"A1","status-code":"200","order-status":"AB00","orderData":null}"#;
        assert!(order_update(ack, &symbols).is_none());
        assert!(order_update("pong", &symbols).is_none());
        // Without a row status the code decides.
        let cancelled = text
            .replace("AB05", "AB07")
            .replace(r#""status":"complete","#, "");
        assert_eq!(
            order_update(&cancelled, &symbols).unwrap().status,
            OrderStatus::Cancelled
        );
        let pending = text.replace(r#""status":"complete""#, r#""status":"trigger pending""#);
        let pending = pending.replace("AB05", "AB01");
        assert_eq!(
            order_update(&pending, &symbols).unwrap().status,
            OrderStatus::TriggerPending
        );
    }
}
