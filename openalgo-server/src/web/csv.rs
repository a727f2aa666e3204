//! CSV export of the books: RFC 4180 quoting, and a leading `'` on cells a spreadsheet would
//! take for a formula.

use actix_web::HttpResponse;

fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV text of `header` and `rows`.
#[must_use]
pub(super) fn text(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    push_line(header.iter().map(|h| (*h).to_owned()), &mut out);
    for r in rows {
        push_line(r.iter().cloned(), &mut out);
    }
    out
}

/// One CSV line of `cells`.
fn push_line(cells: impl Iterator<Item = String>, out: &mut String) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(&c));
    }
    out.push_str("\r\n");
}

/// A download named `name`.
#[must_use]
pub(super) fn download(name: &str, header: &[&str], rows: &[Vec<String>]) -> HttpResponse {
    attachment(name).body(text(header, rows))
}

/// A CSV attachment named `name`, not cached.
fn attachment(name: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"));
    r
}

/// A download named `name` written a batch of rows at a time (a long day's book is never held
/// whole); the bytes are what [`text`] gives for all the rows.
#[must_use]
pub(super) fn stream<T: crate::books::BookRow>(
    name: &str,
    header: &'static [&'static str],
    rows: crate::books::Rows<T>,
    cells: fn(&T) -> Vec<String>,
) -> HttpResponse {
    let body = futures::stream::unfold(
        (rows, true, false),
        move |(mut rows, first, done)| async move {
            if done {
                return None;
            }
            let batch = rows.next_batch();
            if batch.is_empty() && !first {
                return None;
            }
            let mut out = String::new();
            if first {
                push_line(header.iter().map(|h| (*h).to_owned()), &mut out);
            }
            for r in &batch {
                push_line(cells(r).into_iter(), &mut out);
            }
            let chunk = Ok::<_, std::convert::Infallible>(actix_web::web::Bytes::from(out));
            Some((chunk, (rows, false, batch.is_empty())))
        },
    );
    attachment(name).streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let t = text(
            &["a", "b"],
            &[
                vec!["x,y".into(), "=1+1".into()],
                vec!["say \"hi\"".into(), "-5".into()],
            ],
        );
        assert_eq!(t, "a,b\r\n\"x,y\",'=1+1\r\n\"say \"\"hi\"\"\",-5\r\n");
    }
}
