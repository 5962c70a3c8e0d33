//! `report merge` on reports it did not write itself this run: malformed findings (a one-line error naming the
//! file, exit 2, nothing written, in every output format) and reports from an older leakgate that lack the
//! optional fields (merged all the same).
use serde_json::{json, Value};

use crate::reports::valid_sarif;
use crate::support::*;

const FORMATS: [&str; 3] = ["json", "csv", "sarif"];

fn report(findings: Value) -> String {
    json!({"version": 1, "tool": {"name": "leakgate", "version": "0.1.0"}, "repository": "org/app",
           "findings": findings, "summary": {"error_count": 0, "errors": []}})
    .to_string()
}

/// A secret finding as an older leakgate wrote it: no `confidence`, `evidence`, `secret_hash`, and a commit
/// without `order` or `further_occurrences`.
fn old_finding(path: &str) -> Value {
    json!({"kind": "secret", "rule_id": "github-pat", "description": "GitHub personal access token",
           "severity": "high", "path": path, "start_line": 3, "end_line": 3, "start_column": 7, "end_column": 46,
           "line": "token = ghp_*****", "secret": "ghp_*****", "entropy": 4.8, "validated": false,
           "fingerprint": format!("github-pat:{path}:0123456789abcdef"),
           "commit": {"id": "0123456789abcdef0123456789abcdef01234567", "author_name": "Dev",
                      "author_email": "dev@example.com", "date": "2024-01-02T03:04:05Z", "subject": "add"}})
}

#[test]
fn a_malformed_report_or_finding_is_a_one_line_error_naming_the_file_in_every_format() {
    let tree = Tree::new();
    let good = tree.write("good.json", report(json!([old_finding("a.env")])));
    let cases = [
        ("cut.json", report(json!([old_finding("a.env")]))[..80].to_string()),
        ("number.json", report(json!([old_finding("a.env"), 7]))),
        ("wrong-type.json", report(json!([{"kind": "secret", "fingerprint": "f", "start_line": "three"}]))),
        ("bad-commit.json", report(json!([{"kind": "secret", "fingerprint": "f", "commit": {"order": -1}}]))),
    ];
    for (file, text) in &cases {
        tree.write(file, text);
        for format in FORMATS {
            let out = format!("out-{file}.{format}");
            let run = tree.run(&["report", "merge", "--format", format, "-o", &out, good.to_str().unwrap(), file]);
            run.assert_code(2);
            assert_eq!(run.stderr().trim().lines().count(), 1, "{file} {format}: {}", run.stderr());
            assert!(run.stderr().contains(file), "{file} {format}: {}", run.stderr());
            assert!(!tree.path().join(&out).exists(), "{file} {format}: nothing is written");
        }
    }
}

#[test]
fn a_finding_too_incomplete_for_csv_and_sarif_is_named_before_anything_is_written() {
    // Enough for the JSON merge (which keeps findings as they are), not for a CSV row or a SARIF result.
    let tree = Tree::new();
    tree.write("thin.json", report(json!([{"kind": "secret", "rule_id": "r", "path": "a", "fingerprint": "f"}])));
    let json = tree.run(&["report", "merge", "thin.json"]);
    json.assert_code(1);
    assert_eq!(json.json()["findings"][0]["fingerprint"], "f");
    for format in ["csv", "sarif"] {
        let run = tree.run(&["report", "merge", "--format", format, "-o", "out", "thin.json"]);
        run.assert_code(2);
        assert_eq!(run.stderr().trim().lines().count(), 1, "{format}: {}", run.stderr());
        assert!(run.stderr().contains("thin.json") && run.stderr().contains("finding 1"), "{}", run.stderr());
        assert!(!tree.path().join("out").exists());
    }
}

#[test]
fn a_report_from_an_older_leakgate_merges_in_every_format() {
    let tree = Tree::new();
    // No repository, no key id, no summary: what a folder scan or an older version wrote.
    let old = json!({"version": 1, "tool": {"name": "leakgate"}, "findings": [old_finding("b.env")]});
    tree.write("old.json", old.to_string());
    tree.write("new.json", report(json!([old_finding("a.env")])));
    let run = tree.run(&["report", "merge", "new.json", "old.json"]);
    run.assert_code(1);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    // The report without a repository is listed under its file name, and says so.
    assert_eq!(findings[0]["repository"], "old.json");
    assert_eq!(findings[1]["repository"], "org/app");
    for f in findings {
        assert_eq!(f["commit"]["further_occurrences"], 0, "added where the report had none");
        assert!(f.get("secret_hash_key_id").is_none());
    }
    assert_eq!(doc["repositories"], json!(["old.json", "org/app"]));
    assert_eq!(doc["summary"]["unhashed_secrets"], 2);
    assert!(doc["summary"]["notes"][0].as_str().unwrap().contains("1 reports name no repository"));

    let csv = tree.run(&["report", "merge", "--format", "csv", "new.json", "old.json"]);
    csv.assert_code(1);
    let text = csv.stdout();
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!((&rows[0][0], &rows[0][4]), ("old.json", "b.env"));
    let sarif = tree.run(&["report", "merge", "--format", "sarif", "new.json", "old.json"]);
    sarif.assert_code(1);
    let sarif = valid_sarif(&sarif.stdout());
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["results"][0]["properties"]["commit"]["furtherOccurrences"], 0);
}

#[test]
fn merged_json_keeps_each_finding_as_its_report_wrote_it_but_for_the_merged_fields() {
    // Strings with escapes and non-ASCII text, a fractional number: the finding's text is copied, not
    // re-encoded, and reads back the same.
    let tree = Tree::new();
    let mut f = old_finding("dir/\u{e9}\\t\"q\".env");
    f["line"] = json!("tab\there \u{1b}[31m");
    f["entropy"] = json!(4.25);
    f["secret_hash"] = json!("ab".repeat(32));
    let mut doc = serde_json::from_str::<Value>(&report(json!([f]))).unwrap();
    doc["secret_hash_key_id"] = json!("0123456789abcdef");
    tree.write("r.json", serde_json::to_string_pretty(&doc).unwrap());
    let run = tree.run(&["report", "merge", "r.json"]);
    run.assert_code(1);
    let merged = run.json();
    let mut expected = f.clone();
    expected["repository"] = json!("org/app");
    expected["secret_hash_key_id"] = json!("0123456789abcdef");
    expected["commit"]["further_occurrences"] = json!(0);
    assert_eq!(merged["findings"][0], expected);
    assert_eq!(merged["incidents"][0]["secret_hash_key_id"], "0123456789abcdef");
    // The finding's text is laid out at its depth like the rest of the document.
    assert!(run.stdout().contains("\n  \"findings\": [\n    {\n      \"repository\": \"org/app\",\n      \"commit\""));
}
