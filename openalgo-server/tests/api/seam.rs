//! One broker seam: the server's sources name no broker. Every broker is reached through
//! `openalgo_brokers::registry`, so adding one never touches the server. Test modules may name
//! brokers (they configure one); the default broker's name may appear in comments (the prose
//! of the paper accounts built around it), never in code.

use std::path::{Path, PathBuf};

use openalgo_brokers::registry;

/// Every `.rs` file under `dir`, test-only files left out.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable source directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            out.push(path);
        }
    }
}

/// The text before the file's `#[cfg(test)] mod …` (its unit tests).
fn without_tests(text: &str) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// `(line number, line)` of every line naming a broker of `names` (case-insensitive); for
/// `default`, only lines of code.
fn mentions<'a>(text: &'a str, names: &[&str], default: &str) -> Vec<(usize, &'a str)> {
    without_tests(text)
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let lower = line.to_ascii_lowercase();
            let comment = line.trim_start().starts_with("//");
            names
                .iter()
                .any(|n| lower.contains(n) && (*n != default || !comment))
        })
        .map(|(i, line)| (i + 1, line))
        .collect()
}

#[test]
fn the_scanner_finds_a_broker_name_outside_tests_only() {
    let names = ["zerodha", "simulator"];
    let text = "fn a() {}\nlet b = \"ZERODHA\";\n// the simulator\nlet c = \"simulator\";\n\
                #[cfg(test)]\nmod tests {\n    const X: &str = \"zerodha\";\n}\n";
    let found: Vec<usize> = mentions(text, &names, "simulator")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found, [2, 4]);
}

#[test]
fn no_server_source_names_a_broker() {
    let names: Vec<String> = registry::names().map(str::to_ascii_lowercase).collect();
    assert!(
        names.len() >= 2,
        "the server is built with a broker besides the default: {names:?}"
    );
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 20, "found the sources: {}", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for (n, line) in mentions(&text, &names, registry::DEFAULT_BROKER) {
            offenders.push(format!("{}:{n}: {}", file.display(), line.trim()));
        }
    }
    assert!(
        offenders.is_empty(),
        "server sources name a broker; go through openalgo_brokers::registry instead:\n{}",
        offenders.join("\n")
    );
}
