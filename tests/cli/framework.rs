//! Setting leakgate up as a new user would: the README's install commands and its pre-commit framework
//! snippets, run through the real pre-commit framework (`pre-commit` must be on PATH: .ci/run installs it, and
//! these tests fail rather than pass without it).
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::git::Repo;
use crate::hooks::{path_with_leakgate, read, SECRET_LINE};
use crate::support::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pre-commit framework's executable; a missing one fails the test with how to get it.
fn pre_commit() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join("pre-commit")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("the pre-commit framework is not on PATH: `python3 -m pip install pre-commit` (.ci/run does this)")
    })
}

/// `pre-commit ARGS` in `repo` with leakgate on PATH and its own cache folder.
fn run_pre_commit(repo: &Repo, cache: &Path, args: &[&str]) -> Run {
    let out = Command::new(pre_commit())
        .current_dir(repo.path())
        .env("PATH", path_with_leakgate())
        .env("PRE_COMMIT_HOME", cache)
        .env_remove("GIT_INDEX_FILE")
        .args(args)
        .output()
        .expect("pre-commit runs");
    Run(out)
}

/// The fenced ```yaml blocks of the README that configure the pre-commit framework.
fn readme_framework_snippets() -> Vec<String> {
    let readme = read(&root().join("README.md"));
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in readme.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed == "```yaml" => current = Some((line.len() - trimmed.len(), String::new())),
            Some((_, text)) if trimmed == "```" => {
                if text.contains("repos:") {
                    blocks.push(std::mem::take(text));
                }
                current = None;
            }
            Some((indent, text)) => {
                text.push_str(line.get(*indent..).unwrap_or(""));
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn everything_that_installs_leakgate_builds_the_locked_versions() {
    let mut files = vec![root().join("README.md"), root().join(".ci/run")];
    for dir in ["docs", "bench"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    let mut checked = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for line in text.lines() {
            for cmd in ["cargo install ", "cargo build "] {
                if line.contains(cmd) {
                    checked += 1;
                    assert!(line.contains("--locked"), "{}: `{}` without --locked", file.display(), line.trim());
                }
            }
        }
    }
    assert!(checked >= 5, "found the install commands ({checked})");
    let readme = read(&root().join("README.md"));
    assert!(readme.contains("cargo install --locked --path ."), "the README's install command");
}

#[test]
fn readme_pins_no_tag_that_does_not_exist() {
    let snippets = readme_framework_snippets();
    assert!(snippets.len() >= 2, "a remote and a local snippet: {snippets:?}");
    for s in &snippets {
        for line in s.lines().filter(|l| l.trim_start().starts_with("rev:")) {
            let rev = line.trim_start()["rev:".len()..].split('#').next().unwrap().trim();
            // leakgate has no tags: a rev is a commit id, or the placeholder that says to put one there.
            assert!(
                rev == "COMMIT_ID" || (rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())),
                "`{rev}` is not a commit id"
            );
        }
    }
}

#[test]
fn readme_local_hook_blocks_a_secret_through_the_real_framework() {
    let snippet = readme_framework_snippets()
        .into_iter()
        .find(|s| s.contains("repo: local"))
        .expect("the README shows a `repo: local` hook");
    let cache = Tree::new();
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write(".pre-commit-config.yaml", &snippet);
    repo.write("app.env", SECRET_LINE);
    repo.write("clean.txt", "nothing to see\n");
    repo.git(&["add", "."]);
    let run = run_pre_commit(&repo, cache.path(), &["run", "--files", "app.env", "clean.txt"]);
    run.assert_code(1);
    assert!(run.stdout().contains("github-classic-pat"), "{}", run.stdout());
    run_pre_commit(&repo, cache.path(), &["run", "--files", "clean.txt"]).assert_code(0);
}
