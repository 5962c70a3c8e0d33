//! The module graph of `src/`: which modules refer to which, read from the source text (`use crate::…` and
//! `use super::…` trees, grouped or not, and `crate::a::b::X` / `super::x` paths anywhere in code), and the check
//! that it has no cycles, between second-level modules (`cli::scan`, `source::history`, `config` for
//! config/mod.rs) and between top-level ones. A module referring to its own submodules is no edge; a submodule
//! referring to its parent is one. Edges from `#[cfg(test)]` code count and are marked.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// from -> to -> the places that make the edge: file, line, and whether the line is test code.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<(String, usize, bool)>>>;
/// A token and its line.
type Tok = (String, usize);

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `a/b/mod.rs` and `a/b.rs` are both `a::b`; `lib.rs` is the crate root (no segments).
fn module_of(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(segs.last().map(String::as_str), Some("mod" | "lib")) {
        segs.pop();
    }
    segs
}

/// Identifiers, `::` and single punctuation characters, each with its line. Comments and string and char
/// literals are skipped, so doc links and messages do not count (block comments are taken as not nested).
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let ident = |i: usize| c.get(i).is_some_and(|ch| ch.is_alphanumeric() || *ch == '_');
    let find = |from: usize, pat: &[char]| (from..c.len()).find(|&j| c[j..].starts_with(pat)).unwrap_or(c.len());
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    while i < c.len() {
        let r = i + usize::from(c[i] == 'b');
        let hashes = c[(r + 1).min(c.len())..].iter().take_while(|&&ch| ch == '#').count();
        let raw = c.get(r) == Some(&'r') && c.get(r + 1 + hashes) == Some(&'"') && (i == 0 || !ident(i - 1));
        let (end, keep) = if c[i..].starts_with(&['/', '/']) {
            (find(i, &['\n']), false)
        } else if c[i..].starts_with(&['/', '*']) {
            (find(i + 2, &['*', '/']) + 2, false)
        } else if raw {
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            (find(r + 2 + hashes, &close) + close.len(), false)
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            (j + 1, false)
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            (find(i + 3, &['\'']) + 1, false)
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            (i + 3, false)
        } else if ident(i) {
            ((i..).find(|&j| !ident(j)).unwrap(), true)
        } else {
            (i + if c[i..].starts_with(&[':', ':']) { 2 } else { 1 }, !c[i].is_whitespace())
        };
        let end = end.min(c.len());
        if keep {
            out.push((c[i..end].iter().collect(), line));
        }
        line += c[i..end].iter().filter(|&&ch| ch == '\n').count();
        i = end;
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
}

/// Reads one use tree starting at `toks[i]` and pushes every full path it names with the line of its last
/// segment; returns the index after the tree.
fn use_tree(toks: &[Tok], mut i: usize, mut prefix: Vec<String>, out: &mut Vec<(Vec<String>, usize)>) -> usize {
    let mut line = toks.get(i).map_or(0, |t| t.1);
    while let Some((t, at)) = toks.get(i) {
        match t.as_str() {
            "{" => {
                i += 1;
                while i < toks.len() && toks[i].0 != "}" {
                    let next = use_tree(toks, i, prefix.clone(), out);
                    i = next.max(i + 1);
                    i += usize::from(toks.get(i).is_some_and(|t| t.0 == ","));
                }
                return i + 1;
            }
            "::" => i += 1,
            "as" => i += 2,
            t if is_ident(t) || t == "*" => {
                prefix.push(t.to_string());
                line = *at;
                i += 1;
            }
            _ => break,
        }
    }
    if prefix.last().is_some_and(|s| s == "self") {
        prefix.pop();
    }
    out.push((prefix, line));
    i
}

/// `crate::…`, `super::…` and `self::…` made absolute from the module `here`; other paths name other crates.
fn resolve(path: &[String], here: &[String]) -> Option<Vec<String>> {
    let (mut base, mut rest) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "super" | "self" => (here.to_vec(), path),
        _ => return None,
    };
    while let Some(first) = rest.first().filter(|s| *s == "super" || *s == "self") {
        if first == "super" {
            base.pop()?;
        }
        rest = &rest[1..];
    }
    base.extend_from_slice(rest);
    Some(base)
}

/// Every module path a file refers to (absolute, possibly ending in an item name), with its line and whether
/// it is test code (in a `#[cfg(test)]` module).
fn references(src: &str, file_module: &[String]) -> Vec<(Vec<String>, usize, bool)> {
    let toks = tokens(src);
    let mut out = Vec::new();
    // One entry per open brace: the inline module (`mod tests {`) it opens, if any, and whether it is cfg(test).
    let mut scopes: Vec<Option<(String, bool)>> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let here: Vec<String> = file_module.iter().chain(scopes.iter().flatten().map(|s| &s.0)).cloned().collect();
        let (t, line) = (toks[i].0.as_str(), toks[i].1);
        let next_is_path = toks.get(i + 1).is_some_and(|n| n.0 == "::");
        let mut paths: Vec<(Vec<String>, usize)> = Vec::new();
        match t {
            "{" => scopes.push((i >= 2 && toks[i - 2].0 == "mod").then(|| {
                let attrs = &toks[i.saturating_sub(14)..i - 2];
                (toks[i - 1].0.clone(), attrs.windows(3).any(|w| w[0].0 == "cfg" && w[1].0 == "(" && w[2].0 == "test"))
            })),
            "}" => drop(scopes.pop()),
            "use" => {
                i = use_tree(&toks, i + 1, Vec::new(), &mut paths) - 1;
            }
            "crate" | "super" | "self" if next_is_path && (i == 0 || toks[i - 1].0 != "::") => {
                let mut p = vec![t.to_string()];
                while toks.get(i + 1).is_some_and(|n| n.0 == "::") && toks.get(i + 2).is_some_and(|n| is_ident(&n.0)) {
                    p.push(toks[i + 2].0.clone());
                    i += 2;
                }
                paths.push((p, line));
            }
            _ => {}
        }
        let test = file_module.last().is_some_and(|m| m == "tests") || scopes.iter().flatten().any(|s| s.1);
        out.extend(paths.iter().filter_map(|(p, line)| Some((resolve(p, &here)?, *line, test))));
        i += 1;
    }
    out
}

