//! Git hooks and CI integration on real repositories: `leakgate install`/`uninstall`, real `git commit` and
//! `git push` runs through the installed hooks (with the freshly built binary first on PATH, or missing from
//! it), the pre-commit framework's way of calling `leakgate scan FILE...`, and the PR-check commands that
//! `docs/` ships.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::git::{git_in, Repo};
use crate::support::*;

pub(crate) const SECRET_LINE: &str = "GITHUB_TOKEN=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\n";

/// The folder of the binary under test.
fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("leakgate").parent().unwrap().to_path_buf()
}

/// PATH with the binary under test first, as a user who installed leakgate has it.
pub(crate) fn path_with_leakgate() -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin_dir()).chain(std::env::split_paths(&rest))).unwrap()
}

/// PATH without any folder that holds a `leakgate` (git and sh are still found).
pub(crate) fn path_without_leakgate() -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::env::split_paths(&rest).filter(|d| !d.join("leakgate").exists())).unwrap()
}

/// Runs git with this PATH (the hooks it starts see the same); never asserts on success.
pub(crate) fn git_path(dir: &Path, args: &[&str], path: &OsString) -> Run {
    let out = Command::new("git")
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("GIT_INDEX_FILE")
        .args(args)
        .output()
        .expect("git runs");
    Run(out)
}

/// `git ARGS` with leakgate on PATH.
pub(crate) fn git_lg(dir: &Path, args: &[&str]) -> Run {
    git_path(dir, args, &path_with_leakgate())
}

pub(crate) fn leakgate_in(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("leakgate").unwrap().current_dir(dir).args(args).output().unwrap();
    Run(out)
}

/// Commits a file through the installed hooks, with leakgate on PATH; the commit must pass.
pub(crate) fn commit_lg(repo: &Repo, rel: &str, content: &str, msg: &str) -> String {
    repo.write(rel, content);
    git_lg(repo.path(), &["add", rel]).assert_code(0);
    git_lg(repo.path(), &["commit", "-q", "-m", msg]).assert_code(0);
    head(repo.path())
}

pub(crate) fn head(dir: &Path) -> String {
    git_in(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

pub(crate) fn hooks(repo: &Repo) -> PathBuf {
    repo.path().join(".git/hooks")
}

pub(crate) fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub(crate) fn write_script(p: &Path, body: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, format!("#!/bin/sh\n{body}\n")).unwrap();
    make_executable(p);
}

pub(crate) fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub(crate) fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o111 == 0o111
}

/// A repository with one clean commit and leakgate's hooks installed.
pub(crate) fn installed_repo(extra: &[&str]) -> Repo {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let mut args = vec!["install"];
    args.extend_from_slice(extra);
    repo.run(&args).assert_code(0);
    repo
}

#[test]
fn install_writes_the_shipped_hooks_executable() {
    let repo = Repo::new();
    let run = repo.run(&["install", "--pre-push"]);
    run.assert_code(0);
    let hooks = hooks(&repo).canonicalize().unwrap();
    for name in ["pre-commit", "pre-merge-commit", "pre-push"] {
        let installed = hooks.join(name);
        assert!(run.stdout().contains(&installed.display().to_string()), "names the file it wrote: {}", run.stdout());
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks").join(name);
        assert_eq!(read(&installed), read(&shipped), "{name} is the shipped text");
        assert!(is_executable(&installed), "{name} is executable");
        assert!(is_executable(&shipped), "shipped {name} is executable");
    }
    // Installing again updates leakgate's own hooks in place: nothing is chained.
    let again = repo.run(&["install", "--pre-push"]);
    again.assert_code(0);
    assert!(again.stdout().contains("updated"), "{}", again.stdout());
    assert!(!hooks.join("pre-commit.leakgate-chained").exists());
    assert!(!hooks.join("pre-push.leakgate-chained").exists());
}

