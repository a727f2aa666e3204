//! The worked examples of sandbox.md §15.2, with our fixed behaviour where it differs.

use super::fixtures::*;
use crate::sandbox::{
    ExpirySettlementTiming, MarketSnapshot, OptionSettlement, SandboxConfig, SandboxEngine,
    SandboxError,
};
use crate::{Action, OrderStatus, PriceType, Product};

#[test]
fn e1_mis_long_partial_then_full_close() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().available, dec("9999800"));
    assert_eq!(e.funds().used_margin(), dec("200"));
    let p = e.positions()[0].clone();
    assert_eq!(
        (p.quantity, p.average_price, p.margin),
        (10, px("100"), dec("200"))
    );

    e.place(
        &limit("SBIN", Action::Sell, 4, Product::Mis, "110"),
        Some(snap("110")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("120"));
    assert_eq!(e.funds().available, dec("9999920"));
    let p = e.positions()[0].clone();
    assert_eq!((p.quantity, p.margin), (6, dec("120")));
    assert_eq!(
        (p.accumulated_realized, p.today_realized),
        (dec("40"), dec("40"))
    );

    e.place(
        &market("SBIN", Action::Sell, 6, Product::Mis),
        Some(snap("95")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(e.funds().available, dec("10000010"));
    assert_eq!(e.funds().realized_pnl, dec("10"));
    let row = e.positions()[0].to_position();
    assert_eq!(
        (row.quantity, row.pnl, row.average_price),
        (0, dec("10"), px("0"))
    );
    assert!(conserved(&e));
}

#[test]
fn e2_averaging() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.place(
        &market("SBIN", Action::Buy, 5, Product::Mis),
        Some(snap("106")),
        now,
    )
    .unwrap();
    let p = &e.positions()[0];
    assert_eq!(
        (p.quantity, p.average_price, p.margin),
        (15, px("102"), dec("306"))
    );
}

#[test]
fn e3_mis_short() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Sell, 20, Product::Mis),
        Some(snap("250")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("1000"));
    e.place(
        &market("SBIN", Action::Buy, 20, Product::Mis),
        Some(snap("240")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(e.funds().available, dec("10000200"));
}

#[test]
fn e4_reversal_keeps_the_blocked_margin() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    // Rest the reversing order first to see the placement reservation: excess 5 × 110 / 5.
    let id = e
        .place(
            &limit("SBIN", Action::Sell, 15, Product::Mis, "110"),
            Some(snap("105")),
            now,
        )
        .unwrap();
    assert_eq!(e.funds().used_margin(), dec("310"));
    e.on_price(&key("SBIN"), snap("110"), now);
    assert_eq!(status(&e, &id), OrderStatus::Complete);
    let p = &e.positions()[0];
    assert_eq!(
        (p.quantity, p.average_price, p.margin),
        (-5, px("110"), dec("110"))
    );
    assert_eq!(e.funds().used_margin(), dec("110"));
    assert_eq!(e.funds().available, dec("9999990"));
    assert_eq!(
        e.funds().available + e.funds().used_margin(),
        dec("10000000") + dec("100")
    );
}

#[test]
fn e5_futures_margin_lot_size_and_product() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market(FUT, Action::Buy, 75, Product::Nrml),
        Some(snap("24000")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("180000"));
    let err = e
        .place(
            &market(FUT, Action::Buy, 50, Product::Nrml),
            Some(snap("24000")),
            now,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Quantity must be in multiples of lot size 75"
    );
    let err = e
        .place(
            &market(FUT, Action::Buy, 75, Product::Cnc),
            Some(snap("24000")),
            now,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        SandboxError::Invalid(crate::OrderError::ProductNotAllowed { .. })
    ));
}

#[test]
fn e6_options_full_premium_both_sides() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market(CALL, Action::Buy, 75, Product::Nrml),
        Some(snap("120")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().used_margin(), dec("9000"));
    let mut s = engine(now);
    s.place(
        &market(CALL, Action::Sell, 75, Product::Nrml),
        Some(snap("120")),
        now,
    )
    .unwrap();
    assert_eq!(s.funds().used_margin(), dec("9000"));
    // Covering the short needs no reservation.
    let id = s
        .place(
            &limit(CALL, Action::Buy, 75, Product::Nrml, "100"),
            Some(snap("120")),
            now,
        )
        .unwrap();
    assert_eq!(s.order(id.as_str()).unwrap().margin_blocked, dec("0"));
}

