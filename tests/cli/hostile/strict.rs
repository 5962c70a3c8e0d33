//! `--strict`: any input that was skipped (not only input that could not be read) ends the run with exit 2 and a
//! one-line reason after the report; binary files skipped with `--no-binary-strings` are the one exception.
use std::os::unix::fs::symlink;

use super::{last_stderr_line, run_in};
use crate::git::Repo;
use crate::support::*;

fn tree_with_gaps() -> Tree {
    let t = Tree::new();
    t.write("a.env", format!("T={GITHUB_PAT}\n"));
    t.write("big.txt", "x".repeat(2048));
    t.write("logo.png", [b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(), &[0; 64]].concat());
    symlink("a.env", t.path().join("link.env")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(t.path().join("pipe")).status().unwrap().success());
    t
}

#[test]
fn strict_turns_every_skip_but_binary_into_exit_2_and_still_reports() {
    let t = tree_with_gaps();
    // With binary files skipped rather than strings-scanned (the default, after which they are not skipped).
    let args = ["scan", "--max-file-size", "1K", "--format", "json", "--no-binary-strings"];
    let run = run_in(t.path(), &args);
    run.assert_code(1);
    let skipped = serde_json::json!({ "binary": 1, "too_large": 1, "symlink": 1, "special": 1 });
    assert_eq!(run.json()["summary"]["skipped"], skipped);

    let run = run_in(t.path(), &[&args[..], &["--strict"]].concat());
    run.assert_code(2);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 1, "findings are still reported");
    assert_eq!(run.json()["summary"]["skipped"], skipped);
    assert_eq!(
        last_stderr_line(&run),
        "leakgate: error: --strict: not everything was scanned (1 too large, 1 symlink, 1 special file); see the summary"
    );
    assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());

    // Only a binary file skipped: --strict has nothing to hold against the scan.
    for gap in ["big.txt", "link.env", "pipe"] {
        std::fs::remove_file(t.path().join(gap)).unwrap();
    }
    let run = run_in(t.path(), &["scan", "--strict", "--format", "json", "--no-binary-strings"]);
    run.assert_code(1);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({ "binary": 1 }));
    assert_eq!(run.stderr(), "");
    // By default the binary file's strings are scanned: nothing is skipped.
    let run = run_in(t.path(), &["scan", "--strict", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["summary"]["skipped"], serde_json::json!({}));
    assert_eq!(run.json()["summary"]["binary_strings_scanned"], 1);
}

#[test]
fn strict_counts_infrastructure_files_that_could_not_be_linted() {
    let t = Tree::new();
    t.write("broken.tf", "resource \"aws_s3_bucket\" \"x\" {\n  acl = \n");
    run_in(t.path(), &["scan"]).assert_code(0);
    let run = run_in(t.path(), &["scan", "--strict"]);
    run.assert_code(2);
    assert!(last_stderr_line(&run).contains("(1 IaC parse failure)"), "{}", run.stderr());
    // Not linting at all is a choice, not a gap.
    run_in(t.path(), &["scan", "--strict", "--no-iac"]).assert_code(0);
}

#[test]
fn strict_in_git_modes_and_the_pre_push_hook() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    // A committed symlink's blob is scanned like a file's: not a gap.
    symlink("README.md", repo.path().join("link.md")).unwrap();
    repo.git(&["add", "link.md"]);
    repo.run(&["scan", "--staged", "--strict"]).assert_code(0);
    repo.write("big.txt", "y".repeat(4096));
    repo.git(&["add", "big.txt"]);
    repo.run(&["scan", "--staged", "--max-file-size", "1K"]).assert_code(2);
    let run = repo.run(&["scan", "--staged", "--max-file-size", "1K", "--strict"]);
    run.assert_code(2);
    assert!(last_stderr_line(&run).contains("(1 too large)"), "{}", run.stderr());

    repo.git(&["commit", "-q", "-m", "big"]);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let zero = "0".repeat(40);
    let input = format!("refs/heads/main {head} refs/heads/main {zero}\n");
    let hook = |extra: &[&str]| {
        let args = [&["hook", "pre-push", "origin", "--max-file-size", "1K"][..], extra].concat();
        repo.tree.run_stdin(&args, input.as_bytes())
    };
    hook(&[]).assert_code(2);
    let run = hook(&["--strict"]);
    run.assert_code(2);
    assert!(last_stderr_line(&run).contains("--strict"), "{}", run.stderr());
}

/// CI dashboards read the report, not the exit code: a run `--strict` failed must not look successful there.
#[test]
fn strict_failures_show_in_sarif_gitlab_junit_and_json() {
    let t = Tree::new();
    t.write("a.env", format!("T={GITHUB_PAT}\n"));
    t.write("big.txt", "x".repeat(2048));
    let run_as = |format: &str, strict: bool| {
        let mut args = vec!["scan", "--max-file-size", "1K", "--format", format];
        if strict {
            args.push("--strict");
        }
        let run = run_in(t.path(), &args);
        run.assert_code(if strict { 2 } else { 1 });
        run
    };
    let gap = "--strict: not everything was scanned (1 too large)";

    assert_eq!(run_as("sarif", false).json()["runs"][0]["invocations"][0]["executionSuccessful"], true);
    let sarif = run_as("sarif", true).json();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["level"] == "error" && n["message"]["text"] == gap), "{notes:?}");

    assert_eq!(run_as("gitlab", false).json()["scan"]["status"], "success");
    let gitlab = run_as("gitlab", true).json();
    assert_eq!(gitlab["scan"]["status"], "failure");
    assert!(gitlab["scan"]["messages"].as_array().unwrap().iter().any(|m| m["value"] == gap));

    let out = run_as("junit", true).stdout();
    let xml = roxmltree::Document::parse(&out).unwrap();
    let suite = xml.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!((suite.attribute("failures"), suite.attribute("errors")), (Some("1"), Some("1")));
    let error = xml.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(error.attribute("message"), Some(gap));

    assert!(run_as("json", false).json()["summary"].get("strict_gaps").is_none());
    assert_eq!(run_as("json", true).json()["summary"]["strict_gaps"], "1 too large");
}