#[test]
fn commit_with_a_secret_is_blocked_and_a_clean_commit_passes() {
    let repo = installed_repo(&[]);
    repo.write("notes.txt", "nothing secret here\n");
    git_lg(repo.path(), &["add", "notes.txt"]).assert_code(0);
    git_lg(repo.path(), &["commit", "-q", "-m", "clean"]).assert_code(0);
    let before = head(repo.path());

    repo.write("app.env", SECRET_LINE);
    git_lg(repo.path(), &["add", "app.env"]).assert_code(0);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "add config"]);
    assert_ne!(run.code(), 0, "blocked");
    let err = run.stderr();
    assert!(err.contains("github-classic-pat"), "shows the finding: {err}");
    assert!(err.contains("app.env:1:"), "and where: {err}");
    assert!(err.contains("commit blocked"), "{err}");
    assert!(err.contains("leakgate:allow"), "{err}");
    assert!(err.contains(".leakgateignore"), "{err}");
    assert!(err.contains("git commit --no-verify"), "{err}");
    assert!(!err.contains("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"), "redacted: {err}");
    assert_eq!(head(repo.path()), before, "nothing was committed");

    // The escape hatch works, and is git's.
    git_lg(repo.path(), &["commit", "-q", "--no-verify", "-m", "knowingly"]).assert_code(0);
    assert_ne!(head(repo.path()), before);
}

#[test]
fn commit_hook_reads_the_index_git_builds_for_commit_a_and_commit_paths() {
    // `git commit -a` and `git commit PATH` stage into a temporary index (GIT_INDEX_FILE); `.git/index` does
    // not have the secret, so a hook that read it would let these commits through.
    let repo = installed_repo(&[]);
    commit_lg(&repo, "config.txt", "a = 1\n", "config");
    let before = head(repo.path());
    repo.write("config.txt", format!("a = 1\n{SECRET_LINE}"));
    let run = git_lg(repo.path(), &["commit", "-q", "-a", "-m", "commit -a"]);
    assert_ne!(run.code(), 0, "commit -a blocked: {}", run.stderr());
    assert!(run.stderr().contains("config.txt:2:"), "{}", run.stderr());
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "pathspec", "config.txt"]);
    assert_ne!(run.code(), 0, "commit PATH blocked: {}", run.stderr());
    assert_eq!(head(repo.path()), before);
    // A clean `commit -a` still passes.
    repo.write("config.txt", "a = 2\n");
    git_lg(repo.path(), &["commit", "-q", "-a", "-m", "clean -a"]).assert_code(0);
}

#[test]
fn a_missing_leakgate_blocks_the_commit() {
    let repo = installed_repo(&["--pre-push"]);
    repo.write("notes.txt", "nothing secret\n");
    git_in(repo.path(), &["add", "notes.txt"]);
    let before = head(repo.path());
    let run = git_path(repo.path(), &["commit", "-q", "-m", "no scanner"], &path_without_leakgate());
    assert_ne!(run.code(), 0, "fails closed");
    let err = run.stderr();
    assert!(err.contains("not on PATH"), "{err}");
    assert!(err.contains("git commit --no-verify"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(head(repo.path()), before);

    // The same for a push.
    let remote = Tree::new();
    git_in(remote.path(), &["init", "-q", "--bare"]);
    git_in(repo.path(), &["remote", "add", "origin", remote.path().to_str().unwrap()]);
    let run = git_path(repo.path(), &["push", "-q", "origin", "main"], &path_without_leakgate());
    assert_ne!(run.code(), 0, "push fails closed");
    assert!(run.stderr().contains("git push --no-verify"), "{}", run.stderr());
}

#[test]
fn a_scan_error_blocks_the_commit() {
    let repo = installed_repo(&[]);
    // A config with an unknown key is an error (exit 2): the hook must not treat it as "no findings".
    repo.write(".leakgate.toml", "no_such_key = 1\n");
    repo.write("notes.txt", "nothing secret\n");
    git_in(repo.path(), &["add", "notes.txt"]);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "bad config"]);
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("did not complete"), "{}", run.stderr());
    assert!(run.stderr().contains("git commit --no-verify"));
}