#[test]
fn e7_limit_fill_prices() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let id = e
        .place(
            &limit("INFY", Action::Buy, 10, Product::Cnc, "1500"),
            Some(snap("1417")),
            now,
        )
        .unwrap();
    let o = e.order(id.as_str()).unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, px("1417"))
    );
    // Blocked at the limit, then re-priced at the fill: the position holds 1417 × 10.
    assert_eq!(o.margin_blocked, dec("15000"));
    assert_eq!(e.funds().position_margin, dec("14170"));

    let id = e
        .place(
            &limit("SBIN", Action::Buy, 10, Product::Cnc, "1400"),
            Some(snap("1417")),
            now,
        )
        .unwrap();
    assert_eq!(status(&e, &id), OrderStatus::Open);
    e.on_price(&key("SBIN"), snap("1398"), now);
    let o = e.order(id.as_str()).unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, px("1400"))
    );
    assert!(conserved(&e));
}

fn long_then_stop(
    price_type: PriceType,
    limit_price: &str,
) -> (crate::sandbox::SandboxEngine, crate::OrderId) {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    let id = e
        .place(
            &order(
                "SBIN",
                Action::Sell,
                10,
                price_type,
                Product::Mis,
                limit_price,
                "95",
            ),
            Some(snap("100")),
            now,
        )
        .unwrap();
    assert_eq!(status(&e, &id), OrderStatus::TriggerPending);
    (e, id)
}

#[test]
fn e8_stop_loss_lifecycle() {
    let now = at("2025-01-02 10:01");
    // Path A: trigger and limit on the same tick.
    let (mut e, id) = long_then_stop(PriceType::StopLimit, "94");
    e.on_price(&key("SBIN"), snap("94.8"), now);
    assert_eq!(e.order(id.as_str()).unwrap().average_price, px("94.8"));
    // Path B: trigger without the limit, then the limit.
    let (mut e, id) = long_then_stop(PriceType::StopLimit, "94");
    e.on_price(&key("SBIN"), snap("93.5"), now);
    assert_eq!(status(&e, &id), OrderStatus::Open);
    e.on_price(&key("SBIN"), snap("94.2"), now);
    let o = e.order(id.as_str()).unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, px("94.2"))
    );
    // SL-M fills at the LTP that triggers it.
    let (mut e, id) = long_then_stop(PriceType::StopMarket, "0");
    e.on_price(&key("SBIN"), snap("93.5"), now);
    assert_eq!(e.order(id.as_str()).unwrap().average_price, px("93.5"));
    assert!(conserved(&e));
}

#[test]
fn e9_cancel_releases_exactly_once() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let id = e
        .place(
            &limit("SBIN", Action::Buy, 10, Product::Mis, "100"),
            Some(snap("105")),
            now,
        )
        .unwrap();
    assert_eq!(e.funds().available, dec("9999800"));
    assert_eq!(e.funds().order_margin, dec("200"));
    e.cancel(&id, now).unwrap();
    assert_eq!(e.funds().available, dec("10000000"));
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(status(&e, &id), OrderStatus::Cancelled);
    let again = e.cancel(&id, now).unwrap_err();
    assert_eq!(again.to_string(), "Cannot cancel order in cancelled status");
    assert_eq!(e.funds().available, dec("10000000"));
}

#[test]
fn e10_insufficient_funds_leaves_no_row() {
    let now = at("2025-01-02 10:00");
    let config = SandboxConfig {
        starting_capital: dec("100000"),
        ..SandboxConfig::default()
    };
    let mut e = engine_with(config, now);
    let err = e
        .place(
            &limit("SBIN", Action::Buy, 1000, Product::Cnc, "150"),
            Some(snap("150")),
            now,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Insufficient funds. Required: ₹150000.00, Available: ₹100000.00, Shortage: ₹50000.00"
    );
    assert_eq!(e.orders().count(), 0);
}

