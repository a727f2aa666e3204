//! Sandbox engine tests: the worked examples of sandbox.md §15, one test per §14 defect showing
//! our behaviour, and property tests of the §15.1 invariants over random order sequences.

mod examples;
mod fixtures;
mod gtt;
mod invariants;
mod quirks;

/// Events of every kind an engine journals, from a real day: fills, a resting and a rejected
/// order, a CNC buy settled into a holding, a new session, a reset.
#[cfg(test)]
fn gtt_sample() -> crate::sandbox::GttRequest {
    crate::sandbox::GttRequest {
        instrument: fixtures::key("INFY"),
        action: crate::Action::Sell,
        product: crate::Product::Cnc,
        quantity: crate::Quantity::new(2),
        price_type: crate::PriceType::Limit,
        triggers: crate::sandbox::GttTriggers::Single {
            trigger: fixtures::px("1500.50"),
            direction: crate::sandbox::TriggerDirection::Below,
            price: fixtures::px("1499.10"),
        },
        strategy: crate::StrategyTag::new("gtt test").expect("tag"),
        expires_at: None,
    }
}

pub(super) fn codec_samples() -> Vec<super::SandboxEvent> {
    use crate::{Action, Product};
    use fixtures::{at, engine, limit, market, snap};

    let now = at("2025-01-02 10:00");
    let mut e = engine(now);
    let mut events = e.take_events();
    e.place(
        &market("SBIN", Action::Buy, 10, Product::Mis),
        Some(snap("812.35")),
        now,
    )
    .expect("fill");
    e.place(
        &limit("INFY", Action::Buy, 3, Product::Cnc, "1500.5"),
        Some(snap("1600")),
        now,
    )
    .expect("rests");
    let _ = e.place(
        &market("INFY", Action::Sell, 1_000_000, Product::Cnc),
        Some(snap("1600")),
        now,
    );
    e.place(
        &market("INFY", Action::Buy, 2, Product::Cnc),
        Some(snap("1601.25")),
        now,
    )
    .expect("fill");
    // A GTT (stored as JSON inside the binary row): placed, modified, fired by a price.
    let gtt = gtt_sample();
    let id = e
        .place_gtt(&gtt, Some(fixtures::px("1600")), now)
        .expect("gtt");
    let mut wider = gtt.clone();
    wider.triggers = crate::sandbox::GttTriggers::Oco {
        stoploss_trigger: fixtures::px("1450.50"),
        stoploss_price: fixtures::px("1449.10"),
        target_trigger: fixtures::px("1700.00"),
        target_price: fixtures::px("1701"),
    };
    e.place_gtt(&wider, None, now).expect("oco");
    let mut deeper = gtt;
    deeper.quantity = crate::Quantity::new(4);
    e.modify_gtt(&id, &deeper, now).expect("modify");
    e.on_price(&fixtures::key("INFY"), snap("1440"), now);
    events.extend(e.take_events());
    e.advance(at("2025-01-03 10:00"));
    e.reset(at("2025-01-03 10:01"));
    events.extend(e.take_events());
    events
}
