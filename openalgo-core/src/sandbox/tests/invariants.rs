//! Property tests of the invariants of sandbox.md §15.1 over random order sequences: funds are
//! conserved and never negative, reservations match working orders, position margins match
//! positions, fills are complete and traded once, replaying the journal rebuilds the account,
//! and cancelling and closing everything releases every reservation.

use std::collections::HashMap;

use chrono::Duration;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::fixtures::*;
use crate::sandbox::{
    GttRequest, GttStatus, GttTriggers, LegStatus, SandboxConfig, SandboxEngine, SandboxEvent,
    SandboxSnapshot, TriggerDirection,
};
use crate::{Action, ModifyOrder, OrderStatus, Price, PriceType, Product};

#[derive(Debug, Clone)]
enum Op {
    Place {
        inst: usize,
        buy: bool,
        lots: u64,
        kind: u8,
        product: u8,
        offset: i64,
    },
    Cancel(usize),
    Modify(usize, u64, i64),
    Tick(usize, i64),
    Advance(i64),
    CloseAll,
    Reset,
    Gtt {
        inst: usize,
        buy: bool,
        lots: u64,
        oco: bool,
        offset: i64,
    },
    CancelGtt(usize),
}

/// (symbol, lot, starting price in paise, tick in paise)
const INSTRUMENTS: [(&str, u64, i64); 4] = [
    ("SBIN", 1, 80_000),
    (FUT, 75, 2_400_000),
    (CALL, 75, 12_000),
    (WEEKLY_CALL, 75, 9_000),
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..4usize, any::<bool>(), 1..4u64, 0..4u8, 0..3u8, -20..20i64).prop_map(
            |(inst, buy, lots, kind, product, offset)| Op::Place { inst, buy, lots, kind, product, offset }
        ),
        2 => (0..64usize).prop_map(Op::Cancel),
        1 => (0..64usize, 1..4u64, -10..10i64).prop_map(|(i, l, o)| Op::Modify(i, l, o)),
        6 => (0..4usize, -40..40i64).prop_map(|(i, m)| Op::Tick(i, m)),
        2 => (0..2_000i64).prop_map(Op::Advance),
        1 => Just(Op::CloseAll),
        1 => Just(Op::Reset),
        2 => (0..4usize, any::<bool>(), 1..3u64, any::<bool>(), 1..30i64).prop_map(
            |(inst, buy, lots, oco, offset)| Op::Gtt { inst, buy, lots, oco, offset }
        ),
        1 => (0..16usize).prop_map(Op::CancelGtt),
    ]
}

struct Sim {
    engine: SandboxEngine,
    base: SandboxSnapshot,
    journal: Vec<SandboxEvent>,
    /// The same journal with each command's superseded snapshots coalesced away.
    coalesced: Vec<SandboxEvent>,
    prices: Vec<i64>,
    now: chrono::NaiveDateTime,
}

impl Sim {
    fn record(&mut self) {
        let batch = self.engine.take_events();
        self.coalesced
            .extend(crate::sandbox::coalesce(&batch).into_iter().cloned());
        self.journal.extend(batch);
    }

    fn new(capital: &str) -> Self {
        let now = at("2025-01-06 09:30");
        let config = SandboxConfig {
            starting_capital: dec(capital),
            ..SandboxConfig::default()
        };
        let engine = engine_with(config, now);
        let base = engine.snapshot();
        Self {
            engine,
            base,
            journal: Vec::new(),
            coalesced: Vec::new(),
            prices: INSTRUMENTS.iter().map(|i| i.2).collect(),
            now,
        }
    }

    fn price(&self, i: usize) -> Price {
        Price::from_paise(self.prices[i])
    }

