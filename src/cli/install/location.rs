//! Where git runs this repository's hooks from, as git itself works it out: `git rev-parse --git-path hooks`
//! in each worktree (git expands `~`, reads global and per-worktree config, and resolves a relative
//! `core.hooksPath` from each worktree's root). libgit2 is not asked: it does not expand `~`, and a reader of
//! our own would drift from git's rules. Each distinct folder is listed with the worktrees that run hooks from it.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// Where `core.hooksPath` is set, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HooksPathSetting {
    pub value: String,
    /// git's name for the config file it comes from: `local`, `worktree`, `global`, `system`, `command`.
    pub scope: String,
}

impl HooksPathSetting {
    /// Set outside this repository's own config: the folder serves every repository of the user.
    pub fn is_shared(&self) -> bool {
        !matches!(self.scope.as_str(), "local" | "worktree")
    }

    /// A relative path: each worktree runs hooks from its own copy of the folder.
    pub fn is_relative(&self) -> bool {
        !(self.value.starts_with('/') || self.value.starts_with('~'))
    }
}

/// One folder git runs hooks from.
#[derive(Debug, Clone)]
pub struct HooksDir {
    pub dir: PathBuf,
    /// The worktrees (or the bare repository's git dir) whose commits run hooks from it.
    pub used_by: Vec<PathBuf>,
    /// The worktree whose files it lies among (not under `.git`): what is written there is seen by `git status`.
    pub in_worktree: Option<PathBuf>,
}

/// Where the hooks of one repository run from.
#[derive(Debug)]
pub struct HookSetup {
    /// The folder the worktree leakgate was started in runs hooks from.
    pub current: PathBuf,
    /// Every folder some worktree runs hooks from, the current one first.
    pub dirs: Vec<HooksDir>,
    pub hooks_path: Option<HooksPathSetting>,
    /// The common git dir (shared by all worktrees): `info/exclude` is there.
    pub common_dir: PathBuf,
}

/// Runs git in `dir`; its stdout, or an error with git's first line of stderr.
pub fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git (leakgate asks git where it runs hooks from; is git on PATH?)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("git {}: {}", args.join(" "), err.lines().next().unwrap_or("failed").trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The hooks folder git uses when run in `dir`.
fn hooks_dir_of(dir: &Path) -> anyhow::Result<PathBuf> {
    let out = git(dir, &["rev-parse", "--path-format=absolute", "--git-path", "hooks"])?;
    Ok(normalize(Path::new(out.trim_end_matches('\n'))))
}

impl HookSetup {
    pub fn find(start: &Path) -> anyhow::Result<HookSetup> {
        if let Err(e) = git(start, &["rev-parse", "--git-dir"]) {
            bail!("{}: not a git repository ({e})", start.display());
        }
        let current = hooks_dir_of(start)?;
        let common_dir =
            normalize(Path::new(git(start, &["rev-parse", "--path-format=absolute", "--git-common-dir"])?.trim_end()));
        let hooks_path = match git(start, &["config", "--show-scope", "--get", "core.hooksPath"]) {
            Ok(out) => out
                .trim_end()
                .split_once('\t')
                .map(|(scope, value)| HooksPathSetting { value: value.to_string(), scope: scope.to_string() }),
            Err(_) => None, // not set (git exits 1)
        };
        let mut dirs: Vec<HooksDir> = Vec::new();
        for worktree in worktrees(start)? {
            let Ok(dir) = hooks_dir_of(&worktree) else { continue };
            let in_worktree = (dir.starts_with(&worktree)
                && !dir.starts_with(worktree.join(".git"))
                && !dir.starts_with(&common_dir))
            .then(|| worktree.clone());
            match dirs.iter_mut().find(|d| d.dir == dir) {
                Some(d) => d.used_by.push(worktree),
                None => dirs.push(HooksDir { dir, used_by: vec![worktree], in_worktree }),
            }
        }
        match dirs.iter().position(|d| d.dir == current) {
            Some(i) => dirs[..=i].rotate_right(1),
            None => dirs.insert(0, HooksDir { dir: current.clone(), used_by: Vec::new(), in_worktree: None }),
        }
        Ok(HookSetup { current, dirs, hooks_path, common_dir })
    }
}

/// The worktrees of the repository (`git worktree list`), main one first; a bare repository is its git dir.
/// Worktrees whose folder is gone (prunable) are left out.
fn worktrees(start: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let out = git(start, &["worktree", "list", "--porcelain", "-z"])?;
    let mut list = Vec::new();
    for entry in out.split("\0\0") {
        let mut path = None;
        let mut usable = true;
        for field in entry.split('\0') {
            if let Some(p) = field.strip_prefix("worktree ") {
                path = Some(normalize(Path::new(p)));
            } else if field.starts_with("prunable") {
                usable = false;
            }
        }
        if let Some(p) = path.filter(|p| usable && p.exists()) {
            list.push(p);
        }
    }
    Ok(list)
}

/// The path with symbolic links resolved as far as it exists (the rest appended), so paths git prints and paths
/// from elsewhere compare equal.
pub fn normalize(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}
