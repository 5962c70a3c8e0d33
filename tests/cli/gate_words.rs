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
    let run = repo.run(&["hook", "pre-commit"]);
    run.assert_code(1);
    let err = run.stderr();
    assert!(
        advice(&err).contains("commit blocked: the staged change adds 1 secret and 2 infrastructure findings (listed"),
        "{err}"
    );
    assert!(err.contains("also revoke and replace (rotate) it"), "{err}");

    let repo = staged(&[("Dockerfile", DOCKERFILE)]);
    let run = repo.run(&["hook", "pre-commit"]);
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
