//! [`OrderDesk`] and [`OrderCall`]: every order command (from the API, the pages, webhooks or
//! the binding) runs as one call. The call captures the accounts and the mode once, runs a
//! typed command on that account, renders the OpenAlgo answer in one place (the analyzer marker
//! included), and writes the order-log row and the idempotent answer in one transaction, with
//! the journal events of its command, before the answer is returned.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use openalgo_core::BrokerError;
use openalgo_core::clock::Clock;
use openalgo_core::orders::{OrderService, ReconcileHooks, Reply, TagSource};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::idempotency::{self, KeyLocks, RETENTION_MS};
use super::reconcile::BackgroundReconciler;
use crate::error::{ApiError, blocking};
use crate::journal::{JournalWriter, PendingLog};
use crate::state::{AccountBook, Mode, Session};
use crate::store::{CLAIMED, IdempotencyScope, IdempotentAnswer, OrderLogEntry, Store};

/// What runs order calls: the accounts, the order log and the idempotency store.
#[derive(Clone)]
pub struct OrderDesk {
    book: Arc<AccountBook>,
    store: Arc<dyn Store>,
    journal: JournalWriter,
    locks: Arc<KeyLocks>,
    clock: Arc<dyn Clock>,
    hooks: Arc<dyn ReconcileHooks>,
    /// Keyed calls whose last attempt had an ambiguous placement: their retry looks each
    /// order's tag up before placing it (in memory: a restart forgets them).
    unresolved: Arc<Mutex<HashSet<IdempotencyScope>>>,
}

impl std::fmt::Debug for OrderDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderDesk").finish_non_exhaustive()
    }
}

impl OrderDesk {
    /// A desk over the accounts of `book`, logging through `journal`.
    #[must_use]
    pub fn new(
        book: Arc<AccountBook>,
        store: Arc<dyn Store>,
        journal: JournalWriter,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            book,
            store,
            hooks: Arc::new(BackgroundReconciler::new(journal.clone())),
            journal,
            locks: Arc::default(),
            clock,
            unresolved: Arc::default(),
        }
    }

    /// Starts a call of `endpoint`: the accounts and the mode are read here, once. `request`
    /// is the body as logged (without the API key) and `fingerprint` identifies it for
    /// `key` (the client's `Idempotency-Key`, if any).
    #[must_use]
    pub fn begin(
        &self,
        endpoint: &'static str,
        request: String,
        fingerprint: String,
        key: Option<String>,
    ) -> OrderCall {
        OrderCall {
            pending: self.journal.pending_log(),
            desk: self.clone(),
            endpoint,
            session: self.book.session(),
            request,
            fingerprint,
            key,
        }
    }
}

/// How a call ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The command ran (or was refused before it ran).
    Ran(Result<T, ApiError>),
    /// The first answer to the same idempotency key was sent again.
    Replayed,
}

/// A call's answer: the typed outcome and the OpenAlgo JSON it was rendered to.
#[derive(Debug)]
pub struct Answer<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: String,
    /// The typed outcome.
    pub outcome: Outcome<T>,
}

impl<T> Answer<T> {
    /// Whether the answer is a success.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Whether it refused an invalid API key.
    #[must_use]
    pub fn refused_key(&self) -> bool {
        matches!(&self.outcome, Outcome::Ran(Err(e)) if e.is_invalid_api_key())
    }
}

/// One order call in progress.
pub struct OrderCall {
    desk: OrderDesk,
    endpoint: &'static str,
    session: Session,
    request: String,
    fingerprint: String,
    key: Option<String>,
    pending: PendingLog,
}

impl std::fmt::Debug for OrderCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderCall")
            .field("endpoint", &self.endpoint)
            .field("mode", &self.session.mode)
            .finish_non_exhaustive()
    }
}

/// Whether an outcome is definite (kept for its idempotency key): a success, or the broker's
/// refusal of the order. Validation errors, throttling and failures are not: a retry runs
/// again.
fn definite(status: StatusCode, error: Option<&ApiError>) -> bool {
    let broker_refused = |e: &ApiError| match e {
        ApiError::Broker(BrokerError::Rejected { .. }) => true,
        ApiError::Analyze(inner) => {
            matches!(**inner, ApiError::Broker(BrokerError::Rejected { .. }))
        }
        _ => false,
    };
    status.is_success() || error.is_some_and(broker_refused)
}

/// The seed of a keyed call's order tags: the same user, endpoint and key always tag their
/// orders the same way.
fn key_hash(scope: &IdempotencyScope) -> u64 {
    let digest = Sha256::new()
        .chain_update(scope.user_id.to_le_bytes())
        .chain_update(scope.endpoint.as_bytes())
        .chain_update([0])
        .chain_update(scope.key.as_bytes())
        .finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(bytes)
}

impl OrderCall {
    /// The mode the call runs in.
    #[must_use]
    pub const fn mode(&self) -> Mode {
        self.session.mode
    }

    /// Refuses the call before its command ran (validation, API key); analyze-mode bodies
    /// carry the marker when `mark`. The refusal is logged.
    ///
    /// # Errors
    /// When the order log cannot be written.
    pub async fn refuse<T>(self, error: ApiError, mark: bool) -> Result<Answer<T>, ApiError> {
        let error = if mark {
            self.session.mode.error(error)
        } else {
            error
        };
        let status = error.status_code();
        let body = error.body().to_string();
        self.log(status, &body, None).await?;
        Ok(Answer {
            status,
            body,
            outcome: Outcome::Ran(Err(error)),
        })
    }

