//! Describe mode: while a handler runs inside [`describing`], every [`Form`](super::Form) it
//! builds records the fields it reads instead of validating input, and `finish` hands the
//! record back. The OpenAPI document is generated this way from the validation code itself, so
//! it cannot drift from what the endpoints accept.

use std::cell::RefCell;
use std::future::Future;

use super::Format;

/// What a field accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// A string, with its length bounds when checked.
    String {
        /// Minimum length in characters (when `max` > 0).
        min: usize,
        /// Maximum length in characters; 0 when unchecked.
        max: usize,
    },
    /// One of a closed vocabulary's spellings.
    Choice(&'static [&'static str]),
    /// A number, or a string holding one; `rule` is the message for values out of range.
    Number {
        /// The constraint's message (empty when any number is accepted).
        rule: String,
    },
    /// An integer, or a string holding one.
    Integer {
        /// The constraint's message.
        rule: String,
    },
    /// A boolean (or its accepted spellings).
    Boolean,
    /// A `YYYY-MM-DD` date.
    Date,
    /// A list of objects, each with these fields.
    Objects(Vec<FieldSpec>),
}

/// One field of a request schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The key.
    pub name: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// What it accepts.
    pub kind: FieldKind,
}

/// What one handler run in describe mode reported.
#[derive(Debug, Clone, Default)]
pub struct Described {
    /// The fields of its top-level form, in declaration order.
    pub fields: Vec<FieldSpec>,
    /// Its validation error format.
    pub format: Option<Format>,
    /// Whether it is an order call (order log, `Idempotency-Key`).
    pub order_call: bool,
}

tokio::task_local! {
    static DESCRIBING: RefCell<Described>;
}

/// Whether the current task is describing rather than serving.
#[must_use]
pub fn active() -> bool {
    DESCRIBING.try_with(|_| ()).is_ok()
}

/// Runs `f` (a handler call) in describe mode and returns what its forms recorded.
pub async fn describing<F: Future>(f: F) -> Described {
    DESCRIBING
        .scope(RefCell::new(Described::default()), async {
            let _ = f.await;
            DESCRIBING.with(|d| d.take())
        })
        .await
}

/// Records the top-level form's fields (the first form to finish wins).
pub(super) fn report(fields: Vec<FieldSpec>, format: Format) {
    let _ = DESCRIBING.try_with(|d| {
        let mut d = d.borrow_mut();
        if d.format.is_none() {
            d.fields = fields;
            d.format = Some(format);
        }
    });
}

/// Marks the described handler as an order call.
pub fn mark_order_call() {
    let _ = DESCRIBING.try_with(|d| d.borrow_mut().order_call = true);
}
