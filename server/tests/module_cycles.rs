//! The server's modules import one way: no import circles, and nothing
//! imports from the crate root (`lib.rs` only starts the server).
//!
//! How it checks, with no parser crate: every file of `server/src` is a
//! module (`a/b.rs` and `a/b/mod.rs` are `a::b`). Comments, strings and
//! `#[cfg(test)]` items are dropped; every `use` tree and every other
//! `crate::…`, `super::…` or `self::…` path is resolved to the deepest
//! module it names. A reference between two modules neither of which
//! contains the other (`http::meetings` → `sync::documents`) is lifted to
//! the two siblings under their closest common parent (`http` → `sync`),
//! so the check holds at every floor: within `sync/` its files form no
//! circle, and the top-level modules form none either. A module using
//! its parent's items (`live::room::votes` → `live::room`) or a parent
//! using its children's is one unit, not a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Circles that another change in flight removes. Each is checked to
/// still exist, so the entry goes as soon as the circle does. None today:
/// the last one (`sync::document` ↔ `sync::socket`) went with the sync
/// core crate (issue 23).
const KNOWN_CYCLES: &[&[&str]] = &[];

#[test]
fn server_modules_import_one_way_without_circles() {
    let modules = read_modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        modules.len() > 40,
        "expected the server's modules, found {}",
        modules.len()
    );
    let graph = ModuleGraph::new(&modules);

    let root_users: Vec<String> = graph
        .edges
        .iter()
        .filter(|(_, to)| to.is_empty())
        .map(|(from, _)| name(from))
        .collect();
    assert!(
        root_users.is_empty(),
        "these modules import items from lib.rs; move the items into a module of their own: {root_users:?}"
    );

    let found: BTreeSet<Vec<String>> = graph
        .cycles()
        .into_iter()
        .map(|cycle| cycle.iter().map(|m| name(m)).collect())
        .collect();
    let known: BTreeSet<Vec<String>> = KNOWN_CYCLES
        .iter()
        .map(|cycle| cycle.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    let new: Vec<String> = found
        .difference(&known)
        .map(|cycle| graph.explain(cycle))
        .collect();
    assert!(new.is_empty(), "import circles:\n{}", new.join("\n"));
    let gone: Vec<&Vec<String>> = known.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "these circles are gone: remove them from KNOWN_CYCLES: {gone:?}"
    );
}

#[test]
fn the_check_sees_a_circle_through_inline_paths_and_use_trees() {
    let modules: BTreeMap<Module, String> = [
        ("lib.rs", "mod a; mod b;"),
        (
            "a/mod.rs",
            "mod x;\nfn f() { crate::b::y::g(); } // crate::c::ignored",
        ),
        ("a/x.rs", "use super::super::b::{self, y::Y};"),
        ("b/mod.rs", "mod y;"),
        (
            "b/y.rs",
            "#[cfg(test)]\nmod tests { use crate::a::x::T; }\nconst S: &str = \"crate::a::x\";",
        ),
    ]
    .into_iter()
    .map(|(path, text)| (module_of(Path::new(path)), text.to_owned()))
    .collect();
    let graph = ModuleGraph::new(&modules);
    assert!(graph.cycles().is_empty(), "tests and strings do not count");

    let mut modules = modules;
    modules.insert(module_of(Path::new("b/y.rs")), "use crate::a::x::T;".into());
    let cycles = graph_cycles(&modules);
    assert_eq!(cycles, vec![vec!["a".to_owned(), "b".to_owned()]]);
}

fn graph_cycles(modules: &BTreeMap<Module, String>) -> Vec<Vec<String>> {
    ModuleGraph::new(modules)
        .cycles()
        .into_iter()
        .map(|cycle| cycle.iter().map(|m| name(m)).collect())
        .collect()
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// Every `.rs` file under `src` but the binary's `main.rs`, by module.
fn read_modules(src: &Path) -> BTreeMap<Module, String> {
    let mut files = Vec::new();
    collect_rs_files(src, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(src).expect("under src").to_path_buf();
            (relative != Path::new("main.rs")).then(|| {
                let text = std::fs::read_to_string(&path).expect("readable source");
                (module_of(&relative), text)
            })
        })
        .collect()
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(relative: &Path) -> Module {
    let mut parts: Module = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

struct ModuleGraph {
    /// Module → module it names (never itself).
    edges: BTreeSet<(Module, Module)>,
    /// The lifted edges between siblings, with the edges behind each.
    lifted: BTreeMap<(Module, Module), Vec<(Module, Module)>>,
}

impl ModuleGraph {
    fn new(modules: &BTreeMap<Module, String>) -> Self {
        let mut edges = BTreeSet::new();
        for (module, text) in modules {
            let code = drop_test_items(&strip_comments_and_literals(text));
            for path in referenced_paths(&code) {
                if let Some(target) = resolve(module, &path, modules) {
                    if &target != module {
                        edges.insert((module.clone(), target));
                    }
                }
            }
        }
        let mut lifted: BTreeMap<(Module, Module), Vec<(Module, Module)>> = BTreeMap::new();
        for (from, to) in &edges {
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // one contains the other
            }
            lifted
                .entry((from[..=common].to_vec(), to[..=common].to_vec()))
                .or_default()
                .push((from.clone(), to.clone()));
        }
        ModuleGraph { edges, lifted }
    }

    /// Each set of modules that reach one another (more than one), sorted.
    fn cycles(&self) -> Vec<Vec<Module>> {
        let nodes: BTreeSet<&Module> = self.lifted.keys().flat_map(|(a, b)| [a, b]).collect();
        let reaches = |from: &Module, to: &Module| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.clone()];
            while let Some(node) = stack.pop() {
                for (a, b) in self.lifted.keys() {
                    if *a == node && seen.insert(b.clone()) {
                        if b == to {
                            return true;
                        }
                        stack.push(b.clone());
                    }
                }
            }
            false
        };
        let mut cycles: BTreeSet<Vec<Module>> = BTreeSet::new();
        for node in &nodes {
            let members: Vec<Module> = nodes
                .iter()
                .filter(|other| **other == *node || (reaches(node, other) && reaches(other, node)))
                .map(|m| (*m).clone())
                .collect();
            if members.len() > 1 {
                cycles.insert(members);
            }
        }
        cycles.into_iter().collect()
    }

    /// The edges that make up a circle, for the failure message.
    fn explain(&self, cycle: &[String]) -> String {
        let mut lines = vec![format!("  circle {cycle:?}:")];
        for ((a, b), behind) in &self.lifted {
            if cycle.contains(&name(a)) && cycle.contains(&name(b)) {
                let files: Vec<String> = behind
                    .iter()
                    .map(|(x, y)| format!("{} → {}", name(x), name(y)))
                    .collect();
                lines.push(format!(
                    "    {} → {} ({})",
                    name(a),
                    name(b),
                    files.join(", ")
                ));
            }
        }
        lines.join("\n")
    }
}