    /// Runs `command` on the order service of the call's account for `user_id` (authenticated), at most once per
    /// idempotency key.
    ///
    /// # Errors
    /// When the idempotency store or the order log cannot be read or written (the answer is
    /// then not sent as a success).
    pub async fn run<T, F, Fut>(self, user_id: i64, command: F) -> Result<Answer<T>, ApiError>
    where
        T: Reply,
        F: FnOnce(OrderService) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let span = tracing::info_span!(
            "order_call",
            endpoint = self.endpoint,
            mode = self.session.mode.as_str(),
            user_id,
            idempotency_key = self.key.is_some(),
        );
        self.run_in_span(user_id, command).instrument(span).await
    }

    async fn run_in_span<T, F, Fut>(self, user_id: i64, command: F) -> Result<Answer<T>, ApiError>
    where
        T: Reply,
        F: FnOnce(OrderService) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let scope = self.key.clone().map(|key| IdempotencyScope {
            user_id,
            endpoint: self.endpoint.to_owned(),
            key,
        });
        let lock = scope.as_ref().map(|s| self.desk.locks.get(s));
        let _guard = match &lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        if let Some(scope) = &scope {
            let store = Arc::clone(&self.desk.store);
            let lookup = scope.clone();
            let not_before = self.desk.clock.now_ms() - RETENTION_MS;
            if let Some(first) =
                blocking(move || store.idempotent_answer(&lookup, not_before)).await??
            {
                if first.fingerprint != self.fingerprint {
                    let e = ApiError::Unprocessable(format!(
                        "{} '{}' was already used for a different request to {}; use a new key for a new request",
                        idempotency::HEADER,
                        scope.key,
                        self.endpoint
                    ));
                    return self.refuse(e, false).await;
                }
                if first.status == CLAIMED {
                    let e = ApiError::Conflict(format!(
                        "The first request with {} '{}' was interrupted before it answered (the server stopped); it may have taken effect: check the order book, and use a new key to send it again",
                        idempotency::HEADER,
                        scope.key
                    ));
                    return self.refuse(e, false).await;
                }
                tracing::info!("idempotent replay");
                crate::metrics::global().order(
                    self.endpoint,
                    self.session.mode.as_str(),
                    crate::metrics::OrderOutcome::Replayed,
                );
                return Ok(Answer {
                    status: StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK),
                    body: first.body,
                    outcome: Outcome::Replayed,
                });
            }
        }
        let mode = self.session.mode;
        let mut service = self
            .session
            .trading()
            .orders
            .clone()
            .with_hooks(Arc::clone(&self.desk.hooks));
        let keyed_tags = scope.as_ref().map(|scope| {
            let retry = self
                .desk
                .unresolved
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(scope);
            Arc::new(TagSource::keyed(key_hash(scope), retry))
        });
        if let Some(tags) = &keyed_tags {
            service = service.with_tags(Arc::clone(tags));
        }
        // The key is claimed with the command's events should they commit before its answer.
        let claim = scope.clone().map(|scope| IdempotentAnswer {
            scope,
            fingerprint: self.fingerprint.clone(),
            created_ms: self.desk.clock.now_ms(),
        });
        let result = self
            .pending
            .scope(claim, command(service))
            .await
            .map_err(|e| mode.error(e));
        let (status, body) = match &result {
            Ok(t) => (StatusCode::OK, mode.mark(t.body()).to_string()),
            Err(e) => (e.status_code(), e.body().to_string()),
        };
        if let (Some(scope), Some(tags)) = (&scope, &keyed_tags) {
            let mut unresolved = self
                .desk
                .unresolved
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if tags.saw_ambiguous() && !status.is_success() {
                unresolved.insert(scope.clone());
            } else {
                unresolved.remove(scope);
            }
        }
        let keep = scope
            .filter(|_| definite(status, result.as_ref().err()))
            .map(|scope| IdempotentAnswer {
                scope,
                fingerprint: self.fingerprint.clone(),
                created_ms: self.desk.clock.now_ms(),
            });
        self.log(status, &body, keep).await?;
        Ok(Answer {
            status,
            body,
            outcome: Outcome::Ran(result),
        })
    }

    /// Writes the order-log row (and the idempotent answer) with the next group commit and
    /// waits for it.
    async fn log(
        self,
        status: StatusCode,
        body: &str,
        idempotency: Option<IdempotentAnswer>,
    ) -> Result<(), ApiError> {
        crate::metrics::global().order(
            self.endpoint,
            self.session.mode.as_str(),
            crate::metrics::OrderOutcome::of_status(status.as_u16()),
        );
        let entry = OrderLogEntry {
            api_type: self.endpoint.to_owned(),
            mode: self.session.mode.as_str().to_owned(),
            request: self.request,
            status: status.as_u16(),
            response: body.to_owned(),
            created_at: None,
            idempotency,
        };
        self.desk
            .journal
            .log(entry, self.pending)
            .await
            .map_err(|e| {
                ApiError::Internal(format!("the order log could not be written: {e}").into())
            })
    }
}
