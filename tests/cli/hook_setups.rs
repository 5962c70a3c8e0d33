//! `leakgate install` in the set-ups teams run git in (issue 21): a global or `~` core.hooksPath, a relative one
//! with several worktrees, husky v9's and lefthook's hook folders (built here as those tools write them), and
//! `install --check`. Every case commits through real git with the installed hooks.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::git::{git_in, Repo};
use crate::hooks::{
    git_lg, head, hooks, leakgate_in, make_executable, path_with_leakgate, read, write_script, SECRET_LINE,
};
use crate::support::*;

/// A home folder of its own, so `git config --global` and `~` never touch the real ones.
struct Home {
    tree: Tree,
}

impl Home {
    fn new() -> Home {
        let home = Home { tree: Tree::new() };
        home.tree.write(".gitconfig", "");
        home
    }

    fn path(&self) -> &Path {
        self.tree.path()
    }

    fn env(&self, c: &mut Command) {
        c.env("HOME", self.path())
            .env("GIT_CONFIG_GLOBAL", self.path().join(".gitconfig"))
            .env("PATH", path_with_leakgate())
            .env_remove("GIT_INDEX_FILE");
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Run {
        let mut c = Command::new("git");
        self.env(&mut c);
        Run(c.current_dir(dir).args(args).output().unwrap())
    }

    fn leakgate(&self, dir: &Path, args: &[&str]) -> Run {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("leakgate"));
        self.env(&mut c);
        Run(c.current_dir(dir).args(args).output().unwrap())
    }
}

fn one_line(run: &Run) -> String {
    let err = run.stderr();
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    err
}

/// Stages a secret and commits with `commit`; the commit must be refused and HEAD stay.
fn assert_secret_blocked(dir: &Path, commit: impl Fn(&[&str]) -> Run) {
    std::fs::write(dir.join("app.env"), SECRET_LINE).unwrap();
    git_in(dir, &["add", "app.env"]);
    let before = head(dir);
    let run = commit(&["commit", "-q", "-m", "leak"]);
    assert_ne!(run.code(), 0, "the secret was committed: {}", run.stderr());
    assert!(run.stderr().contains("commit blocked"), "{}", run.stderr());
    assert_eq!(head(dir), before);
    git_in(dir, &["reset", "-q"]);
    std::fs::remove_file(dir.join("app.env")).unwrap();
}

fn status(dir: &Path) -> String {
    git_in(dir, &["status", "--porcelain", "--untracked-files=all"])
}

