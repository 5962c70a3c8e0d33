//! Configs made to hurt: regexes that compile to huge automata, and a rule with no keywords on a large tree.
//! (Invalid TOML, invalid regexes, unknown keys and failing examples are in `tests/cli/config.rs`.)
use std::time::{Duration, Instant};

use super::run_in;
use crate::support::*;

#[test]
fn regexes_that_would_compile_to_huge_automata_are_a_quick_one_line_error() {
    let rule = |extra: &str, regex: &str| {
        format!("[[rules]]\nid = \"huge\"\ndescription = \"x\"\nregex = '''{regex}'''\nkeywords = [\"zz\"]\n{extra}")
    };
    let cases = [
        (rule("", r"zz\w{1000}{1000}"), "rule `huge`: invalid regex"),
        (rule("", r"zz(a|b|c){1000}{1000}"), "rule `huge`: invalid regex"),
        (rule(r"path = '''[a-z]{1000}{1000}'''", "zz[0-9]{8}"), "rule `huge`: invalid path regex"),
        (rule("[rules.allowlist]\nregexes = ['''\\w{1000}{1000}''']", "zz[0-9]{8}"), "rule `huge`"),
        ("[allowlist]\nregexes = ['''\\w{1000}{1000}''']\n".to_string(), "allowlist"),
    ];
    for (text, what) in cases {
        let tree = Tree::new();
        tree.write(".leakgate.toml", &text);
        tree.write("a.txt", "zz12345678\n");
        let started = Instant::now();
        let run = run_in(tree.path(), &["scan"]);
        let took = started.elapsed();
        run.assert_code(2);
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(what) && err.contains("exceeds size limit"), "{what}: {err}");
        assert_eq!(err.matches(".leakgate.toml").count(), 1, "the file named once: {err}");
        // Compiling without a limit takes gigabytes and minutes; with it, well under a second in a release build.
        assert!(took < Duration::from_secs(30), "{what}: took {took:?}");
    }
}

#[test]
fn a_rule_without_keywords_works_on_a_large_tree_and_is_noted_once() {
    let tree = Tree::new();
    tree.write(
        ".leakgate.toml",
        "[[rules]]\nid = \"ticket-key\"\ndescription = \"Internal ticket signing key\"\nregex = '''\\bTK-[0-9]{6}-[A-Z]{4}\\b'''\nkeywords = []\nno_keywords_reason = \"the prefix is too short to prefilter on\"\n",
    );
    let filler = "fn main() { let v = vec![1, 2, 3]; println!(\"{:?}\", v); }\n".repeat(40);
    for i in 0..3000 {
        tree.write(&format!("src/m{}/f{i}.rs", i % 30), &filler);
    }
    tree.write("src/m7/deep/key.rs", "const K: &str = \"TK-482913-QZXW\";\n");
    let run = run_in(tree.path(), &["scan", "--no-color"]);
    run.assert_code(1);
    let out = run.stdout();
    assert!(out.contains("src/m7/deep/key.rs:1:18  ticket-key"), "{out}");
    assert_eq!(out.matches("rules without keywords run their regex over every file").count(), 1, "{out}");
    assert!(out.contains("(slow; add `keywords`): ticket-key"), "{out}");
    let json = run_in(tree.path(), &["scan", "--format", "json"]).json();
    assert_eq!(json["summary"]["files_scanned"], 3002);
    assert_eq!(json["summary"]["notes"].as_array().unwrap().len(), 1);
}
