//! Sandbox GTT: worked example E15 and the lifecycle rules of sandbox.md §11.

use super::fixtures::*;
use crate::sandbox::{
    GttOcoMargin, GttRequest, GttStatus, GttTriggers, LegStatus, SandboxConfig, SandboxError,
    TriggerDirection,
};
use crate::{Action, OrderStatus, PriceType, Product, Quantity, StrategyTag};

fn oco_short_future() -> GttRequest {
    GttRequest {
        instrument: key(FUT),
        action: Action::Sell,
        product: Product::Nrml,
        quantity: Quantity::new(75),
        price_type: PriceType::Limit,
        triggers: GttTriggers::Oco {
            stoploss_trigger: px("23800"),
            stoploss_price: px("23790"),
            target_trigger: px("24300"),
            target_price: px("24310"),
        },
        strategy: StrategyTag::default(),
        expires_at: None,
    }
}

#[test]
fn e15_oco_margin_max_and_sum() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let id = e
        .place_gtt(&oco_short_future(), Some(px("24000")), now)
        .unwrap();
    assert!(id.starts_with("GTT-250102-"));
    assert_eq!(e.funds().gtt_margin, dec("182325"));
    assert_eq!(e.funds().available, dec("10000000") - dec("182325"));
    // Cancel returns exactly the reservation.
    e.cancel_gtt(&id, now).unwrap();
    assert_eq!(e.funds().available, dec("10000000"));
    assert_eq!(e.gtt(&id).unwrap().status, GttStatus::Cancelled);
    let err = e.cancel_gtt(&id, now).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("No active GTT with trigger_id '{id}'")
    );

    let sum = SandboxConfig {
        gtt_oco_margin: GttOcoMargin::Sum,
        ..SandboxConfig::default()
    };
    let mut e = engine_with(sum, now);
    e.place_gtt(&oco_short_future(), Some(px("24000")), now)
        .unwrap();
    assert_eq!(e.funds().gtt_margin, dec("360750"));
    assert!(conserved(&e));
}

#[test]
fn e15_firing_one_leg_releases_and_cancels_the_other() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let id = e
        .place_gtt(&oco_short_future(), Some(px("24000")), now)
        .unwrap();
    e.on_price(&key(FUT), snap("24100"), now);
    assert_eq!(e.gtt(&id).unwrap().status, GttStatus::Active);
    // The target trigger is crossed: a SELL LIMIT at 24310 is placed and rests.
    e.on_price(&key(FUT), snap("24300"), now);
    let g = e.gtt(&id).unwrap().clone();
    assert_eq!(g.status, GttStatus::Triggered);
    assert_eq!(
        (g.legs[0].status, g.legs[1].status),
        (LegStatus::Cancelled, LegStatus::Triggered)
    );
    let order = e
        .order(g.legs[1].order_id.as_ref().unwrap().as_str())
        .unwrap();
    assert_eq!(
        (order.status, order.price, order.price_type),
        (OrderStatus::Open, px("24310"), PriceType::Limit)
    );
    assert_eq!(order.strategy.as_str(), "GTT");
    assert_eq!(e.funds().gtt_margin, dec("0"));
    assert_eq!(e.funds().order_margin, dec("182325"));
    // The stop-loss leg can no longer fire.
    e.on_price(&key(FUT), snap("23700"), now);
    assert_eq!(e.orders().count(), 1);
    assert!(conserved(&e));
}

#[test]
fn single_legs_fire_in_their_direction_and_expire() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let req = GttRequest {
        instrument: key("SBIN"),
        action: Action::Buy,
        product: Product::Cnc,
        quantity: Quantity::new(10),
        price_type: PriceType::Market,
        triggers: GttTriggers::Single {
            trigger: px("810"),
            direction: TriggerDirection::Above,
            price: px("0"),
        },
        strategy: StrategyTag::new("breakout").unwrap(),
        expires_at: Some(at("2025-01-03 10:00")),
    };
    let id = e.place_gtt(&req, Some(px("800")), now).unwrap();
    // Margin on the trigger price for a MARKET child: 10 × 810 (CNC, 1×).
    assert_eq!(e.funds().gtt_margin, dec("8100"));
    e.on_price(&key("SBIN"), snap("805"), now);
    assert_eq!(e.gtt(&id).unwrap().status, GttStatus::Active);
    e.on_price(&key("SBIN"), snap("811"), now);
    let g = e.gtt(&id).unwrap();
    assert_eq!(g.status, GttStatus::Triggered);
    let o = e
        .order(g.legs[0].order_id.as_ref().unwrap().as_str())
        .unwrap();
    assert_eq!(
        (o.status, o.average_price, o.strategy.as_str()),
        (OrderStatus::Complete, px("811"), "breakout")
    );

    let id = e.place_gtt(&req, Some(px("811")), now).unwrap();
    e.advance(at("2025-01-03 10:01"));
    assert_eq!(e.gtt(&id).unwrap().status, GttStatus::Expired);
    assert_eq!(e.funds().gtt_margin, dec("0"));
    assert!(conserved(&e));
}

#[test]
fn gtt_validation_and_modify() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let mut mis = oco_short_future();
    mis.product = Product::Mis;
    assert!(matches!(
        e.place_gtt(&mis, None, now),
        Err(SandboxError::GttInvalid(_))
    ));
    let mut inverted = oco_short_future();
    inverted.triggers = GttTriggers::Oco {
        stoploss_trigger: px("24300"),
        stoploss_price: px("24300"),
        target_trigger: px("23800"),
        target_price: px("23800"),
    };
    assert_eq!(
        e.place_gtt(&inverted, None, now).unwrap_err().to_string(),
        "Stoploss trigger must be less than target trigger (triggerprice_tg)."
    );
    let mut odd = oco_short_future();
    odd.quantity = Quantity::new(50);
    assert_eq!(
        e.place_gtt(&odd, None, now).unwrap_err().to_string(),
        "Quantity must be in multiples of lot size 75"
    );
    let id = e
        .place_gtt(&oco_short_future(), Some(px("24000")), now)
        .unwrap();
    let mut bigger = oco_short_future();
    bigger.quantity = Quantity::new(150);
    e.modify_gtt(&id, &bigger, now).unwrap();
    assert_eq!(e.funds().gtt_margin, dec("364650"));
    let mut flipped = bigger.clone();
    flipped.action = Action::Buy;
    assert!(matches!(
        e.modify_gtt(&id, &flipped, now),
        Err(SandboxError::GttCannotChange("action"))
    ));
    assert!(conserved(&e));
}

#[test]
fn resets_release_gtt_reservations() {
    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    e.place_gtt(&oco_short_future(), Some(px("24000")), now)
        .unwrap();
    e.reset(now);
    assert_eq!(e.gtts().count(), 0);
    assert_eq!(e.funds().used_margin(), dec("0"));
}
