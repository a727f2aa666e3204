//! Market calendar: holidays and per-exchange timings (rest-api §3.8). The API key must be
//! present but is not verified, as in the reference.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use openalgo_core::calendar::{MarketDay, Session};
use serde_json::{Value, json};

use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;

fn session_json(s: &Session, date: NaiveDate) -> Value {
    let (start, end) = s.epoch_millis(date);
    json!({"exchange": s.exchange, "start_time": start, "end_time": end})
}

fn holiday_json(day: &MarketDay) -> Value {
    let open: Vec<Value> = day.open.iter().map(|s| session_json(s, day.date)).collect();
    json!({
        "date": day.date.format("%Y-%m-%d").to_string(),
        "description": day.description,
        "holiday_type": day.kind,
        "closed_exchanges": day.closed,
        "open_exchanges": open
    })
}

pub(super) async fn holidays(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::HOLIDAYS.validate(&body)?;
    let year = v.opt_integer("year");
    let year = match year {
        Some(y) => i32::try_from(y).map_err(|_| ApiError::Internal("year range".into()))?,
        None => state.clock.now_ist().year(),
    };
    let data: Vec<Value> = state.calendar.year(year).map(holiday_json).collect();
    Ok(HttpResponse::Ok().json(json!({
        "status": "success", "year": year, "timezone": "Asia/Kolkata", "data": data
    })))
}

pub(super) async fn timings(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::TIMINGS.validate(&body)?;
    let date = v.opt_text("date");
    let date = NaiveDate::parse_from_str(present(date)?.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::BadRequest("Invalid date format. Use YYYY-MM-DD".into()))?;
    if !(2020..=2050).contains(&date.year()) {
        return Err(ApiError::BadRequest(
            "Date must be between 2020-01-01 and 2050-12-31".into(),
        ));
    }
    let data: Vec<Value> = state
        .calendar
        .sessions(date)
        .iter()
        .map(|s| session_json(s, date))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}
