//! The store conformance suite: every test function here runs against each backend (SQLite in
//! a temporary file, PostgreSQL in a fresh schema dropped afterwards). PostgreSQL tests need
//! `OPENALGO_TEST_DATABASE_URL` and are skipped, saying so, without it.
//!
//! A test gets `open`, which opens (again) the same database: calling it twice is a restart.

use std::net::IpAddr;
use std::sync::Arc;

use openalgo_core::automation::{PendingStatus, Queued};

use super::pending::Decision;
use super::security::{Ban, LoginAttempt, TrafficEntry};
use super::strategies::{AlertRow, StrategyRow};
use super::{
    ApiKeyRow, CLAIMED, IdempotencyScope, IdempotentAnswer, OrderLogEntry, PgStore, SqliteStore,
    Store, StoreError,
};

type Open<'a> = &'a dyn Fn() -> Arc<dyn Store>;

/// A SQLite file of its own, removed at the end.
struct SqliteFile(std::path::PathBuf);

impl SqliteFile {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!(
            "openalgo-conf-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        )))
    }

    fn open(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&self.0.join("t.db")).expect("open sqlite"))
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh PostgreSQL schema, dropped at the end.
pub(crate) struct PgSchema {
    admin: String,
    /// Its name.
    pub(crate) name: String,
    /// A URL whose connections use it.
    pub(crate) url: String,
}

impl PgSchema {
    /// `None` (with a message) when `OPENALGO_TEST_DATABASE_URL` is unset.
    pub(crate) fn new() -> Option<Self> {
        let Ok(admin) = std::env::var("OPENALGO_TEST_DATABASE_URL") else {
            eprintln!("SKIPPED: OPENALGO_TEST_DATABASE_URL is not set (PostgreSQL store tests)");
            return None;
        };
        let name = format!("t_{:016x}", rand::random::<u64>());
        let mut client = ::postgres::Client::connect(&admin, ::postgres::NoTls).expect("connect");
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("create schema");
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Some(Self { admin, name, url })
    }

    fn open(&self) -> Arc<dyn Store> {
        Arc::new(PgStore::open(&self.url, 4).expect("open postgres"))
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = ::postgres::Client::connect(&self.admin, ::postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let db = super::SqliteFile::new();
                    super::$name(&|| db.open());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let Some(db) = super::PgSchema::new() else { return };
                    super::$name(&|| db.open());
                }
            )*
        }
    };
}

conformance!(
    admin_and_keys_round_trip,
    migrations_are_idempotent_on_reopen,
    idempotent_answers_are_scoped_per_user_and_endpoint_and_expire,
    a_claim_holds_a_key_until_an_answer_replaces_it_or_it_is_released,
    the_paper_journal_survives_a_restart_in_order,
    a_new_base_drops_the_events_it_contains,
    concurrent_batches_all_commit,
    the_order_log_is_newest_first_stamped_and_purged_by_age,
    settings_round_trip,
    bans_round_trip,
    sessions_totp_and_passwords,
    broker_tokens_survive_a_restart_until_revoked,
    logs_are_purged_by_age_and_row_cap,
    strategies_and_their_alerts,
    a_pending_order_is_decided_once_and_only_by_its_user,
    pending_lists_filter_by_status_newest_first_and_counts_add_up,
    only_decided_pending_orders_can_be_deleted,
    racing_decisions_on_a_pending_order_have_one_winner,
);

fn entry(mode: &str, response: &str, idempotency: Option<IdempotentAnswer>) -> OrderLogEntry {
    OrderLogEntry {
        api_type: "placeorder".into(),
        mode: mode.into(),
        request: "{}".into(),
        status: 200,
        response: response.into(),
        created_at: None,
        idempotency,
    }
}

