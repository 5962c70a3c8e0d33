//! Snapshots of the binary's exact output, kept in tests/snapshots: every report format on one fixed folder
//! scan, a `--range` scan with a `config-weakened` finding and commit details, `--show-secrets`, the help texts
//! and the rule list. Only what changes from run to run is normalised: the elapsed time (text summary, JSON
//! `elapsed_ms`, GitLab start and end times) and the temp dir's path. Commit ids are stable because the commits
//! are made with a fixed author, committer and date. Help is rendered 100 columns wide (COLUMNS=100, the width
//! clap uses when stdout is not a terminal) and nothing is coloured (stdout is a pipe; NO_COLOR is set too).
//! To accept an intended change: `INSTA_UPDATE=always cargo test --locked --test cli -- snapshots`, then
//! review the diff of tests/snapshots before committing.
use std::path::Path;
use std::process::Command;

use regex::Regex;

use crate::git::Repo;
use crate::support::*;

const PEM_BODY: &str =
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwEC\n\
    AwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot\n\
    /OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uy\n\
    v/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00";

/// Runs `leakgate ARGS` in `dir` with the terminal width pinned and colour off.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("leakgate")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run(out)
}

/// stdout of a run that must exit with `code` and write nothing to stderr, with the variable parts replaced.
fn output(run: &Run, code: i32, dir: &Path) -> String {
    run.assert_code(code);
    assert_eq!(run.stderr(), "", "stderr");
    let mut out = run.stdout().replace(&dir.display().to_string(), "[TMP]");
    for (pattern, with) in [
        (r"( in \d+ files? \([^)]*\)) in \d+\.\d\ds", "$1 in [ELAPSED]s"),
        (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[ELAPSED]""#),
        (r#""(start|end)_time": "[0-9T:-]+""#, r#""${1}_time": "[TIME]""#),
    ] {
        out = Regex::new(pattern).unwrap().replace_all(&out, with).into_owned();
    }
    out
}

/// Compares `text` with tests/snapshots/NAME.snap.
fn check(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Secrets (two on one line, a multi-line private key, a validated GitHub token, one allowed inline) and IaC
/// findings in a Dockerfile and a Terraform file.
fn fixture() -> Tree {
    let tree = Tree::new();
    tree.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    tree.write(
        "two.txt",
        "aws_access_key_id = AKIAZ3MSJV4WWNKWW5FG npm_token = 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\n",
    );
    tree.write(
        "deploy/key.pem",
        format!("-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"),
    );
    tree.write("allowed.txt", format!("allowed = {GITHUB_PAT} # leakgate:allow\n"));
    tree.write(
        "Dockerfile",
        "FROM ubuntu:latest\nADD https://example.com/tool.tar.gz /opt/\nENV DB_PASSWORD=hunter2secret\n",
    );
    tree.write(
        "infra/main.tf",
        "resource \"aws_s3_bucket\" \"site\" {\n  bucket = \"acme-site\"\n  acl    = \"public-read\"\n}\n",
    );
    tree
}

#[test]
fn every_report_format_of_one_folder_scan() {
    let tree = fixture();
    for format in ["text", "json", "sarif", "junit", "csv", "gitlab"] {
        let run = run_in(tree.path(), &["scan", "--format", format, "."]);
        check(&format!("scan-{format}"), &output(&run, 1, tree.path()));
    }
    let run = run_in(tree.path(), &["scan", "--show-secrets", "."]);
    check("scan-text-show-secrets", &output(&run, 1, tree.path()));
}

/// git with a fixed identity and date and no global or system config, so that commit ids are the same on every
/// machine and every run.
fn git(repo: &Repo, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(repo.path())
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", repo.path().join(".git/no-global-config"))
        .envs([("GIT_AUTHOR_NAME", "Dev Eloper"), ("GIT_COMMITTER_NAME", "Dev Eloper")])
        .envs([("GIT_AUTHOR_EMAIL", "dev@example.com"), ("GIT_COMMITTER_EMAIL", "dev@example.com")])
        .envs([("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z"), ("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")])
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn a_range_scan_with_a_weakened_config_and_commit_details() {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    git(&repo, &["add", "README.md"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    git(&repo, &["checkout", "-q", "-b", "feature"]);
    repo.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    repo.write(
        ".leakgate.toml",
        "# tidy up noisy rules\ndisable = [\"github-classic-pat\", \"generic-env-file-secret\"]\n",
    );
    git(&repo, &["add", "app.env", ".leakgate.toml"]);
    git(&repo, &["commit", "-q", "-m", "add token"]);
    for format in ["json", "sarif"] {
        let run = run_in(repo.path(), &["scan", "--range", "main..feature", "--format", format]);
        check(&format!("range-{format}"), &output(&run, 1, repo.path()));
    }
}

#[test]
fn help_texts_and_the_rule_list() {
    let tree = Tree::new();
    for (name, args) in [
        ("help", &["--help"][..]),
        ("scan-help", &["scan", "--help"]),
        ("rules-text", &["rules"]),
        ("rules-json", &["rules", "--format", "json"]),
    ] {
        check(name, &output(&run_in(tree.path(), args), 0, tree.path()));
    }
}