#[test]
fn an_existing_hook_is_chained_and_still_blocks() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let hooks = hooks(&repo);
    let ran = repo.path().join("local-hook-ran");
    write_script(&hooks.join("pre-commit"), &format!("touch '{}'\nexit 0", ran.display()));
    let run = repo.run(&["install"]);
    run.assert_code(0);
    assert!(run.stdout().contains("pre-commit.leakgate-chained/pre-commit"), "{}", run.stdout());
    assert!(read(&hooks.join("pre-commit.leakgate-chained/pre-commit")).contains("touch"));
    assert!(read(&hooks.join("pre-commit")).contains("leakgate-managed-hook"));

    // Both run on a clean commit.
    repo.write("a.txt", "a\n");
    git_in(repo.path(), &["add", "a.txt"]);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "a"]);
    run.assert_code(0);
    assert!(ran.exists(), "the chained hook ran");
    assert!(run.stderr().contains("leakgate: 0 findings"), "leakgate ran: {}", run.stderr());

    // leakgate still blocks a secret when the chained hook passes.
    repo.write("b.env", SECRET_LINE);
    git_in(repo.path(), &["add", "b.env"]);
    assert_ne!(git_lg(repo.path(), &["commit", "-q", "-m", "b"]).code(), 0);
    git_in(repo.path(), &["reset", "-q"]);

    // A failing chained hook blocks a clean commit.
    write_script(&hooks.join("pre-commit.leakgate-chained/pre-commit"), "echo 'local says no' >&2\nexit 3");
    repo.write("c.txt", "c\n");
    git_in(repo.path(), &["add", "c.txt"]);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "c"]);
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("local says no"), "{}", run.stderr());
    assert!(run.stderr().contains("pre-commit.leakgate-chained/pre-commit failed"), "{}", run.stderr());
}

#[test]
fn install_refuses_when_a_chained_hook_exists_unless_forced() {
    let repo = Repo::new();
    let hooks = hooks(&repo);
    write_script(&hooks.join("pre-commit"), "echo mine");
    write_script(&hooks.join("pre-commit.leakgate-chained/pre-commit"), "echo older");
    let run = repo.run(&["install"]);
    run.assert_code(2);
    assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("--force"), "{}", run.stderr());
    assert!(run.stderr().contains("pre-commit.leakgate-chained/pre-commit"), "{}", run.stderr());
    assert!(read(&hooks.join("pre-commit")).contains("echo mine"), "untouched");
    assert!(read(&hooks.join("pre-commit.leakgate-chained/pre-commit")).contains("echo older"));

    // A refusal for the pre-push hook leaves the pre-commit hook alone too.
    let repo2 = Repo::new();
    let hooks2 = self::hooks(&repo2);
    write_script(&hooks2.join("pre-push"), "echo mine");
    write_script(&hooks2.join("pre-push.leakgate-chained/pre-push"), "echo older");
    repo2.run(&["install", "--pre-push"]).assert_code(2);
    assert!(!hooks2.join("pre-commit").exists(), "nothing half-installed");

    let run = repo.run(&["install", "--force"]);
    run.assert_code(0);
    assert!(read(&hooks.join("pre-commit")).contains("leakgate-managed-hook"));
    assert!(read(&hooks.join("pre-commit.leakgate-chained/pre-commit")).contains("echo older"), "still chained");
}

#[test]
fn uninstall_restores_the_previous_hooks() {
    let repo = Repo::new();
    let hooks = hooks(&repo);
    write_script(&hooks.join("pre-commit"), "echo original");
    repo.run(&["install", "--pre-push"]).assert_code(0);
    assert!(hooks.join("pre-push").exists());
    let run = repo.run(&["uninstall"]);
    run.assert_code(0);
    assert!(run.stdout().contains("restored"), "{}", run.stdout());
    assert!(read(&hooks.join("pre-commit")).contains("echo original"));
    assert!(is_executable(&hooks.join("pre-commit")));
    assert!(!hooks.join("pre-commit.leakgate-chained").exists());
    assert!(!hooks.join("pre-push").exists());
    assert!(!hooks.join("pre-merge-commit").exists());

    // Nothing of ours left: uninstall says so and touches nothing.
    let run = repo.run(&["uninstall"]);
    run.assert_code(0);
    assert!(run.stdout().contains("not leakgate's"), "{}", run.stdout());
    assert!(read(&hooks.join("pre-commit")).contains("echo original"));
}

#[test]
fn core_hooks_path_is_honoured_relative_to_the_worktree_root() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(repo.path().join("sub/dir")).unwrap();
    // From a subfolder: the relative path still counts from the root, as git reads it.
    let run = leakgate_in(&repo.path().join("sub/dir"), &["install"]);
    run.assert_code(0);
    let hook = repo.path().join(".githooks/pre-commit");
    assert!(hook.exists(), "{}", run.stdout());
    assert!(!repo.path().join("sub/dir/.githooks").exists());
    assert!(!hooks(&repo).join("pre-commit").exists());
    assert!(run.stdout().contains(".githooks"), "{}", run.stdout());

    repo.write("app.env", SECRET_LINE);
    git_in(repo.path(), &["add", "app.env"]);
    assert_ne!(git_lg(repo.path(), &["commit", "-q", "-m", "x"]).code(), 0);

    repo.run(&["uninstall"]).assert_code(0);
    assert!(!hook.exists());
}

