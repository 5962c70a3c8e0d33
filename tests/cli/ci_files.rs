//! The PR-check commands `docs/` ships for GitHub Actions and GitLab CI, run as they are written on a local
//! repository, and the README showing those files unchanged.
use std::path::Path;
use std::process::Command;

use crate::git::Repo;
use crate::hooks::{head, path_with_leakgate, read, SECRET_LINE};
use crate::support::*;

/// The `leakgate scan --range ...` line of a shipped CI file.
fn ci_command(file: &str) -> (String, String) {
    let text = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(file));
    let line = text
        .lines()
        .find(|l| l.contains("leakgate scan --range"))
        .unwrap_or_else(|| panic!("{file} runs leakgate scan --range"));
    let cmd = &line[line.find("leakgate scan").unwrap()..];
    (text.clone(), cmd.to_string())
}

/// A repository with an old secret on main and a pull request branch that adds one more: (repo, base, head).
fn pull_request_repo() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.commit_file("old.env", SECRET_LINE, "old secret, before the PR");
    let base = head(repo.path());
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.commit_file("feature.txt", "feature\n", "feature");
    repo.commit_file("config/app.py", "AWS_KEY = \"AKIAZ3MSJV4WWNKWW5FG\"\n", "add config");
    let head = head(repo.path());
    repo.git(&["checkout", "-q", "main"]);
    (repo, base, head)
}

fn run_ci_command(repo: &Repo, cmd: &str, env: &[(&str, &str)]) -> Run {
    let mut c = Command::new("sh");
    c.current_dir(repo.path()).env("PATH", path_with_leakgate()).args(["-c", cmd]);
    for (k, v) in env {
        c.env(k, v);
    }
    Run(c.output().unwrap())
}

#[test]
fn github_actions_pr_check_command_runs_on_a_local_repo() {
    let (repo, base, head) = pull_request_repo();
    let (text, cmd) = ci_command("github-actions.yml");
    for needle in [
        "fetch-depth: 0",
        "${{ github.event.pull_request.base.sha }}",
        "${{ github.event.pull_request.head.sha }}",
        "github/codeql-action/upload-sarif",
        "if: always()",
        "security-events: write",
        "cargo install --locked",
    ] {
        assert!(text.contains(needle), "workflow has {needle}");
    }
    let run = run_ci_command(&repo, &cmd, &[("BASE", &base), ("HEAD", &head)]);
    run.assert_code(1);
    let sarif: serde_json::Value = serde_json::from_str(&read(&repo.path().join("leakgate.sarif"))).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "only the PR's secret: {results:?}");
    assert_eq!(results[0]["ruleId"], "aws-access-key-id");

    // The same range in JSON names the commit that added it.
    let run = repo.run(&["scan", "--range", &format!("{base}..{head}"), "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["path"], "config/app.py");
    assert_eq!(json["findings"][0]["commit"]["subject"], "add config");
    // A clean PR passes.
    repo.run(&["scan", "--range", &format!("{base}..{base}"), "--allow-empty-range"]).assert_code(0);
}

#[test]
fn gitlab_ci_pr_check_command_runs_on_a_local_repo() {
    let (repo, base, head) = pull_request_repo();
    let (text, cmd) = ci_command("gitlab-ci.yml");
    for needle in ["GIT_DEPTH: 0", "secret_detection: gl-secret-detection-report.json", "when: always"] {
        assert!(text.contains(needle), "job has {needle}");
    }
    let run = run_ci_command(&repo, &cmd, &[("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base), ("CI_COMMIT_SHA", &head)]);
    run.assert_code(1);
    let report: serde_json::Value =
        serde_json::from_str(&read(&repo.path().join("gl-secret-detection-report.json"))).unwrap();
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 1, "{vulns:?}");
    assert_eq!(vulns[0]["category"], "secret_detection");
    assert_eq!(vulns[0]["location"]["file"], "config/app.py");
    assert_eq!(vulns[0]["location"]["commit"]["sha"], head.as_str());
}

#[test]
fn readme_shows_the_shipped_ci_files_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = read(&root.join("README.md"));
    for file in ["github-actions.yml", "gitlab-ci.yml"] {
        let text = read(&root.join("docs").join(file));
        assert!(readme.contains(text.trim_end()), "README.md shows docs/{file} as it is");
    }
}
