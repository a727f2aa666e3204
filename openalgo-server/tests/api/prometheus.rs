//! A strict parser of the Prometheus text format (0.0.4), for the `/metrics` tests: every line
//! a `# HELP`, a `# TYPE` or a sample; names and label names well formed; label values
//! properly escaped; each family declared once, before its samples, its samples contiguous;
//! no series twice; histogram buckets cumulative with a `+Inf` bucket equal to `_count`.

use std::collections::{BTreeMap, BTreeSet};

/// A series: name and sorted labels.
pub(crate) type Series = (String, BTreeMap<String, String>);

/// A parsed exposition.
#[derive(Debug, Default)]
pub(crate) struct Exposition {
    /// Family name to type.
    pub(crate) families: BTreeMap<String, String>,
    /// Every sample.
    pub(crate) samples: BTreeMap<Series, f64>,
}

impl Exposition {
    /// The sum over the samples of `name` whose labels include `with`.
    pub(crate) fn sum(&self, name: &str, with: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|((n, labels), _)| {
                n == name
                    && with
                        .iter()
                        .all(|(k, v)| labels.get(*k).is_some_and(|x| x == v))
            })
            .map(|(_, v)| *v)
            .sum()
    }
}

fn is_name(s: &str, colons: bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s.parse().map_err(|_| format!("bad value '{s}'")),
    }
}

/// `{a="x",b="y"}` at the start of `s`: the labels and the rest.
fn labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    let Some(mut rest) = s.strip_prefix('{') else {
        return Ok((out, s));
    };
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((out, r));
        }
        let eq = rest.find('=').ok_or("label without '='")?;
        let name = &rest[..eq];
        if !is_name(name, false) {
            return Err(format!("bad label name '{name}'"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut v = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next().ok_or("unterminated label value")?;
            match c {
                '"' => break i,
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('\\') => v.push('\\'),
                    Some('"') => v.push('"'),
                    Some('n') => v.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                '\n' => return Err("newline in label value".into()),
                c => v.push(c),
            }
        };
        if out.insert(name.to_owned(), v).is_some() {
            return Err(format!("label '{name}' twice"));
        }
        rest = &rest[end + 1..];
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with('}') {
            return Err("expected ',' or '}' after a label".into());
        }
    }
}

/// The family a sample name belongs to, given the declared families.
fn family_of<'a>(name: &'a str, families: &BTreeMap<String, String>) -> Option<&'a str> {
    if families.contains_key(name) {
        return Some(name);
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && families.get(base).is_some_and(|t| t == "histogram")
        {
            return Some(base);
        }
    }
    None
}

/// Parses `text`, or says what is wrong with it (with the line number).
pub(crate) fn parse(text: &str) -> Result<Exposition, String> {
    let mut e = Exposition::default();
    let mut helped = BTreeSet::new();
    let mut done_families = BTreeSet::new();
    let mut current: Option<String> = None;
    if !text.ends_with('\n') {
        return Err("the exposition must end with a newline".into());
    }
    for (n, line) in text.lines().enumerate() {
        let at = |m: String| format!("line {}: {m}: {line}", n + 1);
        if line.is_empty() {
            return Err(at("empty line".into()));
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            let kind = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default().to_owned();
            let rest = parts.next().unwrap_or_default();
            if !is_name(&name, true) {
                return Err(at(format!("bad metric name '{name}'")));
            }
            match kind {
                "HELP" => {
                    if !helped.insert(name.clone()) {
                        return Err(at("second HELP".into()));
                    }
                }
                "TYPE" => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest) {
                        return Err(at(format!("bad type '{rest}'")));
                    }
                    if e.families.insert(name.clone(), rest.to_owned()).is_some() {
                        return Err(at("second TYPE".into()));
                    }
                    if let Some(prev) = current.replace(name.clone()) {
                        done_families.insert(prev);
                    }
                }
                _ => return Err(at("unknown comment".into())),
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
        let name = &line[..name_end];
        if !is_name(name, true) {
            return Err(at(format!("bad metric name '{name}'")));
        }
        let (labels, rest) = labels(&line[name_end..]).map_err(at)?;
        let mut fields = rest.trim_start_matches(' ').split(' ');
        let v = value(fields.next().unwrap_or_default()).map_err(at)?;
        if let Some(ts) = fields.next() {
            ts.parse::<i64>()
                .map_err(|_| at(format!("bad timestamp '{ts}'")))?;
        }
        if fields.next().is_some() || !rest.starts_with(' ') {
            return Err(at("malformed sample".into()));
        }
        let family = family_of(name, &e.families)
            .ok_or_else(|| at(format!("sample of an undeclared family '{name}'")))?;
        if done_families.contains(family) || current.as_deref() != Some(family) {
            return Err(at(format!("family '{family}' is not contiguous")));
        }
        if e.families[family] == "counter" && (v.is_nan() || v < 0.0) {
            return Err(at("negative counter".into()));
        }
        if e.samples
            .insert((name.to_owned(), labels.clone()), v)
            .is_some()
        {
            return Err(at("series twice".into()));
        }
    }
    check_histograms(&e)?;
    Ok(e)
}

fn check_histograms(e: &Exposition) -> Result<(), String> {
    for (family, kind) in &e.families {
        if kind != "histogram" {
            continue;
        }
        // Buckets grouped by their labels without `le`.
        let mut groups: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
        for ((name, labels), v) in &e.samples {
            if *name == format!("{family}_bucket") {
                let mut rest = labels.clone();
                let le = rest
                    .remove("le")
                    .ok_or_else(|| format!("{family}: bucket without le"))?;
                groups.entry(rest).or_default().push((value(&le)?, *v));
            }
        }
        for (labels, mut buckets) in groups {
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            if buckets.windows(2).any(|w| w[1].1 < w[0].1) {
                return Err(format!("{family} {labels:?}: buckets not cumulative"));
            }
            let inf = buckets
                .last()
                .filter(|b| b.0.is_infinite())
                .ok_or_else(|| format!("{family} {labels:?}: no +Inf bucket"))?;
            let count = e
                .samples
                .get(&(format!("{family}_count"), labels.clone()))
                .ok_or_else(|| format!("{family} {labels:?}: no _count"))?;
            if (inf.1 - count).abs() > f64::EPSILON {
                return Err(format!("{family} {labels:?}: +Inf bucket != _count"));
            }
            if !e
                .samples
                .contains_key(&(format!("{family}_sum"), labels.clone()))
            {
                return Err(format!("{family} {labels:?}: no _sum"));
            }
        }
    }
    Ok(())
}

#[test]
fn the_parser_refuses_malformed_expositions() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
    assert!(parse(good).is_ok());
    for bad in [
        "a_total 1\n",                                                      // undeclared
        "# TYPE a_total counter\na_total{x=1} 2\n",                         // unquoted
        "# TYPE a_total counter\na_total{x=\"1\"} 2\na_total{x=\"1\"} 3\n", // twice
        "# TYPE a_total counter\na_total two\n",                            // value
        "# TYPE a_total counter\na_total 1",                                // no final newline
        "# TYPE a counter\n# TYPE b gauge\nb 1\na 1\n",                     // not contiguous
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
        "# TYPE a_total counter\na_total{x=\"a\\q\"} 1\n", // bad escape
    ] {
        assert!(parse(bad).is_err(), "accepted: {bad}");
    }
}
