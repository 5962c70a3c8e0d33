//! Whether the pre-commit hook runs for `git commit --amend`. git does not tell its hooks (no argument, and
//! `GIT_REFLOG_ACTION` is not set for a commit, as of git 2.47), yet an amended commit replaces HEAD: compared
//! with HEAD, a secret HEAD already holds would pass. On Linux the `git commit` process that runs the hook is
//! found among this process's ancestors and its arguments are read from `/proc`; elsewhere, or through an alias
//! (`git ca` for `commit --amend`), this cannot be known, and the pre-push hook is the net.
use std::path::Path;

/// How many ancestors are looked at: the hook's shell, a runner such as husky's and its shell, and a few more.
const MAX_DEPTH: usize = 8;

/// True when the nearest `git` ancestor of this process is `git commit --amend`.
pub fn amending() -> bool {
    let mut pid = std::process::id();
    for _ in 0..MAX_DEPTH {
        let Some(parent) = parent_of(pid) else { return false };
        if parent <= 1 {
            return false;
        }
        pid = parent;
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.first().is_some_and(|a| is_git(a)) {
            return is_commit_amend(&args[1..]);
        }
    }
    false
}

fn is_git(arg0: &str) -> bool {
    Path::new(arg0).file_name().is_some_and(|n| n == "git")
}

/// The parent's pid, from `/proc/PID/stat` (its fourth field, after the command name in parentheses, which may
/// itself hold spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// `args` after `git`: global options, then `commit` with `--amend` (or an abbreviation git accepts, `--amen`)
/// before any `--`.
fn is_commit_amend(args: &[String]) -> bool {
    // Global options that take a separate value (`git -C DIR commit`, `git -c k=v commit`).
    let mut rest = args.iter();
    let mut saw_commit = false;
    while let Some(a) = rest.next() {
        if !saw_commit {
            match a.as_str() {
                "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env" => {
                    rest.next();
                }
                "commit" => saw_commit = true,
                s if s.starts_with('-') => {}
                _ => return false,
            }
            continue;
        }
        if a == "--" {
            return false;
        }
        if a.len() >= 5 && "--amend".starts_with(a.as_str()) {
            return true;
        }
        if matches!(a.as_str(), "-m" | "-F" | "-C" | "-c" | "--author" | "--date" | "--fixup" | "--squash") {
            rest.next(); // its value, which could be any text
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amend(line: &str) -> bool {
        is_commit_amend(&line.split(' ').map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn reads_git_commit_arguments() {
        assert!(amend("commit --amend"));
        assert!(amend("commit -q --amend -m msg"));
        assert!(amend("-C /repo -c a=b commit --amen"));
        assert!(!amend("commit -m --amend"));
        assert!(!amend("commit -q -m msg"));
        assert!(!amend("merge --amend"));
        assert!(!amend("commit -- --amend"));
        assert!(!amend("commit --a"));
    }

    #[test]
    fn this_process_is_not_an_amend() {
        assert!(!amending());
        assert!(parent_of(std::process::id()).is_some_and(|p| p > 0) || !Path::new("/proc").exists());
    }
}
