//! Audits at scale: `scan --history --shard K/N` and `report merge` (shards of one audit merge into what one run
//! reports; the same secret in several repositories is one incident).
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::git::Repo;
use crate::reports::valid_sarif;
use crate::support::*;

const KEY_VAR: &str = "LEAKGATE_SECRET_HASH_KEY";

/// Runs leakgate in `dir` with a secret-hash key set.
pub fn run_keyed(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("leakgate").unwrap().current_dir(dir).env(KEY_VAR, "org-key").args(args).output();
    Run(out.unwrap())
}

/// A history with secrets that recur across commits and branches (versions of one file, one secret at several
/// paths, a token in a commit message, a branch), so that shards split what one run folds together.
pub fn busy_history() -> Repo {
    let repo = Repo::new();
    for i in 0..24 {
        let file = format!("conf/f{}.env", i % 5);
        let text = format!(
            "GITHUB_TOKEN={GITHUB_PAT}\naws_access_key_id = AKIAZ3MSJV4WWNKWW5F{}\nrevision {i}\n",
            (b'A' + (i % 4) as u8) as char
        );
        let msg = if i == 7 { format!("rotate {GITHUB_PAT}") } else { format!("commit {i}") };
        repo.commit_file(&file, text, &msg);
        if i == 12 {
            repo.git(&["checkout", "-q", "-b", "side"]);
        }
        if i == 18 {
            repo.git(&["checkout", "-q", "main"]);
        }
    }
    repo
}

fn write_report(dir: &Path, name: &str, run: &Run) -> String {
    let path = dir.join(name);
    std::fs::write(&path, &run.0.stdout).unwrap();
    path.to_string_lossy().into_owned()
}

/// The findings of a report without the fields a merge adds.
fn plain_findings(doc: &Value) -> Vec<Value> {
    let mut findings = doc["findings"].as_array().unwrap().clone();
    for f in &mut findings {
        let f = f.as_object_mut().unwrap();
        f.remove("repository");
        f.remove("secret_hash_key_id");
    }
    findings
}

#[test]
fn shards_merged_equal_the_single_run_for_one_to_four_shards() {
    let repo = busy_history();
    let out = tempfile::tempdir().unwrap();
    let single = run_keyed(repo.path(), &["scan", "--history", "--format", "json"]);
    single.assert_code(1);
    let single = single.json();
    let expected = plain_findings(&single);
    assert!(expected.len() >= 10, "a history with many findings: {}", expected.len());
    assert!(expected.iter().any(|f| f["commit"]["further_occurrences"].as_u64() > Some(0)), "folded versions");
    assert!(expected.iter().any(|f| f["path"].as_str().unwrap().starts_with("commit message")), "a message");
    for n in 1..=4 {
        let mut files = Vec::new();
        let mut counted = 0;
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let run = run_keyed(repo.path(), &["scan", "--history", "--shard", &shard, "--format", "json"]);
            assert!(matches!(run.code(), 0 | 1), "shard {shard}: {}", run.stderr());
            let doc = run.json();
            assert_eq!(doc["shard"], shard);
            counted += doc["findings"].as_array().unwrap().len();
            files.push(write_report(out.path(), &format!("{k}-of-{n}.json"), &run));
        }
        if n > 1 {
            assert!(counted > expected.len(), "{n} shards each report their own versions of a finding");
        }
        let mut args = vec!["report", "merge"];
        args.extend(files.iter().map(String::as_str));
        let merged = run_keyed(repo.path(), &args);
        merged.assert_code(1);
        let merged = merged.json();
        assert_eq!(plain_findings(&merged), expected, "{n} shards merged differ from the single run");
        assert_eq!(merged["summary"]["reports"], n);
    }
}

#[test]
fn a_bad_shard_is_a_one_line_usage_error() {
    let repo = busy_history();
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let run = repo.run(&["scan", "--history", "--shard", bad]);
        run.assert_code(2);
        assert_eq!(run.stderr().trim().lines().count(), 1, "{bad}: {}", run.stderr());
        assert!(run.stderr().contains(bad), "{bad}: {}", run.stderr());
    }
    // A shard of something that is not a history audit is refused too.
    repo.run(&["scan", "--shard", "1/2", "."]).assert_code(2);
}