fn admin_and_keys_round_trip(open: Open<'_>) {
    let s = open();
    assert!(!s.has_admin().unwrap());
    assert_eq!(s.admin_id().unwrap(), None);
    let id = s.create_admin("admin", "$argon2id$x").unwrap();
    assert!(s.has_admin().unwrap());
    assert_eq!(s.admin_id().unwrap(), Some(id));
    assert!(matches!(
        s.create_admin("other", "h"),
        Err(StoreError::Conflict(_))
    ));
    s.set_api_key(id, "hash1", "enc1").unwrap();
    s.set_api_key(id, "hash2", "enc2").unwrap();
    assert_eq!(s.api_key_encrypted(id).unwrap().as_deref(), Some("enc2"));
    assert_eq!(s.api_key_encrypted(id + 1).unwrap(), None);
    assert_eq!(
        s.api_keys().unwrap(),
        vec![ApiKeyRow {
            user_id: id,
            username: "admin".into(),
            key_hash: "hash2".into()
        }]
    );
}

fn migrations_are_idempotent_on_reopen(open: Open<'_>) {
    let id = open().create_admin("admin", "h").unwrap();
    let s = open();
    assert!(s.has_admin().unwrap());
    assert_eq!(s.user_by_name("admin").unwrap(), Some((id, "h".to_owned())));
}

fn idempotent_answers_are_scoped_per_user_and_endpoint_and_expire(open: Open<'_>) {
    let s = open();
    let scope = |user_id, endpoint: &str| IdempotencyScope {
        user_id,
        endpoint: endpoint.into(),
        key: "k".into(),
    };
    let e = entry(
        "live",
        r#"{"status":"success","orderid":"1"}"#,
        Some(IdempotentAnswer {
            scope: scope(1, "placeorder"),
            fingerprint: "f1".into(),
            created_ms: 1_000,
        }),
    );
    s.log_order_call(&e).unwrap();
    assert_eq!(s.order_log_count("live").unwrap(), 1, "both rows");
    let found = s
        .idempotent_answer(&scope(1, "placeorder"), 0)
        .unwrap()
        .expect("kept");
    assert_eq!((found.fingerprint.as_str(), found.status), ("f1", 200));
    assert_eq!(found.body, e.response);
    let none = |user, endpoint, not_before| {
        s.idempotent_answer(&scope(user, endpoint), not_before)
            .unwrap()
            .is_none()
    };
    assert!(none(2, "placeorder", 0), "per user");
    assert!(none(1, "cancelorder", 0), "per endpoint");
    assert!(none(1, "placeorder", 1_001), "expired");
    assert_eq!(s.purge_idempotency(1_000).unwrap(), 0, "not older");
    assert_eq!(s.purge_idempotency(1_001).unwrap(), 1);
    assert!(none(1, "placeorder", 0));
}

