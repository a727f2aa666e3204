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
    let line = |cells: &mut dyn Iterator<Item = String>, out: &mut String| {
        let joined: Vec<String> = cells.map(|c| cell(&c)).collect();
        out.push_str(&joined.join(","));
        out.push_str("\r\n");
    };
    line(&mut header.iter().map(|h| (*h).to_owned()), &mut out);
    for r in rows {
        line(&mut r.iter().cloned(), &mut out);
    }
    out
}

/// A download named `name`.
#[must_use]
pub(super) fn download(name: &str, header: &[&str], rows: &[Vec<String>]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(text(header, rows))
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