#[test]
fn reports_name_their_repository_without_credentials() {
    let repo = busy_history();
    repo.git(&["remote", "add", "origin", "https://ci:ghs_notarealtoken@git.example/org/app.git"]);
    let doc = repo.run(&["scan", "--history", "--format", "json"]).json();
    assert_eq!(doc["repository"], "https://git.example/org/app.git");
    assert!(!repo.run(&["scan", "--history", "--format", "json"]).stdout().contains("ghs_notarealtoken"));
    let named = repo.run(&["scan", "--history", "--repo-name", "org/app", "--format", "json"]).json();
    assert_eq!(named["repository"], "org/app");
    // Without a key there is no secret hash; with one, each secret finding has one and the key is named.
    assert!(doc["findings"][0].get("secret_hash").is_none());
    let keyed = run_keyed(repo.path(), &["scan", "--history", "--format", "json"]).json();
    let hash = keyed["findings"][0]["secret_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(keyed["secret_hash_key_id"].as_str().unwrap().len(), 16);
}

#[test]
fn one_secret_in_several_repositories_is_one_incident_listing_every_place() {
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in [("org/a", "deploy.env"), ("org/b", "ci/secrets.env"), ("org/c", "other.txt")] {
        let repo = Repo::new();
        let text = if name == "org/c" { "nothing here\n".to_string() } else { format!("TOKEN={GITHUB_PAT}\n") };
        repo.commit_file(path, text, "add");
        repo.commit_file("own.env", format!("aws_access_key_id = AKIAZ3MSJV4WWNKWW5F{}\n", &name[4..]), "own");
        let run = run_keyed(repo.path(), &["scan", "--history", "--repo-name", name, "--format", "json"]);
        files.push(write_report(out.path(), &format!("{}.json", &name[4..]), &run));
    }
    let mut args = vec!["report", "merge"];
    args.extend(files.iter().map(String::as_str));
    let run = run_keyed(out.path(), &args);
    run.assert_code(1);
    let merged = run.json();
    assert_eq!(merged["summary"]["repositories"], 3);
    assert_eq!(merged["summary"]["cross_repository_incidents"], 1);
    let incident = &merged["incidents"][0];
    assert_eq!(incident["repositories"], 2);
    let places: Vec<(&str, &str)> = incident["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["repository"].as_str().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    assert_eq!(places, [("org/a", "deploy.env"), ("org/b", "ci/secrets.env")]);
    assert!(!run.stdout().contains(GITHUB_PAT), "a merged report never holds the secret");
    // The same report twice adds nothing.
    let mut twice = args.clone();
    twice.push(&files[0]);
    assert_eq!(run_keyed(out.path(), &twice).json()["findings"], merged["findings"]);

    // SARIF: one valid run per repository; CSV: a repository column.
    let mut sarif_args = args.clone();
    sarif_args.extend(["--format", "sarif"]);
    let sarif = valid_sarif(&run_keyed(out.path(), &sarif_args).stdout());
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 3);
    assert_eq!(sarif["runs"][0]["properties"]["repository"], "org/a");
    let mut csv_args = args.clone();
    csv_args.extend(["--format", "csv"]);
    let csv = run_keyed(out.path(), &csv_args).stdout();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "repository");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), merged["findings"].as_array().unwrap().len());
}

#[test]
fn a_file_that_is_not_a_leakgate_report_is_a_one_line_error() {
    let tree = Tree::new();
    tree.write("text.json", "{\"version\": 1, \"tool\": {\"name\": \"leakgate\"}}");
    tree.write("other.json", "{\"version\": 1, \"tool\": {\"name\": \"other\"}, \"findings\": []}");
    for file in ["text.json", "other.json", "missing.json"] {
        let run = tree.run(&["report", "merge", file]);
        run.assert_code(2);
        assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
        assert!(run.stderr().contains(file), "{}", run.stderr());
    }
}

#[test]
fn a_report_of_an_incomplete_scan_makes_the_merge_incomplete() {
    let tree = Tree::new();
    let report = r#"{"version": 1, "tool": {"name": "leakgate"}, "repository": "r", "findings": [],
                     "summary": {"error_count": 1, "errors": ["blob 1 (a): cannot read"]}}"#;
    tree.write("r.json", report);
    let run = tree.run(&["report", "merge", "r.json"]);
    run.assert_code(2);
    assert_eq!(run.json()["summary"]["error_count"], 1);
}