    fn run(&mut self, op: &Op) {
        let now = self.now;
        match *op {
            Op::Place {
                inst,
                buy,
                lots,
                kind,
                product,
                offset,
            } => {
                let (symbol, lot, _) = INSTRUMENTS[inst];
                let action = if buy { Action::Buy } else { Action::Sell };
                let product = match (inst, product) {
                    (0, 0) => Product::Mis,
                    (0, _) => Product::Cnc,
                    (_, 0) => Product::Mis,
                    _ => Product::Nrml,
                };
                let ltp = self.prices[inst];
                let level = Price::from_paise((ltp + offset * 5).max(5));
                let (price_type, limit, trigger) = match kind {
                    0 => (PriceType::Market, Price::ZERO, Price::ZERO),
                    1 => (PriceType::Limit, level, Price::ZERO),
                    2 => (PriceType::StopMarket, Price::ZERO, level),
                    _ => {
                        // A valid stop-limit: buy stops limit at/above the trigger.
                        let other = Price::from_paise(
                            (level.value() * Decimal::ONE_HUNDRED)
                                .try_into()
                                .unwrap_or(5i64)
                                + if buy { 10 } else { -10 },
                        );
                        let other = if other.is_positive() { other } else { level };
                        (PriceType::StopLimit, other, level)
                    }
                };
                let mut d = crate::OrderRequest::builder(
                    key(symbol),
                    action,
                    crate::Quantity::new(lots * lot),
                );
                d.price_type = price_type;
                d.product = product;
                d.price = limit;
                d.trigger_price = trigger;
                if let Ok(order) = d.build() {
                    let _ = self
                        .engine
                        .place(&order, Some(snap_of(self.price(inst))), now);
                }
            }
            Op::Cancel(i) => {
                let found = self.engine.orders().nth(i);
                if let Some(o) = found {
                    let r = self.engine.cancel(&o.order_id, now);
                    assert_eq!(r.is_ok(), o.status.is_working());
                }
            }
            Op::Modify(i, lots, offset) => {
                let found = self.engine.orders().nth(i);
                if let Some(o) = found {
                    let lot = INSTRUMENTS
                        .iter()
                        .find(|x| x.0 == o.instrument.symbol.as_str())
                        .map_or(1, |x| x.1);
                    let mut d = crate::OrderRequest::builder(
                        o.instrument.clone(),
                        o.action,
                        crate::Quantity::new(lots * lot),
                    );
                    d.product = o.product;
                    d.price_type = o.price_type;
                    d.price = if o.price.is_positive() {
                        Price::from_paise((to_paise(o.price) + offset * 5).max(5))
                    } else {
                        o.price
                    };
                    d.trigger_price = o.trigger_price;
                    if let Ok(m) = ModifyOrder::new(o.order_id.clone(), d) {
                        let _ = self.engine.modify(&m, None, now);
                    }
                }
            }
            Op::Tick(i, moves) => {
                let step = (self.prices[i] / 400).max(5) / 5 * 5;
                self.prices[i] = (self.prices[i] + moves * step).max(5);
                let price = self.price(i);
                self.engine
                    .on_price(&key(INSTRUMENTS[i].0), snap_of(price), now);
            }
            Op::Advance(minutes) => {
                self.now += Duration::minutes(minutes);
                self.engine.advance(self.now);
            }
            Op::CloseAll => {
                let _ = self.engine.close_all_positions("close", now);
            }
            Op::Reset => self.engine.reset(now),
            Op::Gtt {
                inst,
                buy,
                lots,
                oco,
                offset,
            } => {
                let (symbol, lot, _) = INSTRUMENTS[inst];
                let ltp = self.prices[inst];
                let below = Price::from_paise((ltp - offset * 5).max(5));
                let above = Price::from_paise(ltp + offset * 5);
                let triggers = if oco {
                    GttTriggers::Oco {
                        stoploss_trigger: below,
                        stoploss_price: below,
                        target_trigger: above,
                        target_price: above,
                    }
                } else {
                    GttTriggers::Single {
                        trigger: below,
                        direction: TriggerDirection::Below,
                        price: below,
                    }
                };
                let req = GttRequest {
                    instrument: key(symbol),
                    action: if buy { Action::Buy } else { Action::Sell },
                    product: if inst == 0 {
                        Product::Cnc
                    } else {
                        Product::Nrml
                    },
                    quantity: crate::Quantity::new(lots * lot),
                    price_type: PriceType::Limit,
                    triggers,
                    strategy: crate::StrategyTag::default(),
                    expires_at: Some(now + Duration::days(2)),
                };
                let _ = self.engine.place_gtt(&req, Some(self.price(inst)), now);
            }
            Op::CancelGtt(i) => {
                let found = self.engine.gtts().nth(i).cloned();
                if let Some(g) = found {
                    let r = self.engine.cancel_gtt(&g.trigger_id, now);
                    assert_eq!(r.is_ok(), g.status == GttStatus::Active);
                }
            }
        }
        self.record();
    }
}

fn to_paise(p: Price) -> i64 {
    (p.value() * Decimal::ONE_HUNDRED).try_into().unwrap_or(0)
}

fn snap_of(p: Price) -> crate::sandbox::MarketSnapshot {
    crate::sandbox::MarketSnapshot::ltp(p)
}

