//! One test per upstream defect of sandbox.md §14, showing what this engine does instead.
//! (Q1 is `examples::e4_*`, Q8 is below, Q12 is `examples::e13_*`, Q13 is `examples::e11_*`,
//! Q17 is `examples::e17_*`; Q6 is `orders::service` smart-order tests; Q15/Q16 are
//! design-level: one IST `now` drives every rule and there is one switch path in the server.)

use super::fixtures::*;
use crate::sandbox::{FundReset, SandboxConfig};
use crate::{Action, ModifyOrder, OrderStatus, PriceType, Product};

#[test]
fn q2_realized_pnl_is_always_credited() {
    // Upstream drops the P&L of a close that carries zero margin. Here a same-day CNC
    // round trip and a sale out of holdings both credit it.
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Cnc),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-03 00:00"));
    e.place(
        &market("SBIN", Action::Sell, 10, Product::Cnc),
        Some(snap("90")),
        at("2025-01-03 10:00"),
    )
    .unwrap();
    assert_eq!(e.funds().realized_pnl, dec("-100"));
    assert_eq!(e.funds().available, dec("9999900"));
    assert!(e.holdings().is_empty());
    assert!(conserved(&e));
}

#[test]
fn q3_resting_order_margin_survives_unrelated_fills() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &limit("INFY", Action::Buy, 10, Product::Mis, "90"),
        Some(snap("100")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().order_margin, dec("180"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.place(
        &market("SBIN", Action::Sell, 10, Product::Mis),
        Some(snap("101")),
        now,
    )
    .unwrap();
    assert_eq!(e.funds().order_margin, dec("180"));
    assert_eq!(
        e.funds().available,
        dec("10000000") - dec("180") + dec("10")
    );
}

#[test]
fn q4_modify_reprices_the_reservation() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let id = e
        .place(
            &limit("SBIN", Action::Buy, 10, Product::Mis, "100"),
            Some(snap("105")),
            now,
        )
        .unwrap();
    assert_eq!(e.funds().order_margin, dec("200"));
    let draft = limit("SBIN", Action::Buy, 20, Product::Mis, "101").to_draft();
    e.modify(&ModifyOrder::new(id.clone(), draft).unwrap(), None, now)
        .unwrap();
    assert_eq!(e.funds().order_margin, dec("404"));
    assert_eq!(e.funds().available, dec("9999596"));
    let draft = limit("SBIN", Action::Buy, 5, Product::Mis, "100").to_draft();
    e.modify(&ModifyOrder::new(id.clone(), draft).unwrap(), None, now)
        .unwrap();
    assert_eq!(e.funds().order_margin, dec("100"));
    // A modification that makes the order marketable fills it on the last known price.
    let draft = limit("SBIN", Action::Buy, 5, Product::Mis, "106").to_draft();
    e.modify(&ModifyOrder::new(id.clone(), draft).unwrap(), None, now)
        .unwrap();
    assert_eq!(status(&e, &id), OrderStatus::Complete);
    let bad = limit("SBIN", Action::Sell, 5, Product::Mis, "106").to_draft();
    let err = e
        .modify(&ModifyOrder::new(id, bad).unwrap(), None, now)
        .unwrap_err();
    assert_eq!(err.to_string(), "Cannot modify order in complete status");
}

#[test]
fn q5_cancel_all_includes_trigger_pending() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let lim = e
        .place(
            &limit("SBIN", Action::Buy, 10, Product::Mis, "90"),
            Some(snap("100")),
            now,
        )
        .unwrap();
    let stop = e
        .place(
            &order(
                "SBIN",
                Action::Buy,
                10,
                PriceType::StopMarket,
                Product::Mis,
                "0",
                "110",
            ),
            Some(snap("100")),
            now,
        )
        .unwrap();
    assert_eq!(status(&e, &stop), OrderStatus::TriggerPending);
    let cancelled = e.cancel_all(now);
    assert_eq!(cancelled, vec![lim, stop]);
    assert_eq!(e.funds().used_margin(), dec("0"));
}

#[test]
fn q7_reduce_margin_counts_other_resting_reducers() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    let first = e
        .place(
            &limit("SBIN", Action::Sell, 10, Product::Mis, "110"),
            Some(snap("100")),
            now,
        )
        .unwrap();
    let second = e
        .place(
            &limit("SBIN", Action::Sell, 10, Product::Mis, "110"),
            Some(snap("100")),
            now,
        )
        .unwrap();
    assert_eq!(e.order(first.as_str()).unwrap().margin_blocked, dec("0"));
    // The second would open a short of 10: it reserves 10 × 110 / 5.
    assert_eq!(e.order(second.as_str()).unwrap().margin_blocked, dec("220"));
    e.on_price(&key("SBIN"), snap("110"), now);
    let p = &e.positions()[0];
    assert_eq!((p.quantity, p.margin), (-10, dec("220")));
    assert!(conserved(&e));
}

#[test]
fn q8_triggered_stop_limit_does_not_retest_the_trigger() {
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
                PriceType::StopLimit,
                Product::Mis,
                "94",
                "95",
            ),
            Some(snap("100")),
            now,
        )
        .unwrap();
    e.on_price(&key("SBIN"), snap("93.5"), now);
    assert_eq!(status(&e, &id), OrderStatus::Open);
    e.on_price(&key("SBIN"), snap("96"), now);
    let o = e.order(id.as_str()).unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, px("96"))
    );
}