#[test]
fn install_from_a_linked_worktree_covers_every_worktree() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let wt_parent = Tree::new();
    let wt = wt_parent.path().join("wt");
    repo.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    leakgate_in(&wt, &["install"]).assert_code(0);
    // Written to the common git dir's hooks, which git runs for every worktree.
    assert!(hooks(&repo).join("pre-commit").exists());

    std::fs::write(wt.join("app.env"), SECRET_LINE).unwrap();
    git_in(&wt, &["add", "app.env"]);
    let run = git_lg(&wt, &["commit", "-q", "-m", "in the worktree"]);
    assert_ne!(run.code(), 0, "blocked in the linked worktree");
    assert!(run.stderr().contains("app.env"), "{}", run.stderr());

    repo.write("main.env", SECRET_LINE);
    git_in(repo.path(), &["add", "main.env"]);
    assert_ne!(git_lg(repo.path(), &["commit", "-q", "-m", "in the main worktree"]).code(), 0);
}

/// A repository with leakgate's pre-push hook and a bare `origin` that has `main`.
pub(crate) fn pushed_repo() -> (Repo, Tree) {
    let repo = installed_repo(&["--pre-push"]);
    let remote = Tree::new();
    git_in(remote.path(), &["init", "-q", "--bare"]);
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    git_lg(repo.path(), &["push", "-q", "-u", "origin", "main"]).assert_code(0);
    (repo, remote)
}

