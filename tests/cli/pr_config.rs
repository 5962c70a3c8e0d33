//! PR checks with untrusted configuration: `scan --range BASE..HEAD` applies BASE's config, ignore files and
//! baseline, reports what the range changes in them that hides findings as `config-weakened`, and does not
//! honour `leakgate:allow` markers the range writes; `--trust-head-config` trusts the range's own files.
use serde_json::Value;

use crate::git::Repo;
use crate::reports::{assert_gitlab_shape, valid_sarif};
use crate::support::*;

const AWS_KEY: &str = "AKIAZ3MSJV4WWNKWW5FG";

/// A repository whose `main` has `base_files` (BASE), with a `feature` branch checked out.
fn pr_repo(base_files: &[(&str, &str)]) -> (Repo, String) {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    for (path, text) in base_files {
        repo.write(path, text);
        repo.git(&["add", path]);
    }
    repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    (repo, base)
}

/// Commits `files` on the current branch; returns the commit id.
fn commit(repo: &Repo, files: &[(&str, &str)], msg: &str) -> String {
    for (path, text) in files {
        repo.write(path, text);
        repo.git(&["add", path]);
    }
    repo.git(&["commit", "-q", "-m", msg]);
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// `scan --range BASE..feature --format json` plus `extra`.
fn scan(repo: &Repo, base: &str, extra: &[&str]) -> Run {
    let range = format!("{base}..feature");
    let mut args = vec!["scan", "--range", range.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    repo.run(&args)
}

fn rule_ids(json: &Value) -> Vec<String> {
    json["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).collect()
}

fn weakenings(json: &Value) -> Vec<Value> {
    json["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "config-weakened").cloned().collect()
}

fn notes(json: &Value) -> String {
    json["summary"]["notes"].to_string()
}

/// The fingerprint of the one `rule` finding in a range scan.
fn fingerprint_of(repo: &Repo, base: &str, rule: &str) -> String {
    let json = scan(repo, base, &[]).json();
    let f = json["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == rule).cloned();
    f.unwrap_or_else(|| panic!("no {rule} finding: {json}"))["fingerprint"].as_str().unwrap().to_string()
}

const SECRET_FILE: (&str, &str) = ("app.env", "GITHUB_TOKEN=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\n");

#[test]
fn a_pr_that_disables_the_rule_of_the_secret_it_adds_is_still_caught() {
    let (repo, base) = pr_repo(&[]);
    // The generic rule that would catch the token once its own rule is off goes too.
    let config = "# tidy up noisy rules\ndisable = [\"github-classic-pat\", \"generic-env-file-secret\"]\n";
    let sha = commit(&repo, &[SECRET_FILE, (".leakgate.toml", config)], "add token");
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["config-weakened", "config-weakened", "github-classic-pat"], "{json}");
    let w = &weakenings(&json)[0];
    assert_eq!(w["kind"], "config");
    assert_eq!(w["severity"], "high");
    assert_eq!(w["path"], ".leakgate.toml");
    assert_eq!(w["start_line"], 2, "the line that disables the rule");
    assert_eq!(w["resource"], "disable");
    assert!(w["message"].as_str().unwrap().contains("turns off rule `github-classic-pat`"), "{w}");
    assert_eq!(w["commit"]["id"], sha.as_str());
    assert!(notes(&json).contains("this range changes .leakgate.toml"), "{json}");

    // The text report says the same.
    let text = repo.run(&["scan", "--range", &format!("{base}..feature")]);
    text.assert_code(1);
    assert!(text.stdout().contains(".leakgate.toml:2  config-weakened  high"), "{}", text.stdout());

    // Trusting HEAD's config: the rule is off, and the change is a note rather than a finding.
    let trusted = scan(&repo, &base, &["--trust-head-config"]);
    trusted.assert_code(0);
    let json = trusted.json();
    assert!(rule_ids(&json).is_empty(), "{json}");
    assert!(notes(&json).contains("turns off rule `github-classic-pat` (--trust-head-config)"), "{json}");
}

#[test]
fn trust_head_config_needs_a_range() {
    let (repo, _) = pr_repo(&[]);
    repo.run(&["scan", "--trust-head-config"]).assert_code(2);
    repo.run(&["scan", "--staged", "--trust-head-config"]).assert_code(2);
}

#[test]
fn a_pr_that_lists_its_secret_in_the_ignore_files_is_still_caught() {
    let (repo, base) = pr_repo(&[(".leakgateignore", "# reviewed\n")]);
    commit(&repo, &[SECRET_FILE], "add token");
    let fp = fingerprint_of(&repo, &base, "github-classic-pat");
    let ignore = format!("# reviewed\n{fp}\n");
    let sha = commit(
        &repo,
        &[(".leakgateignore", ignore.as_str()), (".gitleaksignore", "app.env:github-pat:1\n")],
        "ignore it",
    );
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    let json = run.json();
    assert!(rule_ids(&json).contains(&"github-classic-pat".to_string()), "{json}");
    let w = weakenings(&json);
    let at: Vec<(String, u64)> =
        w.iter().map(|f| (f["path"].as_str().unwrap().to_string(), f["start_line"].as_u64().unwrap())).collect();
    assert_eq!(at, vec![(".gitleaksignore".to_string(), 1), (".leakgateignore".to_string(), 2)], "{json}");
    assert!(w.iter().all(|f| f["commit"]["id"] == sha.as_str()), "{json}");
    assert!(w[1]["message"].as_str().unwrap().contains(&fp), "{json}");
    assert_eq!(json["summary"]["suppressed"]["ignore_file"], 0);

    let trusted = scan(&repo, &base, &["--trust-head-config"]);
    trusted.assert_code(0);
    assert_eq!(trusted.json()["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn a_baseline_committed_in_the_pr_does_not_hide_its_secret() {
    // main accepted one AWS key in a baseline.
    let repo = Repo::new();
    repo.commit_file("keys.env", format!("aws_access_key_id = {AWS_KEY}\n"), "old key");
    repo.run(&["baseline", "create"]).assert_code(0);
    repo.git(&["add", ".leakgate-baseline.json"]);
    repo.git(&["commit", "-q", "-m", "baseline"]);
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // The PR repeats the accepted key (the baseline at BASE hides it) and adds a token, accepting it too.
    let two = format!("aws_access_key_id = {AWS_KEY}\nbackup_key_id = {AWS_KEY}\n");
    commit(&repo, &[("keys.env", two.as_str()), SECRET_FILE], "more keys");
    repo.run(&["baseline", "create"]).assert_code(0);
    repo.git(&["add", ".leakgate-baseline.json"]);
    repo.git(&["commit", "-q", "-m", "accept the token"]);

    let run = scan(&repo, &base, &["--baseline", ".leakgate-baseline.json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["config-weakened", "github-classic-pat"], "{json}");
    assert_eq!(json["summary"]["suppressed"]["baseline"], 1, "BASE's baseline still applies: {json}");
    let w = &weakenings(&json)[0];
    assert_eq!(w["path"], ".leakgate-baseline.json");
    assert!(w["message"].as_str().unwrap().contains("github-classic-pat:app.env:"), "{w}");

    // A baseline outside the repository is the CI maintainer's own: trusted as given.
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("accepted.json");
    std::fs::copy(repo.path().join(".leakgate-baseline.json"), &copy).unwrap();
    let run = scan(&repo, &base, &["--baseline", copy.to_str().unwrap()]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["baseline"], 2);

    scan(&repo, &base, &["--baseline", ".leakgate-baseline.json", "--trust-head-config"]).assert_code(0);
    // A baseline neither BASE nor HEAD has is a mistake, as on disk.
    let run = scan(&repo, &base, &["--baseline", "no-such-baseline.json"]);
    run.assert_code(2);
    assert!(run.stderr().contains("no-such-baseline.json"), "{}", run.stderr());
}

#[test]
fn a_baseline_the_pr_introduces_applies_nothing_and_is_reported() {
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[SECRET_FILE], "add token");
    repo.run(&["baseline", "create"]).assert_code(0);
    repo.git(&["add", ".leakgate-baseline.json"]);
    repo.git(&["commit", "-q", "-m", "baseline"]);
    let run = scan(&repo, &base, &["--baseline", ".leakgate-baseline.json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["config-weakened", "github-classic-pat"], "{json}");
    assert!(notes(&json).contains("no baseline applies"), "{json}");
}

#[test]
fn a_pr_that_tightens_the_config_is_not_flagged() {
    let base_config =
        "max_file_size = 1000\ndisable = [\"generic-password-assignment\"]\n[allowlist]\nstopwords = [\"sandbox\"]\n";
    let (repo, base) = pr_repo(&[(".leakgate.toml", base_config), (".leakgateignore", "a:b:1\nc:d:2\n")]);
    let tighter = "max_file_size = 2000\n\n[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n";
    commit(&repo, &[(".leakgate.toml", tighter), (".leakgateignore", "a:b:1\n"), ("notes.txt", "x\n")], "tighten");
    let run = scan(&repo, &base, &[]);
    run.assert_code(0);
    let json = run.json();
    assert!(rule_ids(&json).is_empty(), "{json}");
    assert!(notes(&json).contains("this range changes .leakgate.toml, .leakgateignore"), "{json}");
}

#[test]
fn without_a_config_at_base_the_defaults_apply_never_the_working_tree() {
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[SECRET_FILE], "add token");
    // Files in the checkout that no commit has are not read.
    let fp = fingerprint_of(&repo, &base, "github-classic-pat");
    repo.write(".leakgate.toml", "disable = [\"github-classic-pat\"]\n");
    repo.write(".leakgateignore", format!("{fp}\n"));
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    assert_eq!(rule_ids(&run.json()), vec!["github-classic-pat"]);
    // Nor with --trust-head-config: HEAD is the range's tip, not the checkout.
    scan(&repo, &base, &["--trust-head-config"]).assert_code(1);
}

#[test]
fn an_invalid_head_config_is_a_finding_not_an_error() {
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[SECRET_FILE, (".leakgate.toml", "disable = [\n")], "broken config");
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["config-weakened", "github-classic-pat"], "{json}");
    assert!(weakenings(&json)[0]["message"].as_str().unwrap().contains("cannot use this config"), "{json}");
    // Trusted, it is the config of the scan, and a broken config is an error.
    let run = scan(&repo, &base, &["--trust-head-config"]);
    run.assert_code(2);
    assert!(run.stderr().contains("config at HEAD"), "{}", run.stderr());
}

#[test]
fn an_invalid_base_config_is_an_error_naming_base() {
    let (repo, base) = pr_repo(&[(".leakgate.toml", "disable = [\"no-such-rule\"]\n")]);
    commit(&repo, &[("notes.txt", "x\n")], "notes");
    let run = scan(&repo, &base, &[]);
    run.assert_code(2);
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("config at BASE") && err.contains("no-such-rule"), "{err}");
}

#[test]
fn allow_markers_the_pr_adds_are_not_honoured() {
    let (repo, base) = pr_repo(&[]);
    let marked = format!("{}  # leakgate:allow\n", SECRET_FILE.1.trim_end());
    commit(&repo, &[("app.env", marked.as_str())], "allowed token");
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["github-classic-pat"]);
    assert!(notes(&json).contains("1 finding on lines this range adds carries a leakgate:allow marker"), "{json}");
    let trusted = scan(&repo, &base, &["--trust-head-config"]);
    trusted.assert_code(0);
    assert_eq!(trusted.json()["summary"]["suppressed"]["inline"], 1);
}

#[test]
fn base_can_accept_one_weakening_by_fingerprint_but_the_pr_cannot() {
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[(".leakgate.toml", "disable = [\"generic-password-assignment\"]\n")], "quieter");
    let fp = fingerprint_of(&repo, &base, "config-weakened");
    // Listing it in the PR's own ignore file is one more weakening.
    commit(&repo, &[(".leakgateignore", &format!("{fp}\n"))], "ignore the finding");
    let run = scan(&repo, &base, &[]);
    run.assert_code(1);
    assert_eq!(weakenings(&run.json()).len(), 2);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // A maintainer lists it on the base branch.
    repo.git(&["checkout", "-q", "main"]);
    commit(&repo, &[(".leakgateignore", &format!("{fp}\n"))], "accept");
    repo.git(&["checkout", "-q", "feature"]);
    let run = scan(&repo, "main", &[]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn base_branch_changes_made_after_the_pr_forked_are_not_blamed_on_it() {
    let (repo, _) = pr_repo(&[]);
    commit(&repo, &[("notes.txt", "x\n")], "notes");
    repo.git(&["checkout", "-q", "main"]);
    let rule = "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n";
    commit(&repo, &[(".leakgate.toml", rule), (".leakgateignore", "x:y:1\n")], "new rule");
    repo.git(&["checkout", "-q", "feature"]);
    let run = scan(&repo, "main", &[]);
    run.assert_code(0);
    assert!(rule_ids(&run.json()).is_empty(), "{}", run.stdout());
}

#[test]
fn an_explicit_config_inside_the_repository_is_read_from_base_and_outside_it_as_given() {
    let rule = "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n";
    let (repo, base) = pr_repo(&[("ci/leakgate.toml", rule)]);
    let token = ("tok.env", "ACME=acme_q8w7e6r5t4y3u2i1o0p9l8k7\n");
    commit(&repo, &[token, ("ci/leakgate.toml", "")], "drop the rule");
    let run = scan(&repo, &base, &["--config", "ci/leakgate.toml"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(rule_ids(&json), vec!["config-weakened", "acme-token"], "{json}");
    let w = &weakenings(&json)[0];
    assert_eq!(w["path"], "ci/leakgate.toml");
    assert!(w["message"].as_str().unwrap().contains("removes custom rule `acme-token`"), "{w}");

    // A config outside the repository is the CI maintainer's own: applied as given, and not compared.
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[SECRET_FILE], "add token");
    let outside = tempfile::tempdir().unwrap();
    let own = outside.path().join("leakgate.toml");
    std::fs::write(&own, "disable = [\"github-classic-pat\", \"generic-env-file-secret\"]\n").unwrap();
    let run = scan(&repo, &base, &["--config", own.to_str().unwrap()]);
    run.assert_code(0);
    assert!(rule_ids(&run.json()).is_empty(), "{}", run.stdout());
}

#[test]
fn config_weakened_shows_in_every_report_format() {
    let (repo, base) = pr_repo(&[]);
    commit(&repo, &[(".leakgate.toml", "disable = [\"github-classic-pat\"]\n")], "quieter");
    let range = format!("{base}..feature");
    let run = |format: &str| {
        let r = repo.run(&["scan", "--range", &range, "--format", format]);
        r.assert_code(1);
        r.stdout()
    };
    let sarif = valid_sarif(&run("sarif"));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{sarif}");
    assert_eq!(rules[0]["id"], "config-weakened");
    assert!(rules[0]["help"]["text"].as_str().unwrap().contains(".leakgateignore"), "{sarif}");
    assert!(rules[0]["help"]["markdown"].as_str().unwrap().contains("### Why"), "{sarif}");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["kind"], "config");
    assert_eq!(result["level"], "error");
    assert!(result["message"]["text"].as_str().unwrap().contains("github-classic-pat"), "{result}");

    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert_gitlab_shape(&gitlab);
    let v = &gitlab["vulnerabilities"][0];
    assert_eq!(v["identifiers"][0]["value"], "config-weakened", "{gitlab}");
    assert_eq!(v["location"]["file"], ".leakgate.toml");
    assert_eq!(v["severity"], "High");

    let csv = run("csv");
    assert!(csv.lines().nth(1).unwrap().starts_with("config,config-weakened,high,.leakgate.toml,1,"), "{csv}");
    let junit = run("junit");
    assert!(junit.contains("name=\"config-weakened:1\"") && junit.contains("<failure"), "{junit}");
    assert!(run("text").contains("turns off rule `github-classic-pat`"));
}

#[test]
fn the_pre_push_hook_trusts_the_working_tree() {
    // The pusher is the author of what is pushed: their own ignore file counts.
    let repo = Repo::new();
    let base = repo.commit_file("README.md", "hello\n", "init");
    let leak = repo.commit_file(SECRET_FILE.0, SECRET_FILE.1, "leak");
    let update = format!("refs/heads/main {leak} refs/heads/main {base}\n");
    let run = repo.tree.run_stdin(&["hook", "pre-push", "origin", "--format", "json"], update.as_bytes());
    run.assert_code(1);
    let fp = run.json()["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    let ignored = repo.commit_file(".leakgateignore", format!("{fp}\n"), "ignore");
    let update = format!("refs/heads/main {ignored} refs/heads/main {base}\n");
    let run = repo.tree.run_stdin(&["hook", "pre-push", "origin", "--format", "json"], update.as_bytes());
    run.assert_code(0);
    assert!(rule_ids(&run.json()).is_empty());
}

#[test]
fn config_weakened_is_a_reserved_rule_id() {
    let rule =
        "[[rules]]\nid = \"config-weakened\"\ndescription = \"x\"\nregex = '''x_[0-9]{8}'''\nkeywords = [\"x_\"]\n";
    assert_config_error(".leakgate.toml", rule, &["config-weakened", "reserved"]);
    // It can be turned off like any rule (in BASE's config, where it counts).
    let tree = Tree::new();
    tree.write(".leakgate.toml", "disable = [\"config-weakened\"]\n");
    tree.write("a.txt", "hello\n");
    tree.run(&["scan"]).assert_code(0);
}

#[test]
fn base_can_turn_config_weakened_off_and_the_weakenings_become_notes() {
    let (repo, base) = pr_repo(&[(".leakgate.toml", "disable = [\"config-weakened\"]\n")]);
    let quieter = "disable = [\"config-weakened\", \"generic-password-assignment\"]\n";
    commit(&repo, &[(".leakgate.toml", quieter)], "quieter");
    let run = scan(&repo, &base, &[]);
    run.assert_code(0);
    let json = run.json();
    assert!(rule_ids(&json).is_empty(), "{json}");
    let expected = "turns off rule `generic-password-assignment` (config-weakened is disabled)";
    assert!(notes(&json).contains(expected), "{json}");
}
