//! Runs the shared broker conformance suite against every adapter available in this build.

#[cfg(any(
    feature = "simulator",
    feature = "zerodha-mock",
    feature = "dhan-mock",
    feature = "angel-mock"
))]
mod suite;

#[cfg(feature = "simulator")]
mod simulator {
    use std::sync::Arc;

    use openalgo_brokers::simulator::{SimConfig, SimMarket, simulator};
    use openalgo_core::clock::{Clock, ManualClock};
    use openalgo_core::sandbox::SandboxConfig;
    use openalgo_core::{Exchange, InstrumentKey, Symbol};

    #[tokio::test]
    async fn simulator_conforms() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 6).expect("date");
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(
            day.and_hms_opt(10, 0, 0).expect("time"),
        ));
        let market = Arc::new(SimMarket::new(SimConfig::new(day)));
        let equity = InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse);
        let tick = market
            .symbols()
            .get("SBIN", Exchange::Nse)
            .expect("SBIN")
            .tick_size;
        let broker = Arc::new(simulator(market, SandboxConfig::default(), clock));
        super::suite::run(&super::suite::Target {
            broker,
            equity,
            tick,
            index: InstrumentKey::new(Symbol::new("NIFTY").expect("symbol"), Exchange::NseIndex),
            history_day: day.pred_opt().expect("date"),
        })
        .await;
    }
}

#[cfg(feature = "zerodha-mock")]
mod zerodha {
    use std::sync::Arc;

    use openalgo_brokers::zerodha::mock::MockKite;
    use openalgo_brokers::zerodha::{ZerodhaBroker, ZerodhaConfig};
    use openalgo_core::broker::LoginRequest;
    use openalgo_core::{Broker, Exchange, InstrumentKey, Price, Symbol};
    use rust_decimal::Decimal;
    use secrecy::SecretString;

    #[tokio::test]
    async fn zerodha_on_mock_conforms() {
        let mock = MockKite::start("key", "secret").await;
        let config = ZerodhaConfig::new("key", SecretString::from("secret")).with_hosts(
            mock.rest_url(),
            mock.ws_url(),
            mock.login_url(),
        );
        let broker = ZerodhaBroker::new(config).expect("adapter");
        broker
            .authenticate(&LoginRequest::RedirectToken(SecretString::from(
                mock.issue_request_token(),
            )))
            .await
            .expect("login");
        broker.load_master().await.expect("master");
        super::suite::run(&super::suite::Target {
            broker: Arc::new(broker),
            equity: InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse),
            tick: Price::new(Decimal::new(5, 2)),
            index: InstrumentKey::new(Symbol::new("NIFTY").expect("symbol"), Exchange::NseIndex),
            history_day: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        })
        .await;
        drop(mock);
    }
}

#[cfg(feature = "dhan-mock")]
mod dhan {
    use std::sync::Arc;

    use openalgo_brokers::dhan::mock::MockDhan;
    use openalgo_brokers::dhan::{DhanBroker, DhanConfig};
    use openalgo_core::broker::LoginRequest;
    use openalgo_core::{Broker, Exchange, InstrumentKey, Price, Symbol};
    use rust_decimal::Decimal;
    use secrecy::SecretString;

    #[tokio::test]
    async fn dhan_on_mock_conforms() {
        let mock = MockDhan::start("1000000001", "app", "secret").await;
        let config = DhanConfig::new("1000000001")
            .with_hosts(
                mock.rest_url(),
                mock.auth_url(),
                mock.ws_url(),
                mock.master_url(),
            )
            .with_order_ws(mock.order_ws_url());
        let broker = DhanBroker::new(config).expect("adapter");
        broker
            .authenticate(&LoginRequest::AccessToken(SecretString::from(
                mock.issue_access_token(),
            )))
            .await
            .expect("login");
        broker.load_master().await.expect("master");
        super::suite::run(&super::suite::Target {
            broker: Arc::new(broker),
            equity: InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse),
            tick: Price::new(Decimal::new(5, 2)),
            index: InstrumentKey::new(Symbol::new("NIFTY").expect("symbol"), Exchange::NseIndex),
            history_day: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        })
        .await;
        drop(mock);
    }
}

#[cfg(feature = "angel-mock")]
mod angel {
    use std::sync::Arc;

    use openalgo_brokers::angel::AngelBroker;
    use openalgo_brokers::angel::mock::{CLIENT_CODE, MockAngel, PIN, TOTP};
    use openalgo_core::broker::LoginRequest;
    use openalgo_core::{Broker, Exchange, InstrumentKey, Price, Symbol};
    use rust_decimal::Decimal;
    use secrecy::SecretString;

    #[tokio::test]
    async fn angel_on_mock_conforms() {
        let mock = MockAngel::start("angelkey").await;
        let broker = AngelBroker::new(mock.config("angelkey")).expect("adapter");
        broker
            .authenticate(&LoginRequest::Credentials {
                client_code: CLIENT_CODE.to_owned(),
                pin: SecretString::from(PIN),
                totp: SecretString::from(TOTP),
            })
            .await
            .expect("login");
        broker.load_master().await.expect("master");
        super::suite::run(&super::suite::Target {
            broker: Arc::new(broker),
            equity: InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse),
            tick: Price::new(Decimal::new(5, 2)),
            index: InstrumentKey::new(Symbol::new("NIFTY").expect("symbol"), Exchange::NseIndex),
            history_day: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        })
        .await;
        drop(mock);
    }
}