pub(crate) fn remote_ref(remote: &Tree, name: &str) -> Option<String> {
    let out =
        Command::new("git").current_dir(remote.path()).args(["rev-parse", "--verify", "-q", name]).output().unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn pre_push_blocks_pushed_commits_that_add_a_secret() {
    let (repo, remote) = pushed_repo();
    let pushed = remote_ref(&remote, "main").unwrap();
    commit_lg(&repo, "notes.txt", "fine\n", "clean change");
    repo.write("app.env", SECRET_LINE);
    repo.git(&["add", "app.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "add secret"]);
    commit_lg(&repo, "more.txt", "more\n", "after it");

    let run = git_lg(repo.path(), &["push", "-q", "origin", "main"]);
    assert_ne!(run.code(), 0, "blocked");
    let err = run.stderr();
    assert!(err.contains("github-classic-pat"), "{err}");
    assert!(err.contains("add secret"), "names the commit: {err}");
    assert!(err.contains("push blocked"), "{err}");
    assert!(err.contains("git push --no-verify"), "{err}");
    assert_eq!(remote_ref(&remote, "main").unwrap(), pushed, "nothing pushed");

    // Removing the secret in a later commit is not enough: the pushed history would still have it.
    repo.git(&["rm", "-q", "app.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "remove it"]);
    assert_ne!(git_lg(repo.path(), &["push", "-q", "origin", "main"]).code(), 0);

    // Rewriting the commits so none adds it lets the push through.
    repo.git(&["reset", "-q", "--hard", &pushed]);
    commit_lg(&repo, "notes.txt", "fine\n", "clean change");
    git_lg(repo.path(), &["push", "-q", "origin", "main"]).assert_code(0);
    assert_eq!(remote_ref(&remote, "main").unwrap(), head(repo.path()));
}

#[test]
fn pre_push_on_a_new_branch_scans_only_commits_no_remote_branch_has() {
    let (repo, remote) = pushed_repo();
    // An old secret already on the remote (pushed knowingly): not the new branch's business.
    repo.write("old.env", SECRET_LINE);
    repo.git(&["add", "old.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "old secret"]);
    git_lg(repo.path(), &["push", "-q", "--no-verify", "origin", "main"]).assert_code(0);

    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_lg(&repo, "feature.txt", "feature\n", "feature work");
    let run = git_lg(repo.path(), &["push", "-q", "origin", "feature"]);
    run.assert_code(0);
    assert!(run.stderr().contains(" 1 commit"), "only the new commit: {}", run.stderr());
    assert!(remote_ref(&remote, "feature").is_some());

    // A new branch whose own commit adds a secret is blocked.
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    repo.write("app.env", SECRET_LINE);
    repo.git(&["add", "app.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "leak"]);
    let run = git_lg(repo.path(), &["push", "-q", "origin", "leaky"]);
    assert_ne!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("app.env"), "{}", run.stderr());
    assert!(!run.stderr().contains("old.env"), "{}", run.stderr());
    assert!(remote_ref(&remote, "leaky").is_none());

    // Deleting a branch sends no commits.
    git_lg(repo.path(), &["push", "-q", "origin", ":feature"]).assert_code(0);
    assert!(remote_ref(&remote, "feature").is_none());
}

#[test]
fn hook_pre_push_reads_git_input_from_stdin() {
    let repo = Repo::new();
    let base = repo.commit_file("README.md", "hello\n", "init");
    let leak = repo.commit_file("app.env", SECRET_LINE, "leak");
    let zero = "0".repeat(40);
    let update = format!("refs/heads/main {leak} refs/heads/main {base}\n");
    let run = repo.tree.run_stdin(&["hook", "pre-push", "origin", "/nowhere", "--format", "json"], update.as_bytes());
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["commit"]["id"], leak.as_str());
    assert!(run.stderr().contains("push blocked"), "advice on stderr only");

    // Already on the remote: nothing to scan.
    let same = format!("refs/heads/main {leak} refs/heads/main {leak}\n");
    repo.tree.run_stdin(&["hook", "pre-push", "origin"], same.as_bytes()).assert_code(0);
    // A deletion and an empty push scan nothing.
    let delete = format!("(delete) {zero} refs/heads/old {leak}\n");
    repo.tree.run_stdin(&["hook", "pre-push", "origin"], delete.as_bytes()).assert_code(0);
    repo.tree.run_stdin(&["hook", "pre-push", "origin"], b"").assert_code(0);
    // Input it does not understand fails closed.
    repo.tree.run_stdin(&["hook", "pre-push", "origin"], b"refs/heads/main nonsense\n").assert_code(2);
}

#[test]
fn framework_file_lists_are_scanned_exactly() {
    // The pre-commit framework calls `leakgate scan FILE...`: exactly those files, .gitignore or not.
    let repo = Repo::new();
    repo.write(".gitignore", "*.env\n");
    repo.write("forced.env", SECRET_LINE);
    repo.write("clean.txt", "nothing\n");
    repo.write("unnamed.txt", SECRET_LINE);
    let run = repo.run(&["scan", "--format", "json", "forced.env", "clean.txt"]);
    run.assert_code(1);
    let json = run.json();
    let paths: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["forced.env"], "named files only, ignored one included");
    assert_eq!(json["summary"]["files_scanned"], 2);
    // Each batch's exit code stands for its own files; the framework fails the hook if any batch fails.
    repo.run(&["scan", "clean.txt"]).assert_code(0);
    repo.run(&["scan", "clean.txt", "unnamed.txt"]).assert_code(1);
    // A file that cannot be scanned is an error, never a pass.
    repo.run(&["scan", "clean.txt", "deleted.txt"]).assert_code(2);
}

#[test]
fn framework_file_names_that_look_like_options_or_stdin_never_pass_unscanned() {
    // The manifest's `entry: leakgate scan --` makes `-h` and `--help` file names, not a help text and exit 0.
    let repo = Repo::new();
    for name in ["-h", "--help", "--staged"] {
        repo.write(name, SECRET_LINE);
        let run = repo.run(&["scan", "--format", "json", "--", name]);
        run.assert_code(1);
        assert_eq!(run.json()["findings"][0]["path"], name);
    }
    // A file named `-` cannot be told from stdin: an error (the hook fails), never an empty stdin that passes.
    repo.write("-", SECRET_LINE);
    let run = repo.tree.run_stdin(&["scan", "--", "-"], b"");
    run.assert_code(2);
    assert!(run.stderr().contains("./-"), "{}", run.stderr());
    repo.run(&["scan", "./-"]).assert_code(1);
}

#[test]
fn pre_commit_framework_manifest_declares_both_hooks() {
    let manifest = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"));
    for needle in [
        "- id: leakgate\n",
        "entry: leakgate hook files\n",
        "pass_filenames: true\n",
        "types: [file]\n",
        "- id: leakgate-staged\n",
        "entry: leakgate hook pre-commit\n",
        "pass_filenames: false\n",
        "require_serial: true\n",
        "language: rust\n",
    ] {
        assert!(manifest.contains(needle), "missing {needle:?}");
    }
    assert!(
        !manifest.lines().any(|l| !l.trim_start().starts_with('#') && l.contains("types: [text]")),
        "would drop files pre-commit thinks are binary"
    );
}
