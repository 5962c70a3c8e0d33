//! Staged, history and range scans on real repositories made with the git CLI.
use std::path::Path;
use std::process::Command;

use crate::support::*;

/// A temp git repository driven through the git CLI.
pub struct Repo {
    pub tree: Tree,
}

impl Repo {
    pub fn new() -> Repo {
        let tree = Tree::new();
        let repo = Repo { tree };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "dev@example.com"]);
        repo.git(&["config", "user.name", "Dev Eloper"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.tree.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        self.tree.write(rel, content);
    }

    pub fn commit_file(&self, rel: &str, content: impl AsRef<[u8]>, msg: &str) -> String {
        self.write(rel, content);
        self.git(&["add", rel]);
        self.git(&["commit", "-q", "-m", msg]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.tree.run(args)
    }
}

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").current_dir(dir).args(args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const AWS_LINE: &str = "aws_access_key_id = AKIAZ3MSJV4WWNKWW5FG\n";

#[test]
fn staged_secret_blocks_and_clean_change_passes() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    repo.git(&["add", "app.env"]);
    let run = repo.run(&["scan", "--staged", "--format", "json", "--show-secrets"]);
    run.assert_code(1);
    assert_eq!(findings(&run.json()), vec![("github-classic-pat".to_string(), GITHUB_PAT.to_string())]);
    repo.git(&["reset", "-q"]);
    repo.write("notes.txt", "nothing secret\n");
    repo.git(&["add", "notes.txt"]);
    repo.run(&["scan", "--staged"]).assert_code(0);
}

#[test]
fn staged_scans_index_content_not_the_working_tree() {
    let repo = Repo::new();
    repo.commit_file("a.txt", "one\n", "init");
    // Staged: clean. Working tree: a secret that is not staged.
    repo.write("a.txt", "one\ntwo\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", format!("one\ntwo\nT={GITHUB_PAT}\n"));
    repo.run(&["scan", "--staged"]).assert_code(0);
    // The reverse: the secret is staged, then removed from the working tree only.
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "one\ntwo\n");
    repo.run(&["scan", "--staged"]).assert_code(1);
}