/// Replaces comments with nothing and string and character literals with
/// empty ones, so that paths inside them are not seen.
fn strip_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    let ident_before = |i: usize| i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    while i < chars.len() {
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if !ident_before(i) && (at(i, "r#") || at(i, "r\"") || at(i, "br")) {
            // A raw string: r"…", r#"…"#, br#"…"#.
            let mut j = i + if chars[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            j += 1;
            while j < chars.len() && !at(j, &close) {
                j += 1;
            }
            i = j + close.chars().count();
            out.push_str("\"\"");
        } else if chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if chars[i] == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), not a lifetime.
            let end = if chars.get(i + 1) == Some(&'\\') {
                (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match end {
                Some(end) => {
                    out.push_str("' '");
                    i = end + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Drops each item under `#[cfg(test)]`: up to its `;`, or its braced body.
fn drop_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(start) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..start]);
        let item = &rest[start..];
        let brace = item.find('{');
        let semicolon = item.find(';');
        let end = match (brace, semicolon) {
            (Some(brace), Some(semicolon)) if semicolon < brace => semicolon + 1,
            (None, Some(semicolon)) => semicolon + 1,
            (Some(brace), _) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (offset, c) in item[brace..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = brace + offset + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Every path that starts at `crate`, `super` or `self`: the leaves of
/// each `use` tree, and the paths written inline elsewhere.
fn referenced_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest_of_code = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(start) = find_keyword(rest, "use") {
        rest_of_code.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after.find(';').unwrap_or(after.len());
        let tree = normalize_use_tree(&after[..end]);
        for leaf in expand_use_tree(&tree) {
            paths.push(leaf.split("::").map(str::to_owned).collect());
        }
        rest = &after[(end + 1).min(after.len())..];
    }
    rest_of_code.push_str(rest);

    let bytes = rest_of_code.as_bytes();
    for keyword in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = rest_of_code[from..].find(keyword) {
            let start = from + found;
            from = start + keyword.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            let path: Vec<String> = rest_of_code[start..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            paths.push(path);
        }
    }
    paths
}

/// Where `keyword` starts as a whole word (not `reuse`, not `used`).
fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(found) = text[from..].find(keyword) {
        let start = from + found;
        let end = start + keyword.len();
        let before_ok = start == 0 || !word(bytes[start - 1]);
        let after_ok = end < bytes.len() && bytes[end].is_ascii_whitespace();
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    None
}

/// One space between words (`x as y`), none around `{`, `}`, `,`, `::`.
fn normalize_use_tree(tree: &str) -> String {
    let spaced = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = spaced;
    for token in ["{", "}", ",", "::"] {
        out = out
            .replace(&format!(" {token}"), token)
            .replace(&format!("{token} "), token);
    }
    out
}

/// `a::{b, c::{d, e as f}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split(' ').next().unwrap_or(tree).to_owned()];
    };
    let prefix = &tree[..open];
    let close = tree.rfind('}').unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let mut items = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    items.push(current);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand_use_tree(&item))
        .map(|leaf| format!("{prefix}{leaf}"))
        .collect()
}

/// The deepest module `path` (written in `module`) names, or `None` when
/// it does not start at `crate`, `super` or `self` (or names only the
/// root itself, as `use crate::{…}` prefixes do).
fn resolve(module: &Module, path: &[String], modules: &BTreeMap<Module, String>) -> Option<Module> {
    let (mut current, mut segments): (Module, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (module.clone(), &path[1..]),
        "super" => {
            let mut base = module.clone();
            let mut segments = path;
            while segments.first().is_some_and(|s| s == "super") {
                base.pop();
                segments = &segments[1..];
            }
            (base, segments)
        }
        _ => return None,
    };
    while let Some(segment) = segments.first() {
        if segment == "self" || segment == "*" {
            break;
        }
        let mut next = current.clone();
        next.push(segment.clone());
        if !modules.contains_key(&next) {
            // An item of `current` (of lib.rs itself when `current` is the
            // root: the check forbids that).
            return Some(current);
        }
        current = next;
        segments = &segments[1..];
    }
    // `crate::*` or `crate::{self}` name no item of the root.
    (!current.is_empty() || module.is_empty()).then_some(current)
}