#[test]
fn global_hooks_path_is_refused_unless_asked_and_never_reported_as_installed() {
    let home = Home::new();
    let shared = home.path().join("global-hooks");
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    home.git(repo.path(), &["config", "--global", "core.hooksPath", shared.to_str().unwrap()]).assert_code(0);

    // Refused: one line naming the folder, where the setting comes from and the flag.
    let run = home.leakgate(repo.path(), &["install"]);
    run.assert_code(2);
    let err = one_line(&run);
    assert!(err.contains("global") && err.contains(shared.to_str().unwrap()) && err.contains("--global"), "{err}");
    assert!(!hooks(&repo).join("pre-commit").exists(), "nothing git would not run");
    assert!(!shared.exists(), "nothing written there either");
    let run = home.leakgate(repo.path(), &["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains("not active"), "{}", run.stderr());

    // The old failure: a hook in .git/hooks that git skips. --check says so.
    write_script(&hooks(&repo).join("pre-commit"), "# leakgate-managed-hook\nexit 1");
    let run = home.leakgate(repo.path(), &["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains("core.hooksPath"), "{}", run.stderr());
    std::fs::remove_file(hooks(&repo).join("pre-commit")).unwrap();

    // Asked for: written to the global folder, and it blocks.
    let run = home.leakgate(repo.path(), &["install", "--global"]);
    run.assert_code(0);
    let written = shared.canonicalize().unwrap().join("pre-commit");
    assert!(run.stdout().contains(&written.display().to_string()), "{}", run.stdout());
    assert!(run.stdout().contains("every repository"), "{}", run.stdout());
    home.leakgate(repo.path(), &["install", "--check"]).assert_code(0);
    assert_secret_blocked(repo.path(), |args| home.git(repo.path(), args));

    // Uninstalling there is as deliberate.
    home.leakgate(repo.path(), &["uninstall"]).assert_code(2);
    home.leakgate(repo.path(), &["uninstall", "--global"]).assert_code(0);
    assert!(!written.exists());
    // --global without a global setting is a mistake, said in one line.
    let plain = Repo::new();
    let run = leakgate_in(plain.path(), &["install", "--global"]);
    run.assert_code(2);
    one_line(&run);
}

#[test]
fn tilde_hooks_path_installs_where_git_expands_it() {
    let home = Home::new();
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["config", "core.hooksPath", "~/team-hooks"]);
    let run = home.leakgate(repo.path(), &["install"]);
    run.assert_code(0);
    let hook = home.path().canonicalize().unwrap().join("team-hooks/pre-commit");
    assert!(hook.exists(), "{}", run.stdout());
    assert!(run.stdout().contains(&hook.display().to_string()), "{}", run.stdout());
    assert!(!repo.path().join("~").exists(), "not a folder literally named ~");
    home.leakgate(repo.path(), &["install", "--check"]).assert_code(0);
    assert_secret_blocked(repo.path(), |args| home.git(repo.path(), args));
}

#[test]
fn install_check_tells_whether_git_runs_the_hooks() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    let run = repo.run(&["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains("no pre-commit hook"), "{}", run.stderr());
    repo.run(&["install"]).assert_code(0);
    let run = repo.run(&["install", "--check"]);
    run.assert_code(0);
    assert!(run.stdout().contains("pre-commit, pre-merge-commit"), "{}", run.stdout());
    // Not executable: git skips it.
    let hook = hooks(&repo).join("pre-commit");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let run = repo.run(&["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains("not executable"), "{}", run.stderr());
    // A hooks path set after installing moves where git looks.
    repo.run(&["install"]).assert_code(0);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let run = repo.run(&["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains(".githooks"), "{}", run.stderr());
    // Someone else's hook in its place.
    repo.git(&["config", "--unset", "core.hooksPath"]);
    write_script(&hook, "exit 0");
    let run = repo.run(&["install", "--check"]);
    run.assert_code(1);
    assert!(one_line(&run).contains("not leakgate's"), "{}", run.stderr());
    // Bad input: one line, exit 2.
    let run = repo.run(&["install", "--check", "--force"]);
    run.assert_code(2);
    one_line(&run);
    let outside = Tree::new();
    let run = leakgate_in(outside.path(), &["install", "--check"]);
    run.assert_code(2);
    assert!(one_line(&run).contains("not a git repository"), "{}", run.stderr());
}

#[test]
fn relative_hooks_path_covers_every_worktree_and_leaves_nothing_to_commit() {
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let parent = Tree::new();
    let wt: PathBuf = parent.path().join("wt");
    repo.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    let run = repo.run(&["install"]);
    run.assert_code(0);
    let out = run.stdout();
    for dir in [repo.path().canonicalize().unwrap(), wt.canonicalize().unwrap()] {
        assert!(dir.join(".githooks/pre-commit").exists(), "{}: {out}", dir.display());
        assert!(out.contains(&dir.join(".githooks/pre-commit").display().to_string()), "{out}");
    }
    assert!(out.contains("worktree added later"), "{out}");
    assert!(out.contains("info/exclude"), "{out}");
    // Nothing untracked to commit by accident, in either worktree.
    assert_eq!(status(repo.path()), "");
    assert_eq!(status(&wt), "");
    assert_secret_blocked(&wt, |args| git_lg(&wt, args));
    assert_secret_blocked(repo.path(), |args| git_lg(repo.path(), args));

    repo.run(&["uninstall"]).assert_code(0);
    assert!(!repo.path().join(".githooks/pre-commit").exists() && !wt.join(".githooks/pre-commit").exists());
    assert!(!read(&repo.path().join(".git/info/exclude")).contains("leakgate"));
    assert!(!repo.path().join(".githooks").exists(), "the folder install made is gone");
}

#[test]
fn a_tracked_shared_hook_is_not_replaced() {
    let repo = Repo::new();
    write_script(&repo.path().join(".githooks/pre-commit"), "echo team hook");
    repo.git(&["add", ".githooks/pre-commit"]);
    repo.git(&["commit", "-q", "-m", "team hooks"]);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let run = repo.run(&["install"]);
    run.assert_code(2);
    let err = one_line(&run);
    assert!(err.contains("tracked") && err.contains("leakgate hook pre-commit"), "{err}");
    assert_eq!(status(repo.path()), "", "untouched");
}

/// husky v9.1's files, as `husky` writes them: the runner `h` and one two-line hook per git hook.
const HUSKY_H: &str = r#"#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

i="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
"#;

/// What husky 9.1.1 to 9.1.7 write as each `.husky/_/<hook>`.
const HUSKY_HOOK: &str = "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"";

fn husky_repo(marker: &Path) -> Repo {
    let repo = Repo::new();
    repo.write(".husky/pre-commit", format!("echo husky-ran >> '{}'\n", marker.display()));
    repo.commit_file("README.md", "hello\n", "init");
    repo.git(&["add", ".husky/pre-commit"]);
    repo.git(&["commit", "-q", "-m", "husky"]);
    repo.write(".husky/_/.gitignore", "*");
    let h = repo.path().join(".husky/_/h");
    std::fs::write(&h, HUSKY_H).unwrap();
    make_executable(&h);
    for hook in ["pre-commit", "pre-merge-commit", "pre-push"] {
        let p = repo.path().join(format!(".husky/_/{hook}"));
        std::fs::write(&p, HUSKY_HOOK).unwrap();
        make_executable(&p);
    }
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    repo
}

#[test]
fn husky_v9_keeps_running_after_install() {
    let tmp = Tree::new();
    let marker = tmp.path().join("husky-ran");
    let repo = husky_repo(&marker);
    let run = repo.run(&["install"]);
    run.assert_code(0);
    assert!(run.stdout().contains("husky"), "says husky may write over it: {}", run.stdout());
    let chained = repo.path().join(".husky/_/pre-commit.leakgate-chained/pre-commit");
    assert!(read(&chained).contains("/h\""), "husky's hook kept under its own name");
    assert_eq!(status(repo.path()), "", "husky's folder is ignored: nothing to commit");

    // A clean commit runs husky's .husky/pre-commit and leakgate.
    repo.write("notes.txt", "fine\n");
    repo.git(&["add", "notes.txt"]);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "clean"]);
    run.assert_code(0);
    assert_eq!(read(&marker), "husky-ran\n", "husky's hook ran once: {}", run.stderr());
    assert!(run.stderr().contains("leakgate: 0 findings"), "{}", run.stderr());
    assert_secret_blocked(repo.path(), |args| git_lg(repo.path(), args));

    // husky's hook failing still blocks a clean commit.
    repo.write(".husky/pre-commit", "echo 'lint failed' >&2\nexit 1\n");
    repo.write("more.txt", "more\n");
    repo.git(&["add", "more.txt"]);
    let run = git_lg(repo.path(), &["commit", "-q", "-m", "lint"]);
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("lint failed"), "{}", run.stderr());

    // husky set up again writes its hook back: --check notices.
    std::fs::write(repo.path().join(".husky/_/pre-commit"), HUSKY_HOOK).unwrap();
    repo.run(&["install", "--check"]).assert_code(1);
    repo.run(&["uninstall"]).assert_code(0);
    assert!(read(&repo.path().join(".husky/_/pre-commit")).contains("/h\""));
    assert!(!repo.path().join(".husky/_/pre-commit.leakgate-chained").exists());
}

/// PATH with a fake `lefthook` that logs how it was called and exits with `$LEFTHOOK_FAKE_EXIT` (default 0).
fn path_with_lefthook(dir: &Path, log: &Path) -> OsString {
    let bin = dir.join("bin");
    write_script(
        &bin.join("lefthook"),
        &format!("echo \"$*\" >> '{}'\nexit \"${{LEFTHOOK_FAKE_EXIT:-0}}\"", log.display()),
    );
    let rest = path_with_leakgate();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).unwrap()
}

#[test]
fn lefthook_keeps_running_after_install() {
    let tmp = Tree::new();
    let log = tmp.path().join("lefthook.log");
    let path = path_with_lefthook(tmp.path(), &log);
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "init");
    // The hook `lefthook install` writes, cut down to its call.
    write_script(
        &hooks(&repo).join("pre-commit"),
        "if [ \"$LEFTHOOK\" = \"0\" ]; then exit 0; fi\ncall_lefthook() { lefthook \"$@\"; }\ncall_lefthook run \"pre-commit\" \"$@\"",
    );
    repo.run(&["install"]).assert_code(0);
    let git = |args: &[&str], fail: &str| {
        let out = Command::new("git")
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("LEFTHOOK_FAKE_EXIT", fail)
            .env_remove("GIT_INDEX_FILE")
            .args(args)
            .output()
            .unwrap();
        Run(out)
    };
    repo.write("notes.txt", "fine\n");
    repo.git(&["add", "notes.txt"]);
    git(&["commit", "-q", "-m", "clean"], "0").assert_code(0);
    assert_eq!(read(&log), "run pre-commit\n");
    assert_secret_blocked(repo.path(), |args| git(args, "0"));
    repo.write("more.txt", "more\n");
    repo.git(&["add", "more.txt"]);
    assert_ne!(git(&["commit", "-q", "-m", "lefthook says no"], "1").code(), 0);
}
