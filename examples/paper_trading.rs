//! Paper trading on the built-in simulator: place orders, watch them fill, print positions,
//! P&L and funds, and see the MIS square-off at 15:15.
//!
//! Run with `cargo run --example paper_trading`. A manual clock walks through one trading day
//! so the run is the same every time; the server uses the system clock.

use std::sync::Arc;

use openalgo::brokers::simulator::{SimConfig, SimMarket, simulator};
use openalgo::core::clock::{Clock, ManualClock};
use openalgo::core::orders::{SmartOrderRequest, SmartOutcome};
use openalgo::core::sandbox::SandboxConfig;
use openalgo::{
    Action, Broker, Exchange, InstrumentKey, OrderRequest, OrderService, Price, PriceType, Product,
    Quantity, Symbol,
};

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("valid symbol"), exchange)
}

async fn show(broker: &dyn Broker, clock: &ManualClock, title: &str) {
    println!("\n== {title} ({} IST) ==", clock.now_ist().format("%H:%M"));
    for p in broker.positions().await.expect("positions") {
        println!(
            "  {:<22} {:<4} qty {:>5}  avg {:>10}  ltp {:>10}  pnl {:>10}",
            p.instrument.to_string(),
            p.product.as_str(),
            p.quantity,
            p.average_price.to_string(),
            p.ltp.to_string(),
            p.pnl.round_dp(2).to_string()
        );
    }
    let f = broker.funds().await.expect("funds");
    println!(
        "  funds: available {}  used {}  realized {}  unrealized {}",
        f.available_cash.round_dp(2),
        f.utilised_debits.round_dp(2),
        f.m2m_realized.round_dp(2),
        f.m2m_unrealized.round_dp(2)
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let today = chrono::Local::now().date_naive();
    let clock = Arc::new(ManualClock::at_ist(
        today.and_hms_opt(10, 0, 0).expect("time"),
    ));
    let market = Arc::new(SimMarket::new(SimConfig::new(today)));
    let symbols = market.symbols();
    let paper = Arc::new(simulator(market, SandboxConfig::default(), clock.clone()));
    let broker: Arc<dyn Broker> = paper.clone();
    let orders = OrderService::new(Arc::clone(&broker), symbols.clone());

    // A delivery buy, an intraday short and a resting limit below the market.
    let sbin = key("SBIN", Exchange::Nse);
    let quote = broker.quote(&sbin).await.expect("quote");
    println!(
        "SBIN quote: ltp {} bid {} ask {}",
        quote.ltp, quote.bid, quote.ask
    );
    let mut buy = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(100));
    buy.product = Product::Cnc;
    let id = orders
        .place_order(&buy.build().expect("order"))
        .await
        .expect("placed");
    println!("bought 100 SBIN CNC at market: order {id}");

    let mut short =
        OrderRequest::builder(key("INFY", Exchange::Nse), Action::Sell, Quantity::new(50));
    short.product = Product::Mis;
    orders
        .place_order(&short.build().expect("order"))
        .await
        .expect("placed");

    let limit_price = (quote.ltp.value() * rust_decimal::Decimal::new(995, 3)).round_dp(1);
    let mut dip = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(50));
    dip.price_type = PriceType::Limit;
    dip.product = Product::Mis;
    dip.price = Price::new(limit_price);
    let dip_id = orders
        .place_order(&dip.build().expect("order"))
        .await
        .expect("placed");
    println!("resting MIS limit buy 50 SBIN @ {limit_price}: order {dip_id}");

    // A position-sized order on the NIFTY front future: go to 2 lots long.
    let table = symbols;
    let front = table
        .expiries(
            "NIFTY",
            Exchange::Nfo,
            openalgo::core::instrument::ExpiryKind::Futures,
            today,
        )
        .first()
        .map(|e| format!("NIFTY{}FUT", e.compact()))
        .expect("a NIFTY future");
    let mut target =
        OrderRequest::builder(key(&front, Exchange::Nfo), Action::Buy, Quantity::new(75));
    target.product = Product::Nrml;
    match orders
        .place_smart_order(&SmartOrderRequest::new(target, 150).expect("valid"))
        .await
    {
        Ok(SmartOutcome::Placed {
            action, quantity, ..
        }) => println!("smart order on {front}: {action} {quantity}"),
        Ok(SmartOutcome::NoAction(r)) => println!("smart order: {}", r.message(true)),
        Err(e) => println!("smart order refused: {e}"),
    }
    show(broker.as_ref(), &clock, "after placing").await;

    for minute in [30, 90, 180] {
        clock.advance_ms(minute * 60_000);
        paper.refresh().await.expect("refresh");
        let status = broker.order_status(&dip_id).await.expect("status").status;
        show(
            broker.as_ref(),
            &clock,
            &format!("later; the limit order is {status}"),
        )
        .await;
    }

    clock.set_ist(today.and_hms_opt(15, 15, 0).expect("time"));
    show(broker.as_ref(), &clock, "after the 15:15 MIS square-off").await;
    println!("\norder book:");
    for o in broker.order_book().await.expect("book").iter().rev() {
        println!(
            "  {} {:<4} {:<4} {:>4} {:<28} {:<16} avg {}",
            o.order_id,
            o.action.as_str(),
            o.product.as_str(),
            o.quantity.get(),
            o.instrument.to_string(),
            o.status.as_str(),
            o.average_price
        );
    }
}