#[test]
fn q9_resets_leave_no_stale_reservation() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &limit("SBIN", Action::Buy, 10, Product::Mis, "90"),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.reset(now);
    assert_eq!(e.orders().count(), 0);
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(e.funds().available, dec("10000000"));
    assert_eq!(e.funds().reset_count, 1);

    // Scheduled weekly reset: cancels working orders (releasing them) and clears the book.
    let config = SandboxConfig {
        fund_reset: FundReset::Weekly {
            day: chrono::Weekday::Sat,
            time: chrono::NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
        },
        ..SandboxConfig::default()
    };
    let mut e = engine_with(config, at("2025-01-02 10:00"));
    let id = e
        .place(
            &limit("SBIN", Action::Buy, 10, Product::Cnc, "90"),
            Some(snap("100")),
            at("2025-01-02 10:00"),
        )
        .unwrap();
    e.place(
        &market("INFY", Action::Buy, 10, Product::Cnc),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-03 23:59"));
    assert_eq!(e.funds().reset_count, 0);
    e.advance(at("2025-01-04 00:00"));
    assert_eq!(e.funds().reset_count, 1);
    assert_eq!(status(&e, &id), OrderStatus::Cancelled);
    assert!(e.positions().is_empty() && e.holdings().is_empty());
    assert_eq!(e.funds().available, dec("10000000"));
    e.advance(at("2025-01-04 10:00"));
    assert_eq!(e.funds().reset_count, 1, "one reset per scheduled instant");
}

#[test]
fn q10_t_plus_one_moves_the_exact_cost() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    // Reserved at the 1500 limit, filled at 1417: nothing is left stranded at T+1.
    e.place(
        &limit("INFY", Action::Buy, 10, Product::Cnc, "1500"),
        Some(snap("1417")),
        now,
    )
    .unwrap();
    e.advance(at("2025-01-03 00:00"));
    assert_eq!(e.funds().used_margin(), dec("0"));
    assert_eq!(e.holdings()[0].cost, dec("14170"));
    assert_eq!(e.funds().available, dec("10000000") - dec("14170"));
    assert!(conserved(&e));
}

#[test]
fn q11_mis_reopened_today_is_not_swept_as_stale() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.place(
        &market("SBIN", Action::Sell, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:05"),
    )
    .unwrap();
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-03 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-03 10:01"));
    assert_eq!(e.positions()[0].quantity, 10);
    // A MIS position left over from yesterday is squared off at the first advance.
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-03 09:30"));
    assert_eq!(e.positions()[0].quantity, 0);
}

#[test]
fn q14_nco_has_a_mis_cutoff() {
    let mut e = engine(at("2025-01-02 10:00"));
    e.place(
        &market("NIFTYNCO30DEC25FUT", Action::Buy, 1, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-02 15:15"));
    assert_eq!(e.positions()[0].quantity, 0);
}

#[test]
fn q18_mtm_follows_every_price() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        now,
    )
    .unwrap();
    e.on_price(&key("SBIN"), snap("103"), now);
    assert_eq!(e.unrealized_pnl(), dec("30"));
    assert_eq!(e.positions()[0].to_position().pnl, dec("30"));
    assert_eq!(
        e.funds().to_funds(e.unrealized_pnl()).m2m_unrealized,
        dec("30")
    );
}

#[test]
fn q16_one_injected_clock_makes_runs_repeatable() {
    // Every rule reads the `now` it is given; two engines fed the same commands agree exactly,
    // whatever the wall clock says while they run.
    let run = || {
        let mut e = engine(at("2025-01-02 10:00"));
        e.place(
            &market("SBIN", Action::Buy, 10, Product::Mis),
            Some(snap("100")),
            at("2025-01-02 10:00"),
        )
        .unwrap();
        e.place(
            &limit("SBIN", Action::Sell, 10, Product::Mis, "104"),
            Some(snap("100")),
            at("2025-01-02 10:01"),
        )
        .unwrap();
        e.on_price(&key("SBIN"), snap("103"), at("2025-01-02 11:00"));
        e.advance(at("2025-01-02 15:15"));
        e.advance(at("2025-01-03 03:00"));
        (e.take_events(), e.snapshot())
    };
    let (a, sa) = run();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (b, sb) = run();
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    assert_eq!(sa.funds.realized_pnl, dec("30"));
}

#[test]
fn mis_cutoffs_can_be_turned_off_for_an_around_the_clock_market() {
    let config = SandboxConfig {
        mis_cutoffs: false,
        ..SandboxConfig::default()
    };
    let mut e = engine_with(config, at("2025-01-02 10:00"));
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("100")),
        at("2025-01-02 10:00"),
    )
    .unwrap();
    e.advance(at("2025-01-02 15:30"));
    assert_eq!(e.positions()[0].quantity, 10, "no square-off");
    assert!(
        e.place(
            &market("SBIN", Action::Buy, 1, Product::Mis),
            Some(snap("100")),
            at("2025-01-03 02:00")
        )
        .is_ok()
    );
}