#[test]
fn e11_cnc_and_t_plus_one() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Cnc),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    assert_eq!(e.funds().available, dec("9999000"));
    e.advance(at("2025-01-03 00:00"));
    let h = &e.holdings()[0];
    assert_eq!(
        (h.quantity, h.average_price(), h.settlement_date),
        (10, px("100"), day(2025, 1, 3))
    );
    assert!(e.positions().is_empty());
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(e.funds().available, dec("9999000"));

    let d2 = at("2025-01-03 10:00");
    // More than held: rejected and recorded.
    let err = e
        .place(
            &market("SBIN", Action::Sell, 11, Product::Cnc),
            Some(snap("110")),
            d2,
        )
        .unwrap_err();
    let SandboxError::CncSellRejected { order_id, reason } = err else {
        panic!("expected a recorded rejection");
    };
    assert!(reason.contains("Only 10 shares available"), "{reason}");
    assert_eq!(status(&e, &order_id), OrderStatus::Rejected);

    // Sell 4 out of holdings: cash and realized P&L at once (fixes §14-Q13).
    e.place(
        &market("SBIN", Action::Sell, 4, Product::Cnc),
        Some(snap("110")),
        d2,
    )
    .unwrap();
    assert_eq!(e.holdings()[0].quantity, 6);
    assert_eq!(e.funds().available, dec("9999440"));
    assert_eq!(e.funds().realized_pnl, dec("40"));
    assert!(conserved(&e));
    // A second 4 fits (6 left); a third does not (2 left).
    e.place(
        &market("SBIN", Action::Sell, 4, Product::Cnc),
        Some(snap("110")),
        d2,
    )
    .unwrap();
    assert!(
        e.place(
            &market("SBIN", Action::Sell, 4, Product::Cnc),
            Some(snap("110")),
            d2
        )
        .is_err()
    );
}

#[test]
fn e12_holding_averaging_at_t_plus_one() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 100, Product::Cnc),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-03 00:01"));
    e.place(
        &market("SBIN", Action::Buy, 100, Product::Cnc),
        Some(snap("110")),
        at("2025-01-03 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-04 00:01"));
    let h = &e.holdings()[0];
    assert_eq!((h.quantity, h.average_price()), (200, px("105")));
    assert!(conserved(&e));
}

