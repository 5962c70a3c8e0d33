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
            // cargo refuses a flag given twice: `cargo fetch --locked --locked` stopped two bench scripts.
            for command in line.split(['&', ';', '|', '(', ')']).filter(|c| c.contains("cargo ")) {
                let locked = command.split_whitespace().filter(|w| *w == "--locked").count();
                assert!(locked <= 1, "{}: `{}` gives --locked twice", file.display(), command.trim());
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

/// The manifest's `leakgate` hook as a `repo: local` hook with `language: system` (the framework would build it
/// with cargo otherwise), with `args`.
fn manifest_hook_config(args: &str) -> String {
    let manifest = read(&root().join(".pre-commit-hooks.yaml"));
    let hook = &manifest[manifest.find("- id: leakgate\n").expect("the leakgate hook")..];
    let entry = hook.lines().find_map(|l| l.trim().strip_prefix("entry: ")).expect("its entry");
    format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: leakgate\n        name: leakgate\n        entry: {entry}\n\
         \x20       language: system\n        types: [file]\n        require_serial: true\n        args: {args}\n"
    )
}

/// A Dockerfile whose only finding is low severity (an unpinned base image).
const LOW_ONLY: &str = "FROM ubuntu\nUSER app\n";

#[test]
fn options_in_args_reach_leakgate_through_the_real_framework() {
    let cache = Tree::new();
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write("Dockerfile", LOW_ONLY);
    repo.git(&["add", "Dockerfile"]);
    let run_with = |args: &str| {
        repo.write(".pre-commit-config.yaml", manifest_hook_config(args));
        run_pre_commit(&repo, cache.path(), &["run", "--files", "Dockerfile"])
    };
    // The hook's default: a low finding is a warning, the commit passes.
    run_with("[]").assert_code(0);
    let run = run_with("[--fail-on, low]");
    run.assert_code(1);
    assert!(run.stdout().contains("iac-docker-unpinned-base"), "{}", run.stdout());
    assert!(run_with("[--fail-on, low, --no-iac]").code() == 0, "--no-iac reached leakgate");
    run_with("[--fail-on=low, --config, missing.toml]").assert_code(1);

    // Through `git commit`, with the framework's own git hook installed.
    repo.write(".pre-commit-config.yaml", manifest_hook_config("[--fail-on, high]"));
    run_pre_commit(&repo, cache.path(), &["install"]).assert_code(0);
    repo.write("app.env", SECRET_LINE);
    repo.git(&["add", "."]);
    let commit = Command::new("git")
        .current_dir(repo.path())
        .env("PATH", path_with_leakgate())
        .env("PRE_COMMIT_HOME", cache.path())
        .args(["commit", "-q", "-m", "add secret"])
        .output()
        .unwrap();
    assert!(!commit.status.success(), "the secret was committed");
    let said = format!("{}{}", String::from_utf8_lossy(&commit.stdout), String::from_utf8_lossy(&commit.stderr));
    assert!(said.contains("github-classic-pat"), "{said}");
}

#[test]
fn file_names_that_look_like_options_are_scanned_or_fail_never_pass() {
    let cache = Tree::new();
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.write(".pre-commit-config.yaml", manifest_hook_config("[--no-iac]"));
    for name in ["--help", "-h", "-"] {
        repo.write(name, SECRET_LINE);
        let run = run_pre_commit(&repo, cache.path(), &["run", &format!("--files={name}")]);
        run.assert_code(1);
        assert!(run.stdout().contains("github-classic-pat"), "{name}: {}", run.stdout());
    }
    // Given as an option and as a file name at once: which was meant cannot be told, so the hook fails.
    let run = repo.run(&["hook", "files", "--no-iac", "README.md"]);
    run.assert_code(0);
    repo.write("--no-iac", SECRET_LINE);
    let run = repo.run(&["hook", "files", "--no-iac", "README.md"]);
    run.assert_code(2);
    assert!(run.stderr().contains("`--no-iac` is both an option and a file"), "{}", run.stderr());
    // With no files it scans nothing (not the whole folder).
    let run = repo.run(&["hook", "files"]);
    run.assert_code(0);
    assert!(run.stderr().contains("no files given"), "{}", run.stderr());
}
