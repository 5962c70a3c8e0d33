//! File names, matched lines, commit messages and the descriptions in a repository's own config are written by
//! whoever made the repository. Text output must not let them drive the terminal; JSON must carry them exactly;
//! CSV, JUnit and SARIF must stay well-formed and defuse spreadsheet formulas.
use std::os::unix::ffi::OsStrExt;

use base64::Engine as _;

use super::run_in;
use crate::git::Repo;
use crate::reports::{percent_decode, valid_sarif};
use crate::support::*;

/// Characters that act on a terminal or reorder what it shows, besides ASCII controls.
const INVISIBLE_ACTORS: &[char] = &['\u{9b}', '\u{202e}', '\u{2066}', '\u{200f}', '\u{2028}', '\u{2029}'];

fn assert_inert(what: &str, bytes: &[u8]) {
    let bad = bytes.iter().position(|&b| (b < 0x20 && b != b'\n') || b == 0x7f);
    assert!(bad.is_none(), "{what}: raw control byte at {bad:?}: {:?}", String::from_utf8_lossy(bytes));
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains(INVISIBLE_ACTORS), "{what}: bidi or C1 character: {text:?}");
}

/// Names that clear the screen, set the window title, reverse text, break lines or are not UTF-8.
fn hostile_names() -> Vec<&'static [u8]> {
    vec![
        b"clear\x1b[2J\x1b[H.env",
        b"title\x1b]0;owned\x07.env",
        "txt.\u{202e}vne".as_bytes(),
        b"two\nlines.env",
        b"carriage\rreturn.env",
        "csi\u{9b}31m.env".as_bytes(),
        "sep\u{2028}x.env".as_bytes(),
        b"latin1-caf\xe9.env",
    ]
}

fn write_raw(tree: &Tree, name: &[u8], content: &str) {
    std::fs::write(tree.path().join(std::ffi::OsStr::from_bytes(name)), content).unwrap();
}

#[test]
fn text_output_neutralises_names_lines_and_config_text() {
    let tree = Tree::new();
    for name in hostile_names() {
        write_raw(&tree, name, &format!("T={GITHUB_PAT} \x1b[8m\u{202e}hidden\n"));
    }
    // A repository's own config can describe a rule however it likes.
    tree.write(
        ".leakgate.toml",
        "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME \\u001b[2J token\"\nremediation = \"rotate \\u001b]0;x\\u0007 it\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n",
    );
    tree.write("acme.txt", "acme_q8w7e6r5t4y3u2i1o0p9l8k7\n");
    let run = run_in(tree.path(), &["scan", "--no-color"]);
    run.assert_code(1);
    assert_inert("stdout", &run.0.stdout);
    let out = run.stdout();
    assert_eq!(out.matches("  github-classic-pat  ").count(), hostile_names().len(), "{out}");
    for shown in ["clear\\x1b[2J\\x1b[H.env", "two\\x0alines.env", "txt.\\u{202e}vne", "latin1-caf\u{fffd}.env"] {
        assert!(out.contains(shown), "{shown} not in:\n{out}");
    }
    assert!(out.contains("ACME \\x1b[2J token") && out.contains("fix: rotate \\x1b]0;x\\x07 it"), "{out}");

    // `leakgate rules` lists that description too.
    let rules = run_in(tree.path(), &["rules"]);
    rules.assert_code(0);
    assert_inert("rules", &rules.0.stdout);
}

#[test]
fn errors_quoting_repository_text_are_one_inert_line() {
    let tree = Tree::new();
    tree.write(
        ".leakgate.toml",
        "[[rules]]\nid = \"x\"\ndescription = \"x\"\nregex = \"(\\u001b[2J\"\nkeywords = [\"xx\"]\n",
    );
    let run = run_in(tree.path(), &["scan"]);
    run.assert_code(2);
    assert_inert("stderr", &run.0.stderr);
    assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
}

#[test]
fn commit_messages_and_authors_are_neutralised_in_text() {
    let repo = Repo::new();
    repo.write("app.env", format!("T={GITHUB_PAT}\n"));
    repo.git(&["add", "app.env"]);
    repo.git(&["-c", "user.name=Eve\x1b[2J", "commit", "-q", "-m", "fix\x1b]0;owned\x07 \u{202e}gnirts"]);
    let run = repo.run(&["scan", "--history", "--no-color"]);
    run.assert_code(1);
    assert_inert("stdout", &run.0.stdout);
    assert!(run.stdout().contains("by Eve\\x1b[2J <"), "{}", run.stdout());
}

#[test]
fn json_carries_hostile_names_exactly() {
    let tree = Tree::new();
    for name in hostile_names() {
        write_raw(&tree, name, &format!("T={GITHUB_PAT}\n"));
    }
    let run = run_in(tree.path(), &["scan", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), hostile_names().len());
    for name in hostile_names() {
        let f = match std::str::from_utf8(name) {
            Ok(s) => {
                let f = findings.iter().find(|f| f["path"] == s).unwrap_or_else(|| panic!("{s:?} not in {findings:?}"));
                assert!(f.get("path_bytes").is_none(), "only for names that are not UTF-8");
                f
            }
            Err(_) => {
                let lossy = String::from_utf8_lossy(name);
                let f = findings.iter().find(|f| f["path"] == lossy.as_ref()).unwrap();
                let raw = base64::engine::general_purpose::STANDARD.decode(f["path_bytes"].as_str().unwrap()).unwrap();
                assert_eq!(raw, name);
                f
            }
        };
        assert_eq!(f["rule_id"], "github-classic-pat");
    }
}

#[test]
fn csv_defuses_formulas_and_quotes_what_needs_it() {
    let tree = Tree::new();
    let names = ["=HYPERLINK(\"x\").env", "+1.env", "-2.env", "@SUM(A1).env", "\tx.env", "\rx.env", "a,b\"c\nd.env"];
    for name in names {
        tree.write(name, format!("T={GITHUB_PAT}\n"));
    }
    let run = run_in(tree.path(), &["scan", "--format", "csv"]);
    run.assert_code(1);
    let out = run.stdout();
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .from_reader(out.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), names.len());
    for name in names {
        let defused = if name.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{name}") } else { name.into() };
        assert!(rows.iter().any(|r| r[3] == defused), "{defused:?} not among {rows:?}");
    }
    for cell in rows.iter().flatten() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "live formula cell {cell:?}");
    }
}

#[test]
fn junit_sarif_and_gitlab_stay_well_formed_around_markup_and_controls() {
    let tree = Tree::new();
    let name = "x]]><y a=\"1\" b='2'>&amp;\x1b[2J.env";
    tree.write(name, format!("<![CDATA[ T={GITHUB_PAT} ]]> & \x1b[2J\n"));

    let run = run_in(tree.path(), &["scan", "--format", "junit"]);
    run.assert_code(1);
    let out = run.stdout();
    let xml = roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("not XML ({e}):\n{out}"));
    let case = xml.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    // XML 1.0 cannot carry ESC at all: it is dropped, everything else reads back.
    assert_eq!(case.attribute("classname"), Some(name.replace('\x1b', "").as_str()));
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure.text().unwrap().contains("<![CDATA[ T=ghp_***** ]]> & [2J"), "{out}");

    let run = run_in(tree.path(), &["scan", "--format", "sarif"]);
    run.assert_code(1);
    let doc = valid_sarif(&run.stdout());
    let uri =
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert_eq!(percent_decode(uri), name);

    let run = run_in(tree.path(), &["scan", "--format", "gitlab"]);
    run.assert_code(1);
    assert_eq!(run.json()["vulnerabilities"][0]["location"]["file"], name);
}
