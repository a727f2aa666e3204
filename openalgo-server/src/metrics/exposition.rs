//! The Prometheus text format (version 0.0.4): one `# HELP` and `# TYPE` line per family,
//! then its samples, label values escaped.

use std::fmt::Write;

use super::histogram::{BOUNDS_NS, Snapshot};

/// The `Content-Type` of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets on restart).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Bucketed observations.
    Histogram,
}

impl Kind {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// Builds an exposition.
#[derive(Debug, Default)]
pub struct Text {
    out: String,
}

fn escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Seconds from nanoseconds, as Prometheus writes them.
fn seconds(ns: u64) -> String {
    // Exact for the bucket bounds; the sums only need to be close.
    #[allow(clippy::cast_precision_loss)]
    let s = ns as f64 / 1e9;
    format!("{s}")
}

impl Text {
    /// Starts a family.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    fn labels(&mut self, labels: &[(&str, &str)], extra: Option<(&str, &str)>) {
        if labels.is_empty() && extra.is_none() {
            return;
        }
        self.out.push('{');
        let mut first = true;
        for (k, v) in labels.iter().copied().chain(extra) {
            if !first {
                self.out.push(',');
            }
            first = false;
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape(v, &mut self.out);
            self.out.push('"');
        }
        self.out.push('}');
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.out.push_str(name);
        self.labels(labels, None);
        let _ = writeln!(self.out, " {value}");
    }

    /// The `_bucket`, `_sum` and `_count` samples of a histogram family `name`.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &Snapshot) {
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (i, count) in h.counts.iter().enumerate() {
            cumulative += count;
            let le = BOUNDS_NS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |b| seconds(*b));
            self.out.push_str(&bucket);
            self.labels(labels, Some(("le", le.as_str())));
            let _ = writeln!(self.out, " {cumulative}");
        }
        self.sample(&format!("{name}_sum"), labels, seconds(h.sum_ns));
        self.sample(&format!("{name}_count"), labels, cumulative);
    }

    /// The exposition.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_buckets_are_cumulative() {
        let mut t = Text::default();
        t.family("x_total", "Things.", Kind::Counter);
        t.sample("x_total", &[("a", "q\"b\\c\nd")], 3);
        let mut h = Snapshot::default();
        h.counts[0] = 2;
        h.counts[3] = 1;
        h.sum_ns = 1_500_000;
        t.family("d_seconds", "Durations.", Kind::Histogram);
        t.histogram("d_seconds", &[], &h);
        let text = t.finish();
        assert!(
            text.contains("x_total{a=\"q\\\"b\\\\c\\nd\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("d_seconds_bucket{le=\"0.0001\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("d_seconds_bucket{le=\"0.001\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("d_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("d_seconds_sum 0.0015\n"), "{text}");
        assert!(text.contains("d_seconds_count 3\n"), "{text}");
    }
}