fn short_weekly_call(config: SandboxConfig, long: bool) -> crate::sandbox::SandboxEngine {
    let now = at("2025-01-07 10:00");
    let mut e = engine_with(config, now);
    let action = if long { Action::Buy } else { Action::Sell };
    e.place(
        &market(WEEKLY_CALL, action, 75, Product::Nrml),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.on_price(&key(WEEKLY_CALL), snap("20"), at("2025-01-07 15:00"));
    e
}

#[test]
fn e13_expiry_settlement() {
    let mut e = short_weekly_call(SandboxConfig::default(), false);
    assert_eq!(e.funds().position_margin, dec("7500"));
    e.advance(at("2025-01-07 15:39"));
    assert_eq!(e.positions()[0].quantity, -75);
    e.advance(at("2025-01-07 15:40"));
    let p = &e.positions()[0];
    assert_eq!((p.quantity, p.margin), (0, dec("0")));
    assert_eq!(e.funds().realized_pnl, dec("6000"));
    assert_eq!(e.funds().available, dec("10006000"));
    // Expiry P&L counts in the position's today's realized too (fixes §14-Q12).
    assert_eq!(p.today_realized, dec("6000"));

    let zero = SandboxConfig {
        option_settlement: OptionSettlement::Zero,
        ..SandboxConfig::default()
    };
    let mut e = short_weekly_call(zero.clone(), false);
    e.advance(at("2025-01-07 15:45"));
    assert_eq!(e.funds().realized_pnl, dec("7500"));
    let mut e = short_weekly_call(zero, true);
    e.advance(at("2025-01-07 15:45"));
    assert_eq!(e.funds().realized_pnl, dec("-7500"));

    let next_day = SandboxConfig {
        expiry_settlement: ExpirySettlementTiming::NextDay,
        ..SandboxConfig::default()
    };
    let mut e = short_weekly_call(next_day, false);
    e.advance(at("2025-01-07 23:59"));
    assert_eq!(e.positions()[0].quantity, -75);
    e.advance(at("2025-01-08 00:00"));
    assert_eq!(e.positions()[0].quantity, 0);
    assert!(conserved(&e));
}

#[test]
fn e13_future_without_new_price_settles_at_average() {
    let now = at("2025-12-30 10:00");
    let mut e = engine(now);
    e.place(
        &market(FUT, Action::Buy, 75, Product::Nrml),
        Some(snap("24000")),
        now,
    )
    .unwrap();
    e.advance(at("2025-12-31 09:00"));
    assert_eq!(e.positions()[0].quantity, 0);
    assert_eq!(e.funds().realized_pnl, dec("0"));
    assert_eq!(e.funds().available, dec("10000000"));
}

#[test]
fn e14_auto_square_off_and_mis_window() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    let resting = e
        .place(
            &limit("INFY", Action::Buy, 5, Product::Mis, "90"),
            Some(snap("100")),
            at("2025-01-02 10:00"),
        )
        .unwrap();
    e.on_price(&key("SBIN"), snap("101"), at("2025-01-02 15:14"));
    e.advance(at("2025-01-02 15:14"));
    assert_eq!(e.positions()[0].quantity, 10);
    e.advance(at("2025-01-02 15:15"));
    assert_eq!(status(&e, &resting), OrderStatus::Cancelled);
    assert_eq!(e.positions()[0].quantity, 0);
    let squareoff = e.orders().last().unwrap();
    assert_eq!(squareoff.strategy.as_str(), "AUTO_SQUARE_OFF");
    assert_eq!(squareoff.average_price, px("101"));
    assert_eq!(e.funds().used_margin(), dec("0"));

    let late = at("2025-01-02 15:20");
    let err = e
        .place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(snap("101")),
            late,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "MIS orders cannot be placed after square-off time (15:15 IST). Trading resumes at 09:00 AM IST."
    );
    assert!(
        e.place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(snap("101")),
            at("2025-01-03 08:59")
        )
        .is_err()
    );
    assert!(
        e.place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(snap("101")),
            at("2025-01-03 09:00")
        )
        .is_ok()
    );
    // MCX MIS stays open until 23:30.
    assert!(
        e.place(
            &market("CRUDEOIL19DEC25FUT", Action::Buy, 100, Product::Mis),
            Some(snap("6000")),
            at("2025-01-03 23:00")
        )
        .is_ok()
    );
}

#[test]
fn e14_reducing_mis_order_after_cutoff_is_accepted() {
    let mut e = engine(at("2025-01-02 15:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 15:00"),
    )
    .unwrap();
    let late = at("2025-01-02 15:20");
    assert!(
        e.place(
            &market("SBIN", Action::Sell, 5, Product::Mis),
            Some(snap("100")),
            late
        )
        .is_ok()
    );
    // Selling more than the position would open a short: refused.
    assert!(
        e.place(
            &market("SBIN", Action::Sell, 6, Product::Mis),
            Some(snap("100")),
            late
        )
        .is_err()
    );
}

#[test]
fn e16_daily_realized_reset() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 100, Product::Cnc),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.place(
        &market("SBIN", Action::Sell, 100, Product::Cnc),
        Some(snap("105")),
        at("2025-01-02 14:00"),
    )
    .unwrap();
    assert_eq!(e.funds().today_realized_pnl, dec("500"));
    e.advance(at("2025-01-03 02:59"));
    assert_eq!(e.funds().today_realized_pnl, dec("500"));
    e.advance(at("2025-01-03 03:00"));
    assert_eq!(e.funds().today_realized_pnl, dec("0"));
    assert_eq!(e.funds().realized_pnl, dec("500"));
}

