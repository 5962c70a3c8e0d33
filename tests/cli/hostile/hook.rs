//! The installed pre-commit hook never fails open: whatever goes wrong with leakgate, `git commit` is refused
//! with one line that names the way out (`git commit --no-verify`).
use std::ffi::OsString;
use std::path::Path;

use crate::git::git_in;
use crate::hooks::{git_path, head, installed_repo, make_executable, path_with_leakgate, path_without_leakgate};
use crate::support::*;

/// PATH whose `leakgate` is a script with `body` (and with the real binary nowhere).
fn path_with_fake(dir: &Path, body: &str) -> OsString {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("leakgate");
    std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
    make_executable(&script);
    let rest = path_without_leakgate();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).unwrap()
}

/// Stages a harmless change and tries to commit it with `path`; the commit must be refused with `reason`.
fn assert_refused(repo: &crate::git::Repo, path: &OsString, reason: &str) {
    repo.write("notes.txt", format!("nothing secret {reason}\n"));
    git_in(repo.path(), &["add", "notes.txt"]);
    let before = head(repo.path());
    let run = git_path(repo.path(), &["commit", "-q", "-m", "try"], path);
    assert_ne!(run.code(), 0, "{reason}: the commit went through");
    assert_eq!(head(repo.path()), before, "{reason}: HEAD moved");
    let err = run.stderr();
    let verdict: Vec<&str> = err.lines().filter(|l| l.starts_with("leakgate: commit blocked")).collect();
    assert_eq!(verdict.len(), 1, "{reason}: one verdict line in:\n{err}");
    assert!(verdict[0].contains(reason) && verdict[0].ends_with("git commit --no-verify"), "{reason}: {err}");
}

#[test]
fn the_installed_hook_fails_closed_whatever_goes_wrong() {
    let repo = installed_repo(&[]);
    let tmp = Tree::new();
    assert_refused(&repo, &path_without_leakgate(), "not on PATH");
    assert_refused(&repo, &path_with_fake(tmp.path(), "kill -KILL $$"), "killed by signal 9");
    assert_refused(&repo, &path_with_fake(tmp.path(), "kill -SEGV $$"), "killed by signal 11");
    assert_refused(&repo, &path_with_fake(tmp.path(), "exit 3"), "exit code 3");
    // The real leakgate, stopped by a config it cannot read (exit 2).
    repo.write(".leakgate.toml", "disable = [\n");
    assert_refused(&repo, &path_with_leakgate(), "exit code 2");
    std::fs::remove_file(repo.path().join(".leakgate.toml")).unwrap();
    // And with nothing wrong, the same commit goes through.
    git_path(repo.path(), &["commit", "-q", "-m", "fine"], &path_with_leakgate()).assert_code(0);
}
