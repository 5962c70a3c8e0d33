//! Files crowded with secrets, and secrets that share a line with a reported one: every report must finish in
//! time proportional to its findings, list at most the per-file cap and count the rest, and quote no secret
//! in full, whatever rule or suppression kept it from being reported.
use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::run_in;
use crate::support::*;

const FORMATS: [&str; 6] = ["text", "json", "sarif", "junit", "csv", "gitlab"];
/// Findings listed per file by default (`report::cap::DEFAULT_MAX_FINDINGS_PER_FILE`).
const CAP: usize = 2000;

/// `n` distinct AWS-style access key ids.
fn aws_keys(n: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            let tail: String = (0..16)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ALPHABET[(seed % 32) as usize] as char
                })
                .collect();
            format!("AKIA{tail}")
        })
        .collect()
}

fn timed(limit: Duration, what: &str, run: impl FnOnce() -> Run) -> Run {
    let started = Instant::now();
    let out = run();
    let took = started.elapsed();
    assert!(took < limit, "{what} took {took:?}");
    out
}

/// Report time was quadratic in the findings of one file: 40,000 keys took 31 s, 100,000 did not finish.
#[test]
fn a_hundred_thousand_keys_in_one_file_are_reported_quickly_and_the_unlisted_counted() {
    let tree = Tree::new();
    let keys = aws_keys(100_000);
    let body: String = keys.iter().enumerate().map(|(i, k)| format!("key_{i} = {k}\n")).collect();
    tree.write("keys.txt", body);
    // A few random keys look like placeholders (a run such as `234567`) and are not found.
    let all = run_in(tree.path(), &["scan", "--format", "json"]).json();
    let found = all["summary"]["findings"].as_u64().unwrap() as usize
        + all["summary"]["unlisted"].as_u64().unwrap_or(0) as usize;
    assert!(found > 99_900, "{found} keys found");
    let unlisted = found - CAP;
    for format in FORMATS {
        // About 5 s per format in a debug build on an idle 2-core machine; the quadratic report this guards
        // against would take minutes. The margin is for a loaded CI machine.
        let run =
            timed(Duration::from_secs(40), format, || run_in(tree.path(), &["scan", "--no-color", "--format", format]));
        run.assert_code(1);
        let out = run.stdout();
        assert!(!out.contains(&keys[0]) && !out.contains(&keys[99_999]), "--format {format} wrote a key");
        match format {
            "text" => {
                assert!(
                    out.contains(&format!(
                        "leakgate: {found} findings ({unlisted} not listed: more than {CAP} in a file)"
                    )),
                    "{}",
                    out.lines().rev().take(3).collect::<Vec<_>>().join("\n")
                );
                assert!(out.contains(&format!("leakgate: not listed: {unlisted} more findings in keys.txt")));
                assert_eq!(out.matches("  aws-access-key-id  critical").count(), CAP);
            }
            "json" => {
                let json = run.json();
                assert_eq!(json["findings"].as_array().unwrap().len(), CAP);
                assert_eq!(json["summary"]["findings"], CAP);
                assert_eq!(json["summary"]["unlisted"], unlisted);
                assert_eq!(json["summary"]["unlisted_by_path"]["keys.txt"], unlisted);
            }
            "sarif" => {
                let json = run.json();
                assert_eq!(json["runs"][0]["results"].as_array().unwrap().len(), CAP);
                assert_eq!(json["runs"][0]["invocations"][0]["properties"]["unlistedFindings"], unlisted);
            }
            "junit" => {
                assert!(out.contains(&format!(r#"<property name="unlisted" value="{unlisted}"/>"#)), "{out:.2000}")
            }
            "gitlab" => assert!(out.contains(&format!("not listed: {unlisted} more findings in keys.txt"))),
            _ => assert_eq!(out.lines().count(), CAP + 1),
        }
    }
}

/// 4,000 keys on one 84 KB line: each finding quotes an excerpt holding dozens of them, cut through a key at
/// both ends. This took 25 s.
#[test]
fn four_thousand_keys_on_one_line_are_all_masked_quickly() {
    let tree = Tree::new();
    let keys = aws_keys(4000);
    tree.write("bundle.js", format!("{}\n", keys.join(",")));
    for format in FORMATS {
        let run =
            timed(Duration::from_secs(20), format, || run_in(tree.path(), &["scan", "--no-color", "--format", format]));
        run.assert_code(1);
        let out = run.stdout();
        // Any 8 characters of a key after its `AKIA` would be more than its redacted form shows.
        let pieces: HashSet<&[u8]> = keys.iter().flat_map(|k| k.as_bytes()[4..].windows(8)).collect();
        let shown = out.as_bytes().windows(8).find(|w| pieces.contains(w));
        assert!(shown.is_none(), "--format {format} shows part of a key: {:?}", shown.map(String::from_utf8_lossy));
    }
}

/// A line that repeats a token: the excerpt a finding quotes holds whole copies and ends inside one. The cut-off
/// copy was left as it was because a whole copy was on the line.
#[test]
fn a_token_cut_off_by_an_excerpt_is_masked_when_whole_copies_share_the_line() {
    let tree = Tree::new();
    tree.write("min.js", format!("{}\n", [GITHUB_PAT; 20].join(";")));
    for format in FORMATS {
        let run = run_in(tree.path(), &["scan", "--no-color", "--format", format]);
        run.assert_code(1);
        let out = run.stdout();
        assert!(!out.contains(&GITHUB_PAT[..10]), "--format {format} shows part of the token:\n{out:.3000}");
    }
}

const STRIPE: &str = "sk_live_9fKq2ZbW7xRt4LmP3vNc8HdJ"; // leakgate:allow (made up)
/// Allowlisted by the Stripe rule's own stopwords.
const STRIPE_STOPWORD: &str = "sk_live_9fKq2ZkeyhereR4tW8xLmP3vN"; // leakgate:allow (made up)

/// Runs every format in `tree` and checks that none shows `secret`, while the GitHub token on the same line is
/// reported.
fn assert_hidden_everywhere(tree: &Tree, secret: &str, what: &str) {
    let json = run_in(tree.path(), &["scan", "--format", "json", "--show-secrets"]).json();
    let found = findings(&json);
    assert!(found.iter().any(|(_, s)| s == GITHUB_PAT), "{what}: the token is not reported: {found:?}");
    assert!(found.iter().all(|(_, s)| s != secret), "{what}: {secret} is reported: {found:?}");
    for format in FORMATS {
        let run = run_in(tree.path(), &["scan", "--no-color", "--format", format]);
        run.assert_code(1);
        let out = run.stdout();
        assert!(!out.contains(&secret[8..]), "{what}: --format {format} shows {secret}:\n{out}");
    }
}

#[test]
fn a_disabled_rules_secret_on_a_reported_line_is_masked() {
    let tree = Tree::new();
    tree.write(".leakgate.toml", "disable = [\"stripe-live-secret-key\"]\n");
    tree.write("app.env", format!("GH={GITHUB_PAT} STRIPE={STRIPE}\n"));
    assert_hidden_everywhere(&tree, STRIPE, "disabled rule");
}

#[test]
fn an_allowlisted_secret_on_a_reported_line_is_masked() {
    let tree = Tree::new();
    tree.write(".leakgate.toml", format!("[allowlist]\nregexes = ['''^{STRIPE}$''']\n"));
    tree.write("app.env", format!("GH={GITHUB_PAT} STRIPE={STRIPE}\n"));
    assert_hidden_everywhere(&tree, STRIPE, "config allowlist");

    let tree = Tree::new();
    tree.write("app.env", format!("GH={GITHUB_PAT} STRIPE={STRIPE_STOPWORD}\n"));
    assert_hidden_everywhere(&tree, STRIPE_STOPWORD, "the rule's own allowlist");
}

#[test]
fn an_ignored_fingerprint_on_a_reported_line_is_masked() {
    let tree = Tree::new();
    tree.write("app.env", format!("GH={GITHUB_PAT} STRIPE={STRIPE}\n"));
    let json = run_in(tree.path(), &["scan", "--format", "json"]).json();
    let stripe = json["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "stripe-live-secret-key");
    let fingerprint = stripe.expect("the Stripe key is found")["fingerprint"].as_str().unwrap().to_string();
    tree.write(".leakgateignore", format!("{fingerprint}\n"));
    assert_hidden_everywhere(&tree, STRIPE, "ignore file");
}