fn notes(doc: &Value) -> Vec<String> {
    doc["summary"]["notes"].as_array().map_or(Vec::new(), |n| n.iter().map(|n| n.as_str().unwrap().into()).collect())
}

#[test]
fn an_incremental_audit_scans_only_new_content_and_keeps_the_rest_in_the_state() {
    let repo = busy_history();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("audit.state");
    let state = state.to_str().unwrap();
    let first = run_keyed(repo.path(), &["scan", "--history", "--state", state, "--format", "json"]);
    first.assert_code(1);
    let first = first.json();
    assert!(notes(&first).iter().any(|n| n.contains("no state yet; this run is a full audit")), "{first}");
    let bytes = std::fs::read(state).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(GITHUB_PAT), "the state never holds a secret");

    // Nothing new: nothing scanned, nothing reported, and a clean exit.
    let again = run_keyed(repo.path(), &["scan", "--history", "--state", state, "--format", "json"]);
    again.assert_code(0);
    assert!(notes(&again.json()).iter().any(|n| n.contains("0 new commits, 0 new blobs")), "{}", again.stdout());

    // New commits: only their new content is reported; a known secret in a new version of a file is not new.
    repo.commit_file("new/deploy.env", "aws_access_key_id = AKIAZ3MSJV4WWNKWW5FZ\n", "deploy");
    repo.commit_file("conf/f0.env", format!("GITHUB_TOKEN={GITHUB_PAT}\nchanged\n"), "edit");
    let next = run_keyed(repo.path(), &["scan", "--history", "--state", state, "--format", "json"]);
    next.assert_code(1);
    let next = next.json();
    let paths: Vec<&str> = next["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["new/deploy.env"], "{next}");
    assert!(notes(&next).iter().any(|n| n.contains("2 new commits")), "{next}");

    // --all-findings: what a full audit reports (commit numbers aside: the state numbers new commits after
    // the old ones).
    let all = run_keyed(repo.path(), &["scan", "--history", "--state", state, "--all-findings", "--format", "json"]);
    let full = run_keyed(repo.path(), &["scan", "--history", "--format", "json"]).json();
    let without_order = |doc: &Value| {
        let mut findings = plain_findings(doc);
        for f in &mut findings {
            f["commit"].as_object_mut().unwrap().remove("order");
            f["commit"].as_object_mut().unwrap().remove("further_occurrences");
        }
        findings
    };
    assert_eq!(without_order(&all.json()), without_order(&full));
}

#[test]
fn a_lost_damaged_or_outdated_state_means_a_full_audit_said_in_one_line() {
    let repo = busy_history();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s");
    let state_arg = state.to_str().unwrap();
    let full = repo.run(&["scan", "--history", "--format", "json"]).json();
    let expected = full["findings"].as_array().unwrap().len();
    repo.run(&["scan", "--history", "--state", state_arg, "-q"]).assert_code(1);
    let good = std::fs::read(&state).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    repo.write("strict.toml", "confidence = \"high\"\n");
    let cases: [(&str, &[u8], &[&str]); 4] = [
        ("damaged", &flipped, &[]),
        ("cut short", &good[..good.len() / 3], &[]),
        ("not a leakgate audit state", b"hello", &[]),
        ("settings changed", &good, &["--config", "strict.toml"]),
    ];
    for (why, bytes, extra) in cases {
        std::fs::write(&state, bytes).unwrap();
        let mut args = vec!["scan", "--history", "--state", state_arg, "--format", "json"];
        args.extend(extra);
        let run = repo.run(&args);
        assert!(matches!(run.code(), 0 | 1), "{why}: not an error: {}", run.stderr());
        let doc = run.json();
        let said: Vec<String> = notes(&doc).into_iter().filter(|n| n.contains("this run is a full audit")).collect();
        assert_eq!(said.len(), 1, "{why}: {doc}");
        if extra.is_empty() {
            assert_eq!(doc["findings"].as_array().unwrap().len(), expected, "{why}: a full audit");
        }
    }
    // A state given with revisions is refused: it records audits of all refs.
    repo.run(&["scan", "--history", "--state", state_arg, "main"]).assert_code(2);
}
