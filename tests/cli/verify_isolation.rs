//! `scan --verify` and where requests may go: never to a host a built-in verifier does not name unless a config
//! given with --config allows it, never from a hook, no socket at all without --verify, nothing sent for a
//! verifier without an endpoint, and a bounded run with no network at all.
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::git::Repo;
use crate::support::*;
use crate::verify::{github_user, mock_config, verification, verify_json, AWS_ID, AWS_SECRET, SLACK};
use crate::verify_mock::{Answer, Mock};

/// A built-in verifier is never sent to a host it does not name unless a config given with --config allows
/// that host; a config found in the scanned folder cannot allow one.
#[test]
fn hosts_off_the_allowlist_are_refused() {
    let mock = Mock::start(github_user);
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\n"));
    tree.write("bad.toml", format!("[verify.endpoints]\ngithub = \"{}\"\n", mock.url()));
    let run = tree.run(&["scan", "--verify", "--config", "bad.toml", "src"]);
    run.assert_code(2);
    assert!(run.stderr().contains("allowed_hosts"), "{}", run.stderr());
    assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());

    let found = Tree::new();
    found.write("a.env", format!("token = {GITHUB_PAT}\n"));
    found.write(
        ".leakgate.toml",
        format!("[verify]\nallowed_hosts = [\"127.0.0.1\"]\n[verify.endpoints]\ngithub = \"{}\"\n", mock.url()),
    );
    let run = found.run(&["scan", "--verify", "."]);
    run.assert_code(2);
    assert!(run.stderr().contains("--config"), "{}", run.stderr());
    assert!(mock.requests().is_empty());
}

/// `[verify] enabled = true` verifies on `leakgate scan`, never in a hook.
#[test]
fn the_config_turns_it_on_for_scan_but_never_for_hooks() {
    let mock = Mock::start(github_user);
    let repo = Repo::new();
    repo.commit_file("README.md", "hi\n", "init");
    let config = mock_config(&repo.tree, &mock, &["github"]);
    let text =
        std::fs::read_to_string(repo.path().join(&config)).unwrap().replace("[verify]\n", "[verify]\nenabled = true\n");
    repo.write(&config, text);
    repo.write("a.env", format!("token = {GITHUB_PAT}\n"));
    repo.git(&["add", "a.env"]);
    let hook = repo.tree.run(&["hook", "pre-commit", "--config", config.as_str()]);
    hook.assert_code(1);
    assert!(mock.requests().is_empty(), "a hook verified");
    let scan = repo.tree.run(&["scan", "--config", config.as_str(), "--format", "json", "a.env"]);
    scan.assert_code(1);
    assert_eq!(verification(&scan.json(), "github-classic-pat")["status"], "live");
    assert_eq!(mock.requests().len(), 1);
}

/// Under strace, a scan without --verify opens no internet socket; with --verify it does (so the check can see).
#[test]
fn a_scan_without_verify_opens_no_socket() {
    // strace needs ptrace, which some sandboxes deny: probe first.
    let probe = std::process::Command::new("strace").args(["-f", "-qq", "-e", "trace=none", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: strace is not installed or cannot trace here");
        return;
    }
    let mock = Mock::start(github_user);
    let tree = Tree::new();
    tree.write("src/a.env", format!("token = {GITHUB_PAT}\nSLACK_API_TOKEN={SLACK}\n"));
    let config = mock_config(&tree, &mock, &["github", "slack"]);
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    let traced = |extra: &[&str]| {
        let out = std::process::Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=socket,connect", "-o", "trace.txt"])
            .arg(&bin)
            .args(["scan", "--config", config.as_str()])
            .args(extra)
            .arg("src")
            .current_dir(tree.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(tree.path().join("trace.txt")).unwrap()
    };
    let inet = |trace: &str| trace.lines().filter(|l| l.contains("AF_INET")).count();
    let without = traced(&[]);
    assert_eq!(inet(&without), 0, "{without}");
    let with = traced(&["--verify"]);
    assert!(inet(&with) > 0, "strace saw no socket with --verify:\n{with}");
}

/// Default endpoints with no network at all (an empty network namespace; needs root): every result is unknown
/// and the scan ends within the timeout.
#[test]
fn default_endpoints_without_a_network_are_unknown_and_bounded() {
    let probe = std::process::Command::new("unshare").args(["-n", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cannot make an empty network namespace (unshare -n needs root)");
        return;
    }
    let tree = Tree::new();
    tree.write(
        "src/a.env",
        format!(
            "token = {GITHUB_PAT}\nSLACK_API_TOKEN={SLACK}\n[default]\naws_access_key_id = {AWS_ID}\n\
             aws_secret_access_key = {AWS_SECRET}\n"
        ),
    );
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    let started = Instant::now();
    let out = std::process::Command::new("unshare")
        .arg("-n")
        .arg(&bin)
        .args(["scan", "--verify", "--verify-timeout", "3", "--format", "json", "src"])
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(12), "{:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let verified: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter_map(|f| f.get("verification")).collect();
    assert_eq!(verified.len(), 3, "{json}");
    assert!(verified.iter().all(|v| v["status"] == "unknown"), "{json}");
}

/// A provider without a fixed host (a Shopify shop) is asked nothing until the user names the endpoint.
#[test]
fn a_verifier_without_an_endpoint_sends_nothing() {
    let mock = Mock::start(|_, _| Answer::json(200, r#"{"shop":{"name":"Acme"}}"#));
    let tree = Tree::new();
    tree.write("src/a.env", "SHOPIFY_ACCESS_TOKEN=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\n");
    let (run, json) = verify_json(&tree, &mock, &["github"], &[]);
    run.assert_code(1);
    let v = verification(&json, "shopify-access-token");
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().contains("[verify.endpoints] shopify"), "{v}");
    assert!(mock.requests().is_empty());
    let (_, json) = verify_json(&tree, &mock, &["shopify"], &[]);
    assert_eq!(verification(&json, "shopify-access-token")["identity"]["shop"], "Acme");
    assert_eq!(mock.requests()[0].path, "/admin/api/2024-10/shop.json");
}
