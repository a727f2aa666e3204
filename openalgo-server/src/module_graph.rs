//! A check on the server's own layout: the top-level modules (`state`, `orders`, `stream`, …)
//! depend on each other without cycles, and `state` depends on none of them. Read from the
//! sources (every `crate::<module>` path outside test code), as `cargo modules` would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The modules each top-level module refers to through `crate::` paths, test code excluded.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_owned();
            if top == "lib" || top == "main" || top.ends_with("_tests") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let deps = graph.entry(top.clone()).or_default();
            for used in referenced_modules(code) {
                if used != top {
                    deps.insert(used);
                }
            }
        }
    }
    graph
}

/// `x` of every `crate::x` path, including those inside `use crate::{x::…, y}` groups.
fn referenced_modules(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find(';').unwrap_or(group.len())];
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && depth == 0 && !c.is_whitespace() => {
                        start = false;
                        out.insert(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m.chars().next().is_some_and(char::is_lowercase));
    out
}

/// A cycle through `from`, if there is one.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let last = path.last().cloned()?;
    for next in graph.get(&last).into_iter().flatten() {
        if let Some(i) = path.iter().position(|p| p == next) {
            let mut c = path[i..].to_vec();
            c.push(next.clone());
            return Some(c);
        }
        if done.contains(next) {
            continue;
        }
        path.push(next.clone());
        if let Some(c) = cycle(graph, path, done) {
            return Some(c);
        }
        path.pop();
    }
    done.insert(last);
    None
}

#[test]
fn top_level_modules_have_no_import_cycles_and_state_depends_on_nothing() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    assert_eq!(
        graph.get("state").cloned().unwrap_or_default(),
        BTreeSet::new(),
        "state.rs depends on no other server module"
    );
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        let found = cycle(&graph, &mut vec![start.clone()], &mut done);
        assert!(
            found.is_none(),
            "import cycle: {}",
            found.unwrap_or_default().join(" -> ")
        );
    }
}

#[test]
fn the_reader_finds_grouped_and_plain_paths_and_a_cycle() {
    let found = referenced_modules(
        "use crate::{app::AppState, state::{Mode, Session}, error};\nlet x = crate::store::open();",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["app", "error", "state", "store"]
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert!(cycle(&g, &mut vec!["a".into()], &mut BTreeSet::new()).is_some());
}
