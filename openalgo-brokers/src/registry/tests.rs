//! The registry: lookups, the unknown-name message, settings read through a lookup function.

use std::collections::HashMap;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn names_are_unique_and_the_default_comes_first() {
    let all: Vec<_> = names().collect();
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "{all:?}");
    #[cfg(feature = "simulator")]
    assert_eq!(all.first(), Some(&DEFAULT_BROKER));
}

#[cfg(feature = "simulator")]
#[test]
fn the_simulator_needs_no_login_and_bundles_its_master() {
    let e = lookup("simulator").expect("registered");
    assert_eq!(e.login, LoginKind::None);
    assert_eq!(e.master, MasterSource::Bundled);
    assert!(!e.features.live_trading && e.features.market_stream && e.features.gtt);
}

#[cfg(feature = "simulator")]
#[test]
fn simulator_settings_come_from_the_lookup_and_connect_to_a_paper_market() {
    use crate::simulator::SimulatorSettings;
    use openalgo_core::clock::{Clock, ManualClock};
    use std::sync::Arc;

    let s = configure("simulator", &vars(&[])).expect("defaults");
    assert_eq!(s.entry().name, "simulator");
    let err = configure("simulator", &vars(&[("OPENALGO_SIMULATOR_TICK_MS", "0")]))
        .expect_err("out of range");
    assert_eq!(
        err.to_string(),
        "OPENALGO_SIMULATOR_TICK_MS: '0' is not 1–60000"
    );
    assert!(configure("simulator", &vars(&[("OPENALGO_SIMULATOR_SEED", "x")])).is_err());
    let s = configure(
        "simulator",
        &vars(&[
            ("OPENALGO_SIMULATOR_SEED", " 7 "),
            ("OPENALGO_SIMULATOR_TICK_MS", "250"),
        ]),
    )
    .expect("values");
    assert!(format!("{s:?}").contains("seed: 7"), "{s:?}");
    let _ = SimulatorSettings::default();
    let ten = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(ten));
    match s.connect(&clock).expect("connect") {
        Connection::Paper(p) => {
            assert!(!p.symbols.is_empty());
            assert_eq!(p.market.id(), "simulator");
        }
        Connection::Live(_) => panic!("the simulator has no login"),
    }
}

#[test]
fn an_unknown_name_lists_the_registered_ones() {
    let err = lookup("nobroker").expect_err("unknown");
    let text = err.to_string();
    assert!(
        text.starts_with("broker 'nobroker' is not available; use "),
        "{text}"
    );
    for name in names() {
        assert!(text.contains(name), "{text} lists {name}");
    }
    assert!(lookup("Zerodha").is_err(), "names are exact");
}

#[cfg(all(
    feature = "simulator",
    feature = "zerodha",
    not(feature = "dhan"),
    not(feature = "angel")
))]
#[test]
fn the_unknown_name_message_is_the_historic_one() {
    assert_eq!(
        lookup("upstox").expect_err("unknown").to_string(),
        "broker 'upstox' is not available; use simulator (the default) or zerodha"
    );
}

#[cfg(all(
    feature = "simulator",
    feature = "zerodha",
    feature = "dhan",
    feature = "angel"
))]
#[test]
fn the_unknown_name_message_lists_every_broker() {
    assert_eq!(
        lookup("upstox").expect_err("unknown").to_string(),
        "broker 'upstox' is not available; use simulator (the default), zerodha, dhan or angel"
    );
}

#[cfg(feature = "zerodha")]
mod zerodha {
    use super::*;
    use openalgo_core::clock::{Clock, SystemClock};
    use secrecy::ExposeSecret;
    use std::sync::Arc;

    #[test]
    fn zerodha_declares_a_redirect_login_and_a_cached_master() {
        let e = lookup("zerodha").expect("registered");
        assert_eq!(e.display_name, "Zerodha");
        assert_eq!(e.login, LoginKind::OAuthRedirect);
        assert_eq!(e.master.cache_file(), Some("zerodha_instruments.csv"));
        assert!(e.features.live_trading && e.features.gtt);
        assert_eq!(e.variables[..2], ["BROKER_API_KEY", "BROKER_API_SECRET"]);
    }

    #[test]
    fn missing_credentials_name_the_variable() {
        let err = configure("zerodha", &vars(&[("BROKER_API_SECRET", "s")])).expect_err("no key");
        assert_eq!(
            err.to_string(),
            "BROKER_API_KEY must be set when BROKER=zerodha"
        );
        let err = configure(
            "zerodha",
            &vars(&[("BROKER_API_KEY", "k"), ("BROKER_API_SECRET", "  ")]),
        )
        .expect_err("blank secret");
        assert_eq!(
            err.to_string(),
            "BROKER_API_SECRET must be set when BROKER=zerodha"
        );
    }

    #[tokio::test]
    async fn settings_build_a_live_session_on_the_configured_hosts() {
        let s = configure(
            "zerodha",
            &vars(&[
                ("BROKER_API_KEY", " kitekey "),
                ("BROKER_API_SECRET", "shh-secret"),
                ("ZERODHA_LOGIN_URL", "http://127.0.0.1:9/connect/login"),
            ]),
        )
        .expect("settings");
        assert!(!format!("{s:?}").contains("shh-secret"));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let Connection::Live(session) = s.connect(&clock).expect("adapter") else {
            panic!("zerodha is live");
        };
        assert_eq!(
            session.login_url().as_deref(),
            Some("http://127.0.0.1:9/connect/login?v=3&api_key=kitekey")
        );
        assert_eq!(session.broker().id(), "zerodha");
        assert!(!session.has_session() && session.symbols().is_empty());
        session.restore(&secrecy::SecretString::from("kitekey:acc1"));
        assert_eq!(
            session
                .stored_token()
                .map(|t| t.expose_secret().to_owned())
                .as_deref(),
            Some("kitekey:acc1")
        );
        session.clear_session();
        assert!(!session.has_session());
        let err = session
            .complete_login(&LoginParams::new([("status", "success")]))
            .await
            .expect_err("no token");
        assert!(err.to_string().contains("Missing request_token"), "{err}");
        let err = session
            .install_master(&[0xff, 0xfe])
            .expect_err("not utf-8");
        assert!(
            matches!(err, openalgo_core::BrokerError::Decode(_)),
            "{err}"
        );
    }
}

#[cfg(feature = "angel")]
mod angel {
    use super::*;
    use openalgo_core::clock::{Clock, SystemClock};
    use std::sync::Arc;

    #[test]
    fn angel_declares_a_credential_form_and_a_cached_master() {
        let e = lookup("angel").expect("registered");
        assert_eq!(e.display_name, "Angel One");
        let LoginKind::CredentialForm { fields } = e.login else {
            panic!("angel logs in with our form");
        };
        let shown: Vec<(&str, bool)> = fields.iter().map(|f| (f.name, f.secret)).collect();
        assert_eq!(shown, [("clientid", false), ("pin", true), ("totp", false)]);
        assert_eq!(e.master.cache_file(), Some("angel_master.json"));
        assert_eq!(e.variables[0], "BROKER_API_KEY");
    }

    #[tokio::test]
    async fn settings_build_a_live_session_without_a_login_page() {
        assert!(configure("angel", &vars(&[])).is_err());
        let s = configure("angel", &vars(&[("BROKER_API_KEY", " key ")])).expect("settings");
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let Connection::Live(session) = s.connect(&clock).expect("connect") else {
            panic!("angel is live");
        };
        assert_eq!(session.login_url(), None);
        assert!(!session.has_session());
        assert_eq!(session.broker().id(), "angel");
    }
}
