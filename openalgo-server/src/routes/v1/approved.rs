//! Approving a queued order (platform §3.3): the Action Center decides it once, then the
//! stored request runs through its endpoint's own steps — validation, the API key (the user's
//! current one, so a key rotated since the order was queued still executes), risk rules, the
//! order log — as if it had just arrived, except that it is not queued again.

use std::sync::Arc;

use openalgo_core::automation::{PendingStatus, Queued};
use serde_json::Value;

use super::order_http::Rendered;
use super::{compound, gtt, option_orders, orders};
use crate::app::AppState;
use crate::error::{ApiError, blocking};
use crate::store::{Decision, PendingOrderRow};

/// What approving one order did.
#[derive(Debug, Clone)]
pub(crate) struct Approval {
    /// The pending order.
    pub id: i64,
    /// Whether its execution succeeded.
    pub executed: bool,
    /// The order (or trigger) ids it returned, comma-separated.
    pub order_id: Option<String>,
    /// `success`, or the execution's error message.
    pub message: String,
    /// The endpoint's JSON answer.
    pub answer: Value,
}

/// Runs a stored request through its endpoint.
async fn run(state: &AppState, row: &PendingOrderRow) -> Result<Rendered, ApiError> {
    let keys = Arc::clone(&state.api_keys);
    let user_id = row.user_id;
    let key = blocking(move || keys.reveal(user_id))
        .await??
        .ok_or_else(|| ApiError::BadRequest("The user has no API key to execute with".into()))?;
    let mut body: Value = serde_json::from_str(&row.order_data)
        .map_err(|e| ApiError::internal(format!("queued order {} is not JSON: {e}", row.id)))?;
    let Value::Object(fields) = &mut body else {
        return Err(ApiError::internal(format!(
            "queued order {} is not a JSON object",
            row.id
        )));
    };
    fields.insert("apikey".into(), Value::String(key));
    let body = serde_json::to_vec(&body).map_err(ApiError::internal)?;
    match row.api_type {
        Queued::PlaceOrder => orders::placeorder_approved(state, &body).await,
        Queued::PlaceSmartOrder => compound::placesmartorder_approved(state, &body).await,
        Queued::BasketOrder => compound::basketorder_approved(state, &body).await,
        Queued::SplitOrder => compound::splitorder_approved(state, &body).await,
        Queued::OptionsOrder => option_orders::optionsorder_approved(state, &body).await,
        Queued::OptionsMultiOrder => option_orders::optionsmultiorder_approved(state, &body).await,
        Queued::PlaceGttOrder => gtt::placegttorder_approved(state, &body).await,
    }
}

/// The ids an answer carries: `orderid`, `trigger_id`, or those of its `results`.
fn order_ids(answer: &Value) -> Option<String> {
    let one = |v: &Value| {
        ["orderid", "trigger_id"]
            .iter()
            .find_map(|k| v[*k].as_str().map(str::to_owned))
    };
    if let Some(id) = one(answer) {
        return Some(id);
    }
    let ids: Vec<String> = answer["results"]
        .as_array()
        .map(|r| r.iter().filter_map(one).collect())
        .unwrap_or_default();
    (!ids.is_empty()).then(|| ids.join(","))
}

/// Approves one of `user_id`'s pending orders and executes it: `None` when it is not pending
/// (absent, already decided, or decided by a concurrent call — which then executes it).
///
/// # Errors
/// [`ApiError`] when the store or the order log fails.
pub(crate) async fn approve(
    state: &AppState,
    user_id: i64,
    id: i64,
    by: &str,
) -> Result<Option<Approval>, ApiError> {
    let center = &state.action_center;
    let Some(row) = center
        .get(user_id, id)
        .await?
        .filter(|r| r.status == PendingStatus::Pending)
    else {
        return Ok(None);
    };
    if !center
        .decide(user_id, id, Decision::Approve, by.to_owned())
        .await?
    {
        return Ok(None);
    }
    let (executed, answer) = match run(state, &row).await {
        Ok(r) => {
            let answer: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            (r.status.is_success() && answer["status"] != "error", answer)
        }
        Err(e) => (false, e.body()),
    };
    let order_id = order_ids(&answer);
    let message = if executed {
        "success".to_owned()
    } else {
        answer["message"]
            .as_str()
            .map_or_else(|| answer.to_string(), str::to_owned)
    };
    center
        .record(user_id, id, order_id.clone(), message.clone())
        .await?;
    Ok(Some(Approval {
        id,
        executed,
        order_id,
        message,
        answer,
    }))
}

/// Approves every pending order of `user_id`, oldest first.
///
/// # Errors
/// [`ApiError`] when the store or the order log fails (orders approved before stay approved).
pub(crate) async fn approve_all(
    state: &AppState,
    user_id: i64,
    by: &str,
) -> Result<Vec<Approval>, ApiError> {
    let mut pending = state
        .action_center
        .list(user_id, Some(PendingStatus::Pending), usize::MAX)
        .await?;
    pending.reverse();
    let mut done = Vec::with_capacity(pending.len());
    for row in pending {
        if let Some(a) = approve(state, user_id, row.id, by).await? {
            done.push(a);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_come_from_single_answers_and_from_results() {
        assert_eq!(
            order_ids(&json!({"status": "success", "orderid": "17"})).as_deref(),
            Some("17")
        );
        assert_eq!(
            order_ids(&json!({"status": "success", "trigger_id": "G1"})).as_deref(),
            Some("G1")
        );
        let basket = json!({"status": "success", "results": [
            {"symbol": "SBIN", "status": "success", "orderid": "1"},
            {"symbol": "INFY", "status": "error", "message": "no"},
            {"symbol": "TCS", "status": "success", "orderid": "3"}]});
        assert_eq!(order_ids(&basket).as_deref(), Some("1,3"));
        assert_eq!(order_ids(&json!({"status": "error", "message": "x"})), None);
    }
}