fn check(sim: &Sim) -> Result<(), TestCaseError> {
    let e = &sim.engine;
    let f = e.funds();
    prop_assert!(conserved(e), "funds not conserved: {f:?}");
    prop_assert!(
        !f.available.is_sign_negative(),
        "negative cash {}",
        f.available
    );
    prop_assert!(!f.order_margin.is_sign_negative() && !f.position_margin.is_sign_negative());
    let reserved: Decimal = e
        .orders()
        .filter(|o| o.status.is_working())
        .map(|o| o.margin_blocked)
        .sum();
    prop_assert_eq!(f.order_margin, reserved);
    let held: Decimal = e.positions().iter().map(|p| p.margin).sum();
    prop_assert_eq!(f.position_margin, held);
    let mut trades: HashMap<String, usize> = HashMap::new();
    for t in e.trades() {
        *trades.entry(t.order_id.as_str().to_owned()).or_default() += 1;
    }
    for o in e.orders() {
        let n = trades.get(o.order_id.as_str()).copied().unwrap_or(0);
        match o.status {
            OrderStatus::Complete => {
                prop_assert_eq!(n, 1);
                prop_assert_eq!(o.filled_quantity, o.quantity);
                let t = e.trades().find(|t| t.order_id == o.order_id).unwrap();
                prop_assert_eq!((t.quantity, t.price), (o.quantity, o.average_price));
            }
            _ => {
                prop_assert_eq!(n, 0);
                prop_assert!(o.filled_quantity.is_zero());
            }
        }
        prop_assert_eq!(
            o.filled_quantity.get() + o.pending_quantity().get(),
            if o.status == OrderStatus::Rejected || o.status == OrderStatus::Cancelled {
                0
            } else {
                o.quantity.get()
            }
        );
    }
    for p in e.positions() {
        if p.quantity == 0 {
            prop_assert!(p.margin.is_zero());
        }
    }
    let gtt_reserved: Decimal = e
        .gtts()
        .filter(|g| g.status == GttStatus::Active)
        .map(|g| g.margin_blocked)
        .sum();
    prop_assert_eq!(f.gtt_margin, gtt_reserved);
    // The running pending-units totals match the working orders.
    let mut pending: HashMap<(crate::InstrumentKey, Product, Action), u64> = HashMap::new();
    for o in e.orders().filter(|o| o.status.is_working()) {
        *pending
            .entry((o.instrument.clone(), o.product, o.action))
            .or_default() += o.pending_quantity().get();
    }
    for (inst, ..) in INSTRUMENTS {
        for product in [Product::Mis, Product::Cnc, Product::Nrml] {
            for action in [Action::Buy, Action::Sell] {
                let k = (key(inst), product, action);
                let walked = pending.get(&k).copied().unwrap_or(0);
                prop_assert_eq!(e.pending_units(&k.0, product, action, None), walked);
            }
        }
    }
    for g in e.gtts() {
        // OCO exclusivity: at most one leg ever fires, and only a triggered GTT has a fired leg.
        let fired = g
            .legs
            .iter()
            .filter(|l| l.status == LegStatus::Triggered)
            .count();
        prop_assert!(fired <= 1);
        prop_assert_eq!(fired == 1, g.status == GttStatus::Triggered);
        if g.status != GttStatus::Active {
            prop_assert!(g.margin_blocked.is_zero());
        }
    }
    // The journal rebuilds the account.
    let replayed = SandboxEngine::replay(
        e.config().clone(),
        e.symbols().clone(),
        sim.base.clone(),
        &sim.journal,
    );
    let (mut a, mut b) = (replayed.snapshot(), e.snapshot());
    a.prices.clear();
    b.prices.clear();
    prop_assert_eq!(&a, &b);
    // So does the coalesced journal the server stores.
    let mut c = SandboxEngine::replay(
        e.config().clone(),
        e.symbols().clone(),
        sim.base.clone(),
        &sim.coalesced,
    )
    .snapshot();
    c.prices.clear();
    prop_assert!(sim.coalesced.len() <= sim.journal.len());
    prop_assert_eq!(c, b);
    // A snapshot restores the account.
    let restored = SandboxEngine::restore(e.config().clone(), e.symbols().clone(), e.snapshot());
    prop_assert_eq!(restored.snapshot(), e.snapshot());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Gating the expiry and square-off scans changes nothing: an engine that scans before every
    /// command ends every step in the same state.
    #[test]
    fn gated_scans_match_scanning_every_time(ops in proptest::collection::vec(op(), 1..80)) {
        let (mut gated, mut eager) = (Sim::new("10000000"), Sim::new("10000000"));
        eager.engine.scan_always();
        for op in &ops {
            gated.run(op);
            eager.run(op);
            prop_assert_eq!(gated.engine.snapshot(), eager.engine.snapshot(), "after {:?}", op);
        }
    }


    #[test]
    fn invariants_hold_over_random_sequences(ops in proptest::collection::vec(op(), 1..80), small in any::<bool>()) {
        let mut sim = Sim::new(if small { "300000" } else { "10000000" });
        for op in &ops {
            sim.run(op);
            check(&sim)?;
        }
        // Cancel and close everything (inside market hours, prices known): nothing stays blocked.
        let now = sim.now.date().succ_opt().unwrap().and_hms_opt(10, 0, 0).unwrap();
        sim.now = now;
        sim.engine.advance(now);
        sim.engine.cancel_all(now);
        let active: Vec<String> = sim.engine.gtts().filter(|g| g.status == GttStatus::Active).map(|g| g.trigger_id.clone()).collect();
        for id in active {
            sim.engine.cancel_gtt(&id, now).unwrap();
        }
        let _ = sim.engine.close_all_positions("final", now);
        sim.record();
        check(&sim)?;
        prop_assert_eq!(sim.engine.funds().order_margin, Decimal::ZERO);
        prop_assert_eq!(sim.engine.funds().position_margin, Decimal::ZERO);
        prop_assert_eq!(sim.engine.funds().gtt_margin, Decimal::ZERO);
        prop_assert!(sim.engine.positions().iter().all(|p| p.quantity == 0));
    }
}
