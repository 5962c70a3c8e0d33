//! `leakgate install` and `leakgate uninstall`: put the shipped hook scripts (`hooks/`, embedded here so the
//! installed text cannot drift from the shipped files) into the folder git runs hooks from — `core.hooksPath`
//! if set (relative to the working tree root, or to the git dir of a bare repository), else the `hooks` folder
//! of the common git dir, which linked worktrees share. A hook that is not leakgate's is never overwritten
//! silently: it is kept as `<name>.local`, which leakgate's hook runs first. Ours carry [`MARKER`].
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use git2::Repository;

use super::exit::Outcome;
use super::{InstallArgs, UninstallArgs};

pub const PRE_COMMIT: &str = include_str!("../../hooks/pre-commit");
pub const PRE_PUSH: &str = include_str!("../../hooks/pre-push");

/// The comment that marks a hook file as leakgate's.
pub const MARKER: &str = "# leakgate-managed-hook";

const HOOKS: [(&str, &str); 2] = [("pre-commit", PRE_COMMIT), ("pre-push", PRE_PUSH)];

pub fn install(args: InstallArgs) -> anyhow::Result<Outcome> {
    let dir = hooks_dir(args.repo.as_deref())?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let wanted = if args.pre_push { 2 } else { 1 };
    // Check every hook before touching any, so a refusal leaves nothing half-installed.
    for (name, _) in &HOOKS[..wanted] {
        let (path, local) = paths(&dir, name);
        if exists(&path) && !is_ours(&path) && exists(&local) && !args.force {
            bail!(
                "not installing: {} is not leakgate's hook and {} already exists, so it cannot be kept as the \
                 chained hook; merge or remove one of them, or run `leakgate install --force` to replace {} \
                 (leakgate's hook will still run {})",
                path.display(),
                local.display(),
                path.display(),
                local.display()
            );
        }
    }
    for (name, script) in &HOOKS[..wanted] {
        let (path, local) = paths(&dir, name);
        let what = if *name == "pre-commit" {
            "runs `leakgate scan --staged` before each commit"
        } else {
            "runs `leakgate hook pre-push` before each push"
        };
        if exists(&path) && is_ours(&path) {
            write_hook(&path, script)?;
            println!("leakgate: updated the {name} hook {} ({what})", path.display());
        } else if exists(&path) && exists(&local) {
            // Only with --force (checked above).
            write_hook(&path, script)?;
            println!(
                "leakgate: replaced the {name} hook {} with leakgate's (--force; it {what}, after running {})",
                path.display(),
                local.display()
            );
        } else if exists(&path) {
            fs::rename(&path, &local)
                .with_context(|| format!("cannot move {} to {}", path.display(), local.display()))?;
            write_hook(&path, script)?;
            println!(
                "leakgate: moved the existing {name} hook to {}; wrote leakgate's hook to {} (it runs {} first, \
                 then {what})",
                local.display(),
                path.display(),
                local.display()
            );
        } else {
            write_hook(&path, script)?;
            if exists(&local) {
                println!(
                    "leakgate: wrote the {name} hook {} (it runs the existing {} first, then {what})",
                    path.display(),
                    local.display()
                );
            } else {
                println!("leakgate: wrote the {name} hook {} ({what})", path.display());
            }
        }
    }
    Ok(Outcome::Clean)
}

pub fn uninstall(args: UninstallArgs) -> anyhow::Result<Outcome> {
    let dir = hooks_dir(args.repo.as_deref())?;
    let mut did = false;
    for (name, _) in &HOOKS {
        let (path, local) = paths(&dir, name);
        if exists(&path) {
            if !is_ours(&path) {
                println!("leakgate: left {} as it is (it is not leakgate's hook)", path.display());
                continue;
            }
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            println!("leakgate: removed the {name} hook {}", path.display());
            did = true;
        }
        if exists(&local) && !exists(&path) {
            fs::rename(&local, &path)
                .with_context(|| format!("cannot move {} to {}", local.display(), path.display()))?;
            println!(
                "leakgate: restored the previous {name} hook: moved {} back to {}",
                local.display(),
                path.display()
            );
            did = true;
        }
    }
    if !did {
        println!("leakgate: no leakgate hooks in {}", dir.display());
    }
    Ok(Outcome::Clean)
}

/// The folder git runs this repository's hooks from.
pub fn hooks_dir(repo_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let start = repo_dir.unwrap_or(Path::new("."));
    let repo = crate::source::git::discover(start)?;
    let config = repo.config().context("cannot read the repository's git config")?;
    match config.get_path("core.hooksPath") {
        Ok(p) if !p.as_os_str().is_empty() => Ok(if p.is_absolute() {
            p
        } else {
            // githooks(5): hooks run from the working tree root, or the git dir of a bare repository.
            run_dir(&repo).join(p)
        }),
        Ok(_) => Ok(repo.commondir().join("hooks")),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(repo.commondir().join("hooks")),
        Err(e) => Err(anyhow::anyhow!("cannot read core.hooksPath: {}", e.message())),
    }
}

fn run_dir(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

fn paths(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    (dir.join(name), dir.join(format!("{name}.local")))
}

/// True for anything at `path`, a dangling symlink included (it would still be in the way).
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn is_ours(path: &Path) -> bool {
    fs::read(path).is_ok_and(|c| c.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
}

/// Writes a hook as a new executable file (a symlink in the way is replaced, not written through).
fn write_hook(path: &Path, script: &str) -> anyhow::Result<()> {
    if exists(path) {
        fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    fs::write(path, script).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_hooks_carry_the_marker_and_fail_closed() {
        for (name, script) in HOOKS {
            assert!(script.starts_with("#!/bin/sh\n"), "{name}");
            assert!(script.contains(MARKER), "{name}");
            assert!(script.contains("command -v leakgate"), "{name}");
        }
        assert!(PRE_COMMIT.contains("leakgate scan --staged"));
        assert!(PRE_COMMIT.contains("git commit --no-verify"));
        assert!(PRE_PUSH.contains("leakgate hook pre-push \"$@\""));
        assert!(PRE_PUSH.contains("git push --no-verify"));
    }
}