#[test]
fn e17_losses_never_make_funds_negative() {
    let config = SandboxConfig {
        starting_capital: dec("100000"),
        ..SandboxConfig::default()
    };
    // A gap straight to 70: the stop-out closes at 70 and the shortfall is written off.
    let now = at("2025-01-02 10:00");
    let mut e = engine_with(config.clone(), now);
    e.place(
        &market("SBIN", Action::Buy, 5000, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().available, dec("0"));
    e.on_price(&key("SBIN"), snap("70"), now);
    assert_eq!(e.positions()[0].quantity, 0);
    assert_eq!(e.funds().available, dec("0"));
    assert_eq!(e.funds().written_off, dec("50000"));
    assert_eq!(e.funds().realized_pnl, dec("-150000"));
    assert!(conserved(&e));
    assert_eq!(
        e.orders().last().unwrap().strategy.as_str(),
        "RMS_SQUARE_OFF"
    );

    // A gradual fall: the stop-out fires at equity = 20% of margin, leaving cash.
    let mut e = engine_with(config, now);
    e.place(
        &market("SBIN", Action::Buy, 5000, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.on_price(&key("SBIN"), snap("90"), now);
    assert_eq!(e.positions()[0].quantity, 5000);
    e.on_price(&key("SBIN"), snap("84"), now);
    assert_eq!(e.positions()[0].quantity, 0);
    assert_eq!(e.funds().available, dec("20000"));
    assert_eq!(e.funds().written_off, dec("0"));
}

#[test]
fn e18_stale_quote_defers_a_market_fill() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let stale = MarketSnapshot {
        ltp: px("1047.60"),
        bid: None,
        ask: None,
        day_range: Some((px("1262"), px("1300"))),
    };
    let id = e
        .place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(stale),
            now,
        )
        .unwrap();
    assert_eq!(status(&e, &id), OrderStatus::Open);
    e.on_price(&key("SBIN"), snap("1280"), now);
    let o = e.order(id.as_str()).unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, px("1280"))
    );
}

#[test]
fn market_orders_fill_at_ask_and_bid() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let quote = MarketSnapshot {
        ltp: px("100"),
        bid: Some(px("99.95")),
        ask: Some(px("100.05")),
        day_range: Some((px("95"), px("105"))),
    };
    let buy = e
        .place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(quote),
            now,
        )
        .unwrap();
    let sell = e
        .place(
            &market("SBIN", Action::Sell, 1, Product::Mis),
            Some(quote),
            now,
        )
        .unwrap();
    assert_eq!(e.order(buy.as_str()).unwrap().average_price, px("100.05"));
    assert_eq!(e.order(sell.as_str()).unwrap().average_price, px("99.95"));
    assert_eq!(e.funds().realized_pnl, dec("-0.1"));
    assert!(
        e.place(&market("INFY", Action::Buy, 1, Product::Mis), None, now)
            .unwrap_err()
            .to_string()
            .starts_with("Cannot place MARKET order for INFY")
    );
}

#[test]
fn each_closed_session_leaves_a_daily_pnl_row_that_replay_keeps_and_reset_clears() {
    let config = SandboxConfig {
        mis_cutoffs: false,
        ..SandboxConfig::default()
    };
    let now = at("2025-01-02 10:00");
    let mut e = engine_with(config.clone(), now);
    let base = e.snapshot();
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.place(
        &limit("SBIN", Action::Sell, 4, Product::Mis, "110"),
        Some(snap("110")),
        now,
    )
    .unwrap();
    e.on_price(&key("SBIN"), snap("105"), now);
    let today = e.current_day();
    assert_eq!(today.date, day(2025, 1, 2));
    assert_eq!(
        (today.realized, today.positions_unrealized, today.total()),
        (dec("40"), dec("30"), dec("70"))
    );
    assert!(e.daily_pnl().is_empty(), "no session has closed yet");

    e.advance(at("2025-01-03 02:59"));
    assert!(e.daily_pnl().is_empty(), "the session runs until 03:00");
    e.advance(at("2025-01-03 03:00"));
    assert_eq!(e.daily_pnl(), std::slice::from_ref(&today));
    assert_eq!(
        today.portfolio_value(),
        e.funds().available + e.funds().used_margin()
    );
    let next = e.current_day();
    assert_eq!(
        (next.date, next.realized, next.positions_unrealized),
        (day(2025, 1, 3), dec("0"), dec("30"))
    );

    let replayed = SandboxEngine::replay(config, table(), base, &e.take_events());
    assert_eq!(replayed.daily_pnl(), e.daily_pnl());
    let restored: crate::sandbox::SandboxSnapshot =
        serde_json::from_str(&serde_json::to_string(&e.snapshot()).unwrap()).unwrap();
    assert_eq!(restored.daily, vec![today]);

    e.reset(at("2025-01-03 10:00"));
    assert!(
        e.daily_pnl().is_empty(),
        "a manual reset clears the history"
    );
}