#[test]
fn staged_reports_only_added_lines() {
    let repo = Repo::new();
    repo.commit_file("config.py", format!("OLD = \"{GITHUB_PAT}\"\n"), "old secret (the audit's business)");
    repo.write("config.py", format!("OLD = \"{GITHUB_PAT}\"\nDEBUG = False\n"));
    repo.git(&["add", "config.py"]);
    repo.run(&["scan", "--staged"]).assert_code(0);
    // A rename with no change adds nothing either.
    repo.git(&["commit", "-q", "-m", "debug"]);
    repo.git(&["mv", "config.py", "settings.py"]);
    repo.run(&["scan", "--staged"]).assert_code(0);
    // A deletion has nothing to scan.
    repo.git(&["commit", "-q", "-m", "rename"]);
    repo.git(&["rm", "-q", "settings.py"]);
    repo.run(&["scan", "--staged"]).assert_code(0);
    // A new line with a secret is reported on its line.
    repo.commit_file("x.txt", "a\n", "x");
    repo.write("x.txt", format!("a\n{AWS_LINE}"));
    repo.git(&["add", "x.txt"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    assert_eq!(run.json()["findings"][0]["start_line"], 2);
}

#[test]
fn staged_multiline_private_key_is_found_whole() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uyv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00\n-----END RSA PRIVATE KEY-----\n";
    repo.write("deploy/id_rsa", key);
    repo.git(&["add", "deploy/id_rsa"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    let f = &run.json()["findings"][0];
    assert_eq!((f["start_line"].as_u64(), f["end_line"].as_u64()), (Some(1), Some(3)));
}

#[test]
fn staged_works_without_head_from_a_subdirectory_and_in_a_worktree() {
    let repo = Repo::new();
    repo.write("sub/dir/a.env", format!("T={GITHUB_PAT}\n"));
    repo.git(&["add", "."]);
    // No commit yet: everything staged is new.
    repo.run(&["scan", "--staged"]).assert_code(1);
    let sub = repo.path().join("sub/dir");
    let out = assert_cmd::Command::cargo_bin("leakgate")
        .unwrap()
        .current_dir(&sub)
        .args(["scan", "--staged"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    repo.git(&["commit", "-q", "-m", "first"]);
    let wt = tempfile::tempdir().unwrap();
    let wt_path = wt.path().join("wt");
    repo.git(&["worktree", "add", "-q", wt_path.to_str().unwrap()]);
    std::fs::write(wt_path.join("b.env"), format!("T2={GITHUB_PAT}\n")).unwrap();
    git_in(&wt_path, &["add", "b.env"]);
    let out = assert_cmd::Command::cargo_bin("leakgate")
        .unwrap()
        .current_dir(&wt_path)
        .args(["scan", "--staged"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn staged_binary_and_submodule_entries_are_skipped_and_counted() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    // Binary: many NUL bytes (the strings of binaries are scanned by default; here that is turned off).
    repo.write("logo.png", [b"\x89PNG\0\0".as_slice(), &[0; 64], GITHUB_PAT.as_bytes()].concat());
    repo.git(&["add", "logo.png"]);
    let sub = Repo::new();
    sub.commit_file("s.txt", "s\n", "s");
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path().to_str().unwrap(),
        "vendor/sub",
    ]);
    let run = repo.run(&["scan", "--staged", "--format", "json", "--no-binary-strings"]);
    run.assert_code(0);
    let skipped = &run.json()["summary"]["skipped"];
    assert_eq!(skipped["binary"], 1);
    assert_eq!(skipped["submodule"], 1);
}

#[test]
fn staged_outside_a_repository_is_an_error() {
    let tree = Tree::new();
    let run = tree.run(&["scan", "--staged"]);
    run.assert_code(2);
    assert!(run.stderr().contains("not a git repository"), "{}", run.stderr());
}

#[test]
fn the_ignore_file_is_honoured_by_staged_and_history_scans_from_any_folder() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write("app.env", format!("GITHUB_TOKEN={GITHUB_PAT}\n"));
    repo.git(&["add", "app.env"]);
    let run = repo.run(&["scan", "--staged", "--format", "json"]);
    run.assert_code(1);
    let fp = run.json()["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    repo.write(".leakgateignore", format!("# reviewed\n{fp}\n"));
    repo.write("sub/keep.txt", "");
    for dir in [repo.path().to_path_buf(), repo.path().join("sub")] {
        let staged = repo.run(&["scan", "--staged", "--format", "json", "--repo", dir.to_str().unwrap()]);
        staged.assert_code(0);
        assert_eq!(staged.json()["summary"]["suppressed"]["ignore_file"], 1);
    }
    repo.git(&["commit", "-q", "-m", "add config"]);
    let history = repo.run(&["scan", "--history", "--format", "json"]);
    history.assert_code(0);
    assert_eq!(history.json()["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn history_finds_removed_secrets_with_the_commit_that_added_them() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let adding = repo.commit_file("app.env", format!("T={GITHUB_PAT}\n"), "add config");
    repo.git(&["rm", "-q", "app.env"]);
    repo.git(&["commit", "-q", "-m", "remove config"]);
    repo.run(&["scan", "."]).assert_code(0);
    let run = repo.run(&["scan", "--history", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    let f = &json["findings"][0];
    assert_eq!(f["path"], "app.env");
    assert_eq!(f["commit"]["id"], adding.as_str());
    assert_eq!(f["commit"]["author_name"], "Dev Eloper");
    assert_eq!(f["commit"]["author_email"], "dev@example.com");
    assert_eq!(f["commit"]["subject"], "add config");
}

#[test]
fn history_reports_one_finding_for_a_secret_in_many_commits() {
    let repo = Repo::new();
    let first = repo.commit_file("settings.py", format!("TOKEN = \"{GITHUB_PAT}\"\nV = 0\n"), "v0");
    for i in 1..=20 {
        repo.commit_file("settings.py", format!("TOKEN = \"{GITHUB_PAT}\"\nV = {i}\n"), &format!("v{i}"));
    }
    let run = repo.run(&["scan", "--history", "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["commit"]["id"], first.as_str());
    assert_eq!(json["findings"][0]["commit"]["further_occurrences"], 20);
}

#[test]
fn history_covers_side_branches_and_tags_and_named_revisions() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit_file("side.env", format!("T={GITHUB_PAT}\n"), "side secret");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "--orphan", "tagged"]);
    repo.git(&["rm", "-rfq", "."]);
    repo.commit_file("tag.txt", AWS_LINE, "tagged secret");
    repo.git(&["tag", "v1"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-D", "tagged"]);
    let run = repo.run(&["scan", "--history", "--format", "json"]);
    run.assert_code(1);
    let mut paths: Vec<String> =
        run.json()["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    assert_eq!(paths, vec!["side.env", "tag.txt"]);
    // Only main: clean.
    repo.run(&["scan", "--history", "main"]).assert_code(0);
    let bad = repo.run(&["scan", "--history", "no-such-branch"]);
    bad.assert_code(2);
    assert!(bad.stderr().contains("no-such-branch"), "{}", bad.stderr());
}

#[test]
fn range_reports_only_lines_the_range_adds() {
    let repo = Repo::new();
    repo.commit_file("old.env", format!("T={GITHUB_PAT}\n"), "old secret on main");
    repo.commit_file("config.txt", "a\n", "base");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // The PR touches the file with the old secret without adding one: not the PR's doing.
    repo.commit_file("old.env", format!("T={GITHUB_PAT}\nX=1\n"), "touch");
    let range = format!("{base}..feature");
    repo.run(&["scan", "--range", &range]).assert_code(0);
    // A secret added and then removed inside the PR is still the PR's doing.
    let adding = repo.commit_file("config.txt", format!("a\n{AWS_LINE}"), "add key");
    repo.commit_file("config.txt", "a\n", "remove key");
    let run = repo.run(&["scan", "--range", &range, "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["commit"]["id"], adding.as_str());
    let bad = repo.run(&["scan", "--range", "main"]);
    bad.assert_code(2);
}

#[test]
fn history_of_a_shallow_clone_says_it_is_incomplete() {
    let repo = Repo::new();
    for i in 0..3 {
        repo.commit_file("f.txt", format!("v{i}\n"), &format!("c{i}"));
    }
    let dest = tempfile::tempdir().unwrap();
    let clone = dest.path().join("shallow");
    let url = format!("file://{}", repo.path().display());
    git_in(dest.path(), &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()]);
    let out = assert_cmd::Command::cargo_bin("leakgate")
        .unwrap()
        .current_dir(&clone)
        .args(["scan", "--history", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = json["summary"]["notes"].to_string();
    assert!(notes.contains("shallow"), "{notes}");
}

#[test]
fn history_skips_binary_blobs_when_told_and_counts_them() {
    let repo = Repo::new();
    repo.commit_file("a.bin", [[0u8; 64].as_slice(), GITHUB_PAT.as_bytes()].concat(), "bin");
    let run = repo.run(&["scan", "--history", "--format", "json", "--no-binary-strings"]);
    run.assert_code(0);
    assert_eq!(run.json()["summary"]["skipped"]["binary"], 1);
}