/// The node a path falls in: its longest prefix that is a module file, cut to `depth` segments.
fn node(path: &[String], modules: &BTreeSet<Vec<String>>, depth: usize) -> Vec<String> {
    let known = (0..=path.len()).rev().find(|&n| modules.contains(&path[..n])).unwrap_or(0);
    path[..known.min(depth)].to_vec()
}

/// The graphs of `src/` cut at `depths` (2: `cli::scan`, 1: `cli`).
fn module_graphs(src: &Path, depths: &[usize]) -> Vec<Graph> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    // main.rs is the binary, another crate that sees the library from outside.
    files.retain(|f| f.strip_prefix(src).unwrap() != Path::new("main.rs"));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f.strip_prefix(src).unwrap())).collect();
    let mut graphs = vec![Graph::new(); depths.len()];
    for file in &files {
        let rel = file.strip_prefix(src).unwrap();
        let module = module_of(rel);
        for (path, line, test) in references(&std::fs::read_to_string(file).unwrap(), &module) {
            for (graph, &depth) in graphs.iter_mut().zip(depths) {
                let (from, to) = (node(&module, &modules, depth), node(&path, &modules, depth));
                if !to.is_empty() && !to.starts_with(&from) {
                    let site = (format!("src/{}", rel.display()), line, test);
                    graph.entry(from.join("::")).or_default().entry(to.join("::")).or_default().insert(site);
                }
            }
        }
    }
    graphs
}

/// The strongly connected components with more than one module: each holds one or more cycles. The graphs
/// are small, so mutual reachability stands in for Tarjan's algorithm.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let reach_from = |from: &str| {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
        while let Some(v) = todo.pop() {
            for w in g.get(v).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(w.as_str()) {
                    todo.push(w);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<&str>> = g.keys().map(|v| (v.as_str(), reach_from(v))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    for (v, r) in &reach {
        if r.contains(v) && !found.iter().flatten().any(|m| m == v) {
            found.push(
                reach.keys().filter(|w| r.contains(*w) && reach[*w].contains(v)).map(|w| w.to_string()).collect(),
            );
        }
    }
    found
}

/// Each cycle with every edge inside it and the places that make the edge.
fn describe(g: &Graph, sccs: &[Vec<String>]) -> String {
    let mut out = String::new();
    for scc in sccs {
        out += &format!("cycle: {}\n", scc.join(" <-> "));
        for from in scc {
            for (to, sites) in g[from].iter().filter(|(to, _)| scc.contains(to)) {
                let at: Vec<String> =
                    sites.iter().map(|(f, l, test)| format!("{f}:{l}{}", if *test { " (test)" } else { "" })).collect();
                out += &format!("  {from} -> {to}: {}\n", at.join(", "));
            }
        }
    }
    out
}

#[test]
fn src_has_no_module_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graphs = module_graphs(&src, &[2, 1]);
    let mut report = String::new();
    for (graph, level) in graphs.iter().zip(["second-level", "top-level"]) {
        let found = cycles(graph);
        if !found.is_empty() {
            report += &format!("{level} modules:\n{}", describe(graph, &found));
        }
    }
    assert!(report.is_empty(), "import cycles in src/:\n{report}");
}

#[test]
fn the_reader_resolves_grouped_uses_super_and_paths_and_finds_a_cycle() {
    let src = "use crate::{a, b::{c, d as e}};\n// use crate::commented;\nfn f() { let s = \"crate::str\"; \
               crate::x::y::Z::new(); }\n#[cfg(test)]\nmod tests {\n    use super::super::sib::{self, W};\n}\nuse super::q::*;\n";
    let got: Vec<(String, usize, bool)> =
        references(src, &["m".into(), "n".into()]).into_iter().map(|(p, l, t)| (p.join("::"), l, t)).collect();
    let want =
        [("a", 1), ("b::c", 1), ("b::d", 1), ("x::y::Z::new", 3), ("m::sib", 6), ("m::sib::W", 6), ("m::q::*", 8)];
    assert_eq!(got, want.map(|(p, l)| (p.to_string(), l, l == 6)));

    let mut g = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(from.into()).or_default().entry(to.into()).or_default().insert((format!("src/{from}.rs"), 1, false));
    }
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    assert!(describe(&g, &cycles(&g)).contains("  c -> a: src/c.rs:1\n"));
}
