//! The `tracing` layer: gives each span a trace and span id (a child inherits its parent's
//! trace; a root request adopts the client's `traceparent`), keeps its fields, and queues it
//! for export when it closes.

use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::export::{Msg, Queue};

/// An attribute value, as OTLP types them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Attr {
    Str(String),
    Int(i64),
    Bool(bool),
    Double(f64),
}

/// A closed span, ready to encode.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Finished {
    pub(super) trace_id: [u8; 16],
    pub(super) span_id: [u8; 8],
    pub(super) parent: Option<[u8; 8]>,
    pub(super) name: &'static str,
    /// The span of a request this server received (OTLP kind SERVER).
    pub(super) server: bool,
    pub(super) start_ns: u64,
    pub(super) end_ns: u64,
    pub(super) attributes: Vec<(&'static str, Attr)>,
}

/// A W3C `traceparent` (`00-<trace id>-<parent span id>-<flags>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traceparent {
    /// The trace.
    pub trace_id: [u8; 16],
    /// The caller's span.
    pub parent: [u8; 8],
}

impl Traceparent {
    /// Parses a header value; `None` for anything the W3C format does not allow (including
    /// all-zero ids and version `ff`).
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('-');
        let (version, trace, parent, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex_of = |s: &str, n: usize| {
            (s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| hex::decode(s).ok())
            .flatten()
        };
        let v = hex_of(version, 2)?;
        hex_of(flags, 2)?;
        if v == [0xff] || (v == [0] && parts.next().is_some()) {
            return None;
        }
        let trace_id: [u8; 16] = hex_of(trace, 32)?.try_into().ok()?;
        let parent: [u8; 8] = hex_of(parent, 16)?.try_into().ok()?;
        if trace_id == [0; 16] || parent == [0; 8] {
            return None;
        }
        Some(Self { trace_id, parent })
    }
}

/// A span being recorded (kept in the span's extensions).
struct Open {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent: Option<[u8; 8]>,
    local_parent: bool,
    start_ns: u64,
    attributes: Vec<(&'static str, Attr)>,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn nonzero<const N: usize>() -> [u8; N] {
    loop {
        let mut id = [0u8; N];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        if id != [0u8; N] {
            return id;
        }
    }
}

struct Fields<'a>(&'a mut Open);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Attr) {
        let name = field.name();
        if name == "traceparent" {
            if let (Attr::Str(v), false) = (&value, self.0.local_parent)
                && let Some(tp) = Traceparent::parse(v)
            {
                self.0.trace_id = tp.trace_id;
                self.0.parent = Some(tp.parent);
            }
            return;
        }
        match self.0.attributes.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v = value,
            None => self.0.attributes.push((name, value)),
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Attr::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Attr::Int(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        let v = i64::try_from(value).map_or_else(|_| Attr::Str(value.to_string()), Attr::Int);
        self.put(field, v);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Attr::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Attr::Double(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.put(field, Attr::Str(format!("{value:?}")));
    }
}

/// The layer; add it with a filter that keeps it to this project's spans.
#[derive(Debug)]
pub struct OtlpLayer {
    queue: Queue,
}

impl OtlpLayer {
    pub(super) const fn new(queue: Queue) -> Self {
        Self { queue }
    }
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let inherited = span.parent().and_then(|p| {
            p.extensions()
                .get::<Open>()
                .map(|o| (o.trace_id, o.span_id))
        });
        let mut open = Open {
            trace_id: inherited.map_or_else(nonzero, |(t, _)| t),
            span_id: nonzero(),
            parent: inherited.map(|(_, s)| s),
            local_parent: inherited.is_some(),
            start_ns: now_ns(),
            attributes: Vec::new(),
        };
        attrs.record(&mut Fields(&mut open));
        span.extensions_mut().insert(open);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(open) = ext.get_mut::<Open>() {
            values.record(&mut Fields(open));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(open) = span.extensions_mut().remove::<Open>() else {
            return;
        };
        let name = span.metadata().name();
        let finished = Finished {
            trace_id: open.trace_id,
            span_id: open.span_id,
            parent: open.parent,
            name,
            server: name == "request" && !open.local_parent,
            start_ns: open.start_ns,
            end_ns: now_ns(),
            attributes: open.attributes,
        };
        if self.queue.tx.try_send(Msg::Span(finished)).is_err() {
            self.queue.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn a_traceparent_is_read_as_the_w3c_format_says() {
        let tp = Traceparent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .expect("valid");
        assert_eq!(hex::encode(tp.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex::encode(tp.parent), "00f067aa0ba902b7");
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(Traceparent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn children_share_their_root_s_trace_and_a_request_continues_its_caller_s() {
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let layer = OtlpLayer::new(Queue {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        });
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let root = tracing::info_span!(
                "request",
                path = "/api/v1/placeorder",
                traceparent = tracing::field::Empty,
                status = tracing::field::Empty
            );
            root.record(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            );
            root.in_scope(|| {
                let child = tracing::info_span!("order_log_commit", endpoint = "placeorder");
                child.in_scope(|| {});
            });
            root.record("status", 200_u64);
            drop(root);
            let other = tracing::info_span!("request", path = "/api/v1/ping");
            drop(other);
        });
        let spans: Vec<Finished> = rx
            .try_iter()
            .filter_map(|m| match m {
                Msg::Span(s) => Some(s),
                Msg::Flush(_) => None,
            })
            .collect();
        assert_eq!(spans.len(), 3);
        let (child, root, other) = (&spans[0], &spans[1], &spans[2]);
        assert_eq!(child.name, "order_log_commit");
        assert_eq!(
            hex::encode(root.trace_id),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(
            root.parent.map(hex::encode).as_deref(),
            Some("00f067aa0ba902b7")
        );
        assert!(root.server && !child.server && other.server);
        assert_eq!(child.trace_id, root.trace_id);
        assert_eq!(child.parent, Some(root.span_id));
        assert_ne!(other.trace_id, root.trace_id, "a new root, a new trace");
        assert_eq!(other.parent, None);
        assert!(root.attributes.contains(&("status", Attr::Int(200))));
        assert!(
            root.attributes
                .contains(&("path", Attr::Str("/api/v1/placeorder".into())))
        );
        assert!(root.start_ns <= child.start_ns && child.end_ns <= root.end_ns);
    }
}