fn a_claim_holds_a_key_until_an_answer_replaces_it_or_it_is_released(open: Open<'_>) {
    let s = open();
    let scope = |key: &str| IdempotencyScope {
        user_id: 1,
        endpoint: "placeorder".into(),
        key: key.into(),
    };
    let claim = |key: &str| IdempotentAnswer {
        scope: scope(key),
        fingerprint: "f1".into(),
        created_ms: 1_000,
    };
    let status = |key: &str| {
        s.idempotent_answer(&scope(key), 0)
            .unwrap()
            .map(|a| a.status)
    };
    s.append_batch(&[], &[], &[&claim("a"), &claim("b")], &[])
        .unwrap();
    assert_eq!((status("a"), status("b")), (Some(CLAIMED), Some(CLAIMED)));
    let answered = entry("live", r#"{"orderid":"1"}"#, Some(claim("a")));
    s.append_batch(&[], &[&answered], &[&claim("a")], &[])
        .unwrap();
    assert_eq!(
        status("a"),
        Some(200),
        "a later claim never hides an answer"
    );
    s.append_batch(&[], &[], &[], &[&scope("a"), &scope("b")])
        .unwrap();
    assert_eq!((status("a"), status("b")), (Some(200), None), "claims only");
}

fn the_paper_journal_survives_a_restart_in_order(open: Open<'_>) {
    {
        let s = open();
        assert_eq!(s.paper_base("sandbox").unwrap(), None);
        s.set_paper_base("sandbox", r#"{"base":1}"#).unwrap();
        // Binary rows keep every byte, NUL and non-UTF-8 included.
        let rows = [vec![0u8, 1, 2, 255], b"[]".to_vec(), vec![0xC3, 0x28]];
        let other = [vec![9u8]];
        let log = entry("analyze", "{}", None);
        s.append_batch(
            &[("sandbox", &rows[..2]), ("paper", &other[..])],
            &[&log],
            &[],
            &[],
        )
        .unwrap();
        s.append_paper_events("sandbox", &rows[2..]).unwrap();
    }
    let s = open();
    assert_eq!(
        s.paper_base("sandbox").unwrap().as_deref(),
        Some(r#"{"base":1}"#)
    );
    assert_eq!(
        s.paper_events("sandbox").unwrap(),
        vec![vec![0u8, 1, 2, 255], b"[]".to_vec(), vec![0xC3, 0x28]]
    );
    assert_eq!(s.paper_events("paper").unwrap(), vec![vec![9u8]]);
    assert_eq!(s.order_log_count("analyze").unwrap(), 1);
    assert_eq!(s.order_log_count("live").unwrap(), 0);
}

fn a_new_base_drops_the_events_it_contains(open: Open<'_>) {
    let s = open();
    s.set_paper_base("sandbox", "{}").unwrap();
    s.append_paper_events("sandbox", &[vec![1], vec![2]])
        .unwrap();
    s.append_paper_events("paper", &[vec![3]]).unwrap();
    s.set_paper_base("sandbox", r#"{"v":2}"#).unwrap();
    assert!(s.paper_events("sandbox").unwrap().is_empty());
    assert_eq!(
        s.paper_events("paper").unwrap(),
        vec![vec![3u8]],
        "its own only"
    );
    assert_eq!(
        s.paper_base("sandbox").unwrap().as_deref(),
        Some(r#"{"v":2}"#)
    );
    s.append_paper_events("sandbox", &[vec![4]]).unwrap();
    assert_eq!(s.paper_events("sandbox").unwrap(), vec![vec![4u8]]);
}

fn concurrent_batches_all_commit(open: Open<'_>) {
    let s = open();
    std::thread::scope(|scope| {
        for t in 0..8u8 {
            let s = &s;
            scope.spawn(move || {
                for i in 0..25u8 {
                    let e = entry("analyze", "{}", None);
                    s.append_batch(&[("sandbox", &[vec![t, i]])], &[&e], &[], &[])
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(s.order_log_count("analyze").unwrap(), 200);
    let rows = s.paper_events("sandbox").unwrap();
    assert_eq!(rows.len(), 200);
    for t in 0..8u8 {
        let mine: Vec<u8> = rows.iter().filter(|r| r[0] == t).map(|r| r[1]).collect();
        assert_eq!(
            mine,
            (0..25).collect::<Vec<u8>>(),
            "each writer's rows in order"
        );
    }
}

fn the_order_log_is_newest_first_stamped_and_purged_by_age(open: Open<'_>) {
    let s = open();
    let mut first = entry("live", "1", None);
    first.status = 400;
    s.log_order_call(&first).unwrap();
    assert_eq!(s.order_log_count("live").unwrap(), 1);
    assert_eq!(s.order_log_count("analyze").unwrap(), 0);
    s.append_batch(
        &[],
        &[&entry("analyze", "2", None), &entry("live", "3", None)],
        &[],
        &[],
    )
    .unwrap();
    let log = s.order_log(10).unwrap();
    let answers: Vec<(&str, &str, u16)> = log
        .iter()
        .map(|e| (e.response.as_str(), e.mode.as_str(), e.status))
        .collect();
    assert_eq!(
        answers,
        vec![
            ("3", "live", 200),
            ("2", "analyze", 200),
            ("1", "live", 400)
        ]
    );
    assert_eq!(s.order_log(1).unwrap().len(), 1);
    assert_eq!(s.order_log_count("live").unwrap(), 2);
    // Read back with the instant the store wrote it (UTC, to the second).
    let stamped = log[0].created_at.clone().expect("stamped");
    let at = chrono::NaiveDateTime::parse_from_str(&stamped, "%Y-%m-%d %H:%M:%S").unwrap();
    assert!(
        (chrono::Utc::now().naive_utc() - at).num_seconds().abs() < 60,
        "{stamped}"
    );
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(s.purge_order_log(now - 86_400_000).unwrap(), 0, "younger");
    assert_eq!(s.purge_order_log(now + 86_400_000).unwrap(), 3);
    assert!(s.order_log(10).unwrap().is_empty());
    assert_eq!(s.order_log_count("live").unwrap(), 0, "purged");
    s.log_order_call(&entry("analyze", "4", None)).unwrap();
    assert_eq!(s.order_log_count("analyze").unwrap(), 1);
}

fn settings_round_trip(open: Open<'_>) {
    let s = open();
    assert_eq!(s.setting("analyze_mode").unwrap(), None);
    s.set_setting("analyze_mode", "true").unwrap();
    s.set_setting("analyze_mode", "false").unwrap();
    s.set_setting("other", "x").unwrap();
    drop(s);
    let s = open();
    assert_eq!(s.setting("analyze_mode").unwrap().as_deref(), Some("false"));
    assert_eq!(s.setting("other").unwrap().as_deref(), Some("x"));
}

fn bans_round_trip(open: Open<'_>) {
    let s = open();
    let ip: IpAddr = "203.0.113.9".parse().unwrap();
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    let ban = |count, expires| Ban {
        reason: "404 flood".into(),
        ban_count: count,
        banned_at_ms: 1_000,
        expires_at_ms: expires,
        created_by: "404_detector".into(),
    };
    s.save_ban(ip, &ban(1, Some(2_000))).unwrap();
    s.save_ban(ip, &ban(2, None)).unwrap();
    s.save_ban(v6, &ban(1, Some(5))).unwrap();
    let mut bans = s.bans().unwrap();
    bans.sort_by_key(|(ip, _)| ip.to_string());
    assert_eq!(bans, vec![(v6, ban(1, Some(5))), (ip, ban(2, None))]);
    s.delete_ban(v6).unwrap();
    assert_eq!(s.bans().unwrap(), vec![(ip, ban(2, None))]);
}

fn sessions_totp_and_passwords(open: Open<'_>) {
    let s = open();
    let id = s.create_admin("admin", "h1").unwrap();
    assert_eq!(s.user_by_name("admin").unwrap(), Some((id, "h1".into())));
    assert_eq!(s.user_by_name("nobody").unwrap(), None);
    assert_eq!(s.username(id).unwrap().as_deref(), Some("admin"));
    s.set_password(id, "h2").unwrap();
    assert_eq!(s.user_by_name("admin").unwrap(), Some((id, "h2".into())));

    s.create_session("old", id, 0, 10, None, None).unwrap();
    s.create_session("t1", id, 100, 1_000, Some("127.0.0.1"), Some("ua"))
        .unwrap();
    assert_eq!(s.session("old").unwrap(), None, "expired ones are swept");
    let row = s.session("t1").unwrap().expect("stored");
    assert_eq!((row.user_id, row.expires_at_ms), (id, 1_000));
    s.delete_user_sessions(id).unwrap();
    assert_eq!(s.session("t1").unwrap(), None);

    assert_eq!(s.totp(id).unwrap(), None);
    s.set_totp(id, "sealed").unwrap();
    let t = s.totp(id).unwrap().expect("enrolled");
    assert_eq!(
        (t.secret_encrypted.as_str(), t.enabled, t.last_step),
        ("sealed", false, 0)
    );
    s.enable_totp(id, true).unwrap();
    assert!(s.use_totp_step(id, 5).unwrap());
    assert!(!s.use_totp_step(id, 5).unwrap(), "a replay");
    assert!(!s.use_totp_step(id, 4).unwrap(), "an earlier step");
    let t = s.totp(id).unwrap().expect("enrolled");
    assert_eq!((t.enabled, t.last_step), (true, 5));
    s.set_totp(id, "sealed2").unwrap();
    let t = s.totp(id).unwrap().expect("enrolled");
    assert_eq!(
        (t.secret_encrypted.as_str(), t.enabled, t.last_step),
        ("sealed2", false, 0)
    );
}

fn broker_tokens_survive_a_restart_until_revoked(open: Open<'_>) {
    {
        let s = open();
        let id = s.create_admin("admin", "$argon2id$x").unwrap();
        s.save_broker_token(id, "alpha", "sealed-0", None, 4)
            .unwrap();
        s.save_broker_token(id, "alpha", "sealed-1", Some("sealed-feed"), 5)
            .unwrap();
    }
    let s = open();
    let id = s.admin_id().unwrap().unwrap();
    assert_eq!(
        s.broker_token(id, "alpha").unwrap(),
        Some(("sealed-1".to_owned(), Some("sealed-feed".to_owned()))),
        "reused after a restart"
    );
    assert_eq!(s.broker_token(id, "beta").unwrap(), None);
    s.revoke_broker_tokens(id).unwrap();
    assert_eq!(s.broker_token(id, "alpha").unwrap(), None);
    s.save_broker_token(id, "alpha", "sealed-2", None, 6)
        .unwrap();
    assert_eq!(
        s.broker_token(id, "alpha").unwrap(),
        Some(("sealed-2".to_owned(), None)),
        "a new login un-revokes"
    );
}

fn logs_are_purged_by_age_and_row_cap(open: Open<'_>) {
    let s = open();
    let t = |at_ms| TrafficEntry {
        at_ms,
        ip: Some("127.0.0.1".into()),
        method: "GET".into(),
        path: "/".into(),
        status: 200,
        duration_us: 1,
        host: None,
    };
    s.append_traffic(&[t(1), t(2), t(1_000), t(1_001), t(1_002)])
        .unwrap();
    assert_eq!(
        s.traffic(2).unwrap(),
        vec![t(1_002), t(1_001)],
        "newest first"
    );
    assert_eq!(s.purge_traffic(1_000, 10).unwrap(), 2, "by age");
    assert_eq!(s.purge_traffic(0, 1).unwrap(), 2, "by row cap");
    assert_eq!(s.traffic(10).unwrap(), vec![t(1_002)]);
    let many: Vec<TrafficEntry> = (1..=1_000).map(|i| t(10_000 + i * 10)).collect();
    s.append_traffic(&many).unwrap();
    assert_eq!(s.purge_traffic(15_005, 10_000).unwrap(), 501);
    assert_eq!(s.traffic(10_000).unwrap().last().unwrap().at_ms, 15_010);
    assert_eq!(s.purge_traffic(0, u64::MAX).unwrap(), 0);
    let attempt = |at_ms| LoginAttempt {
        at_ms,
        username: "u".into(),
        ip: None,
        user_agent: Some("ua".into()),
        status: "failed".into(),
        login_type: "password".into(),
        failure_reason: Some("bad password".into()),
    };
    s.record_login_attempt(&attempt(5)).unwrap();
    s.record_login_attempt(&attempt(50)).unwrap();
    assert_eq!(s.login_attempts(10).unwrap(), vec![attempt(50), attempt(5)]);
    assert_eq!(s.purge_login_attempts(10).unwrap(), 1);
    assert_eq!(s.login_attempts(10).unwrap(), vec![attempt(50)]);
}

fn strategies_and_their_alerts(open: Open<'_>) {
    let s = open();
    let row = |id, webhook: &str| StrategyRow {
        id,
        webhook_id: webhook.into(),
        source: "webhook".into(),
        platform: "tradingview".into(),
        body: r#"{"name":"s"}"#.into(),
        created_ms: 7,
    };
    let a = s.save_strategy(&row(0, "w1")).unwrap();
    let b = s.save_strategy(&row(0, "w2")).unwrap();
    assert_ne!(a, b);
    let mut changed = row(a, "w1");
    changed.platform = "amibroker".into();
    assert_eq!(s.save_strategy(&changed).unwrap(), a);
    assert!(matches!(
        s.save_strategy(&row(b + 100, "w9")),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.strategies().unwrap(), vec![changed.clone(), row(b, "w2")]);
    assert_eq!(s.strategy_by_webhook("w1").unwrap(), Some(changed));
    assert_eq!(s.strategy_by_webhook("nope").unwrap(), None);
    let alert = |at_ms, ok| AlertRow {
        strategy_id: a,
        at_ms,
        payload: "x".repeat(5_000),
        ok,
        outcome: "placed".into(),
    };
    s.log_alert(&alert(1, true)).unwrap();
    s.log_alert(&alert(2, false)).unwrap();
    let alerts = s.alerts(a, 10).unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!((alerts[0].at_ms, alerts[0].ok), (2, false), "newest first");
    assert_eq!(alerts[0].payload.len(), 4_096, "kept to 4 KiB");
    assert!(s.alerts(b, 10).unwrap().is_empty());
    assert!(s.delete_strategy(a).unwrap());
    assert!(!s.delete_strategy(a).unwrap());
    assert!(s.alerts(a, 10).unwrap().is_empty(), "its log goes too");
    assert_eq!(s.strategies().unwrap(), vec![row(b, "w2")]);
}

fn queued(s: &dyn Store, user: i64, at: i64) -> i64 {
    s.queue_order(user, Queued::PlaceOrder, r#"{"symbol":"SBIN"}"#, at)
        .unwrap()
}

fn a_pending_order_is_decided_once_and_only_by_its_user(open: Open<'_>) {
    let s = open();
    let id = queued(&*s, 1, 10);
    assert!(
        !s.decide_pending(2, id, &Decision::Approve, "eve", 11)
            .unwrap()
    );
    assert!(
        s.decide_pending(1, id, &Decision::Approve, "admin", 12)
            .unwrap()
    );
    assert!(
        !s.decide_pending(1, id, &Decision::Approve, "admin", 13)
            .unwrap()
    );
    let reject = Decision::Reject("late".into());
    assert!(!s.decide_pending(1, id, &reject, "admin", 14).unwrap());
    let row = s.pending_order(1, id).unwrap().unwrap();
    assert_eq!(row.status, PendingStatus::Approved);
    assert_eq!(row.api_type, Queued::PlaceOrder);
    assert_eq!(row.order_data, r#"{"symbol":"SBIN"}"#);
    assert_eq!(
        (row.decided_ms, row.decided_by.as_deref()),
        (Some(12), Some("admin"))
    );
    assert!(s.pending_order(2, id).unwrap().is_none());
}

fn pending_lists_filter_by_status_newest_first_and_counts_add_up(open: Open<'_>) {
    let s = open();
    let ids: Vec<i64> = (0..4).map(|i| queued(&*s, 1, i)).collect();
    queued(&*s, 2, 9);
    s.decide_pending(1, ids[0], &Decision::Reject("no".into()), "admin", 5)
        .unwrap();
    s.decide_pending(1, ids[1], &Decision::Approve, "admin", 6)
        .unwrap();
    s.record_execution(ids[1], Some("42"), "success").unwrap();
    let pending = s
        .pending_orders(1, Some(PendingStatus::Pending), 10)
        .unwrap();
    assert_eq!(
        pending.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[3], ids[2]]
    );
    assert_eq!(s.pending_orders(1, None, 3).unwrap().len(), 3);
    assert_eq!(s.pending_orders(1, None, 10).unwrap().len(), 4);
    assert_eq!(s.pending_counts(1).unwrap(), [2, 1, 1]);
    assert_eq!(s.pending_counts(3).unwrap(), [0, 0, 0]);
    let approved = s.pending_order(1, ids[1]).unwrap().unwrap();
    assert_eq!(
        (
            approved.broker_order_id.as_deref(),
            approved.broker_status.as_deref()
        ),
        (Some("42"), Some("success"))
    );
    let rejected = s.pending_order(1, ids[0]).unwrap().unwrap();
    assert_eq!(rejected.rejected_reason.as_deref(), Some("no"));
    assert_eq!(rejected.status, PendingStatus::Rejected);
}

fn only_decided_pending_orders_can_be_deleted(open: Open<'_>) {
    let s = open();
    let (a, b) = (queued(&*s, 1, 1), queued(&*s, 1, 2));
    s.decide_pending(1, b, &Decision::Approve, "admin", 3)
        .unwrap();
    assert!(!s.delete_decided(1, a).unwrap());
    assert!(!s.delete_decided(2, b).unwrap());
    assert!(s.delete_decided(1, b).unwrap());
    assert!(!s.delete_decided(1, b).unwrap());
    assert_eq!(s.pending_counts(1).unwrap(), [1, 0, 0]);
}

fn racing_decisions_on_a_pending_order_have_one_winner(open: Open<'_>) {
    let s = open();
    for round in 0..5 {
        let id = queued(&*s, 1, round);
        let wins = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|i| {
                    let s = &s;
                    scope.spawn(move || {
                        let decision = if i % 2 == 0 {
                            Decision::Approve
                        } else {
                            Decision::Reject("no".into())
                        };
                        s.decide_pending(1, id, &decision, "admin", 100).unwrap()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|won| *won)
                .count()
        });
        assert_eq!(wins, 1, "round {round}");
    }
}

/// What only the PostgreSQL store has: a pool that reconnects, and URLs with passwords.
mod postgres_only {
    use super::{PgSchema, PgStore, Store};

    #[test]
    fn a_terminated_connection_costs_at_most_one_failed_call_per_connection() {
        let Some(db) = PgSchema::new() else { return };
        let app = db.name.clone();
        let pool = 3;
        let store = PgStore::open(&format!("{}&application_name={app}", db.url), pool).unwrap();
        store.set_setting("k", "v").unwrap();
        // Every connection busy at once, so the pool holds `pool` open connections.
        std::thread::scope(|s| {
            for _ in 0..pool * 4 {
                s.spawn(|| store.setting("k").unwrap());
            }
        });
        let mut admin = ::postgres::Client::connect(
            &std::env::var("OPENALGO_TEST_DATABASE_URL").unwrap(),
            ::postgres::NoTls,
        )
        .unwrap();
        let killed = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .unwrap()
            .len();
        assert!(killed >= 1, "connections to terminate");
        let failures = (0..pool * 3)
            .filter_map(|_| store.setting("k").err())
            .inspect(|e| eprintln!("failed: {e}"))
            .count();
        assert!(failures <= pool, "{failures} failed calls");
        assert_eq!(
            store.setting("k").unwrap().as_deref(),
            Some("v"),
            "reconnected"
        );
    }

    #[test]
    fn errors_never_show_the_password() {
        for url in [
            "postgres://user:pw-s3cret@127.0.0.1:1/db",
            "postgresql://user:pw-s3cret@127.0.0.1:notaport/db",
            "postgres://user:pw-s3cret@127.0.0.1:5432/db?sslmode=nonsense",
        ] {
            let e = PgStore::open(url, 1).unwrap_err().to_string();
            assert!(!e.contains("pw-s3cret"), "{e}");
            assert!(e.starts_with("database error: "), "{e}");
        }
    }

    #[test]
    fn a_stored_admin_conflicts_as_on_sqlite() {
        let Some(db) = PgSchema::new() else { return };
        let s = PgStore::open(&db.url, 2).unwrap();
        s.create_admin("admin", "h").unwrap();
        // Two setups racing on one database: exactly one admin.
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let s = &s;
                    scope.spawn(move || s.create_admin(&format!("u{i}"), "h"))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(super::StoreError::Conflict(_))))
        );
    }
}
