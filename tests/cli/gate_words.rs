//! What a blocked hook says and what blocks it: the advice names secrets and infrastructure findings apart (only
//! secrets are to be rotated), and `--fail-on` / `fail_on` sets which severities block while the rest are still
//! reported, as warnings.
use crate::git::Repo;
use crate::hooks::SECRET_LINE;

/// `FROM ubuntu`: an unpinned base image (low) that runs as root (medium).
const DOCKERFILE: &str = "FROM ubuntu\nRUN apt-get update\n";

fn staged(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    for (rel, content) in files {
        repo.write(rel, content);
        repo.git(&["add", rel]);
    }
    repo
}

/// The first line of the hook's advice (after the report).
fn advice(stderr: &str) -> String {
    stderr.lines().find(|l| l.contains("blocked:") || l.contains("the staged change adds")).unwrap_or("").to_string()
}

#[test]
fn blocked_commit_names_secrets_and_infrastructure_findings_apart() {
    let repo = staged(&[("Dockerfile", DOCKERFILE), ("app.env", SECRET_LINE)]);
    let run = repo.run(&["hook", "pre-commit", "--fail-on", "low"]);
    run.assert_code(1);
    let err = run.stderr();
    assert!(
        advice(&err).contains("commit blocked: the staged change adds 1 secret and 2 infrastructure findings (listed"),
        "{err}"
    );
    assert!(err.contains("also revoke and replace (rotate) it"), "{err}");

    let repo = staged(&[("Dockerfile", DOCKERFILE)]);
    let run = repo.run(&["hook", "pre-commit", "--fail-on", "low"]);
    run.assert_code(1);
    let err = run.stderr();
    assert!(advice(&err).contains("the staged change adds 2 infrastructure findings (listed"), "{err}");
    assert!(!err.contains("rotate") && !err.contains("secret"), "no rotation advice without a secret: {err}");
    assert!(err.contains("`fix:`"), "{err}");

    let repo = staged(&[("a.env", SECRET_LINE), ("b.env", SECRET_LINE)]);
    let run = repo.run(&["hook", "pre-commit"]);
    run.assert_code(1);
    assert!(advice(&run.stderr()).contains("adds 2 secrets (listed"), "{}", run.stderr());
    assert!(run.stderr().contains("(rotate) them"), "{}", run.stderr());
}

/// A Dockerfile whose only finding is low severity: an unpinned base image (it does not run as root).
const LOW_ONLY: &str = "FROM ubuntu\nUSER app\n";

#[test]
fn the_hook_blocks_from_medium_and_reports_the_rest_as_warnings() {
    let repo = staged(&[("Dockerfile", LOW_ONLY)]);
    let run = repo.run(&["hook", "pre-commit"]);
    run.assert_code(0);
    let out = run.stdout();
    assert!(out.contains("iac-docker-unpinned-base  low, warning (under fail-on medium)"), "{out}");
    assert!(out.contains("1 finding (1 warning under fail-on medium: reported, not failing)"), "{out}");
    assert!(!run.stderr().contains("blocked"), "{}", run.stderr());
    // `scan --staged` by hand says what the hook would do.
    repo.run(&["scan", "--staged"]).assert_code(0);

    // The flag, then the config, lower or raise the threshold; the flag wins.
    let run = repo.run(&["hook", "pre-commit", "--fail-on", "low"]);
    run.assert_code(1);
    assert!(advice(&run.stderr()).contains("adds 1 infrastructure finding (listed"), "{}", run.stderr());
    repo.write(".leakgate.toml", "fail_on = \"low\"\n");
    repo.run(&["hook", "pre-commit"]).assert_code(1);
    repo.run(&["hook", "pre-commit", "--fail-on", "medium"]).assert_code(0);

    // A secret is never under the hook's default.
    let repo = staged(&[("Dockerfile", LOW_ONLY), ("app.env", SECRET_LINE)]);
    let run = repo.run(&["hook", "pre-commit"]);
    run.assert_code(1);
    assert!(advice(&run.stderr()).contains("adds 1 secret (listed"), "only what blocks is counted: {}", run.stderr());
    let run = repo.run(&["hook", "pre-commit", "--fail-on", "critical", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["summary"]["fail_on"], "critical");
    assert_eq!(json["summary"]["below_fail_on"], 2);
    assert_eq!(json["findings"].as_array().unwrap().len(), 2, "warnings are still reported");
}

#[test]
fn scans_outside_the_hooks_fail_on_every_finding_unless_told() {
    let repo = staged(&[("Dockerfile", LOW_ONLY)]);
    repo.run(&["scan", "Dockerfile"]).assert_code(1);
    repo.run(&["scan", "--fail-on", "medium", "Dockerfile"]).assert_code(0);
    repo.run(&["scan", "--fail-on", "info", "Dockerfile"]).assert_code(1);
    repo.git(&["commit", "-q", "-m", "docker"]);
    let base = repo.git(&["rev-parse", "HEAD~1"]);
    let range = format!("{}..HEAD", base.trim());
    repo.run(&["scan", "--iac", "--range", &range]).assert_code(1);
    repo.run(&["scan", "--iac", "--range", &range, "--fail-on", "high"]).assert_code(0);

    // Bad values are one line and exit 2.
    let run = repo.run(&["scan", "--fail-on", "severe", "Dockerfile"]);
    run.assert_code(2);
    assert!(run.stderr().contains("expected critical, high, medium, low or info"), "{}", run.stderr());
    repo.write(".leakgate.toml", "fail_on = \"severe\"\n");
    let run = repo.run(&["scan", "Dockerfile"]);
    run.assert_code(2);
    assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("fail_on"), "{}", run.stderr());
}
