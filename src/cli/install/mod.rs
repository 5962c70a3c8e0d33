//! `leakgate install`, `leakgate install --check` and `leakgate uninstall`: put the shipped hook scripts
//! (`hooks/`, embedded here so the installed text cannot drift from the shipped files) where git runs them, say
//! exactly what was written, and never claim a hook git will not run. Where git looks is asked of git itself
//! (`location`); a hook that was there before keeps running (`chain`); files written among a worktree's files
//! are kept out of commits (`exclude`).
mod chain;
mod exclude;
mod location;

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::exit::Outcome;
use super::{InstallArgs, UninstallArgs};
use chain::{exists, is_executable, is_ours, move_to, remove_empty_dir, write_hook, HookFiles};
use location::{git, HookSetup, HooksDir};

pub use chain::MARKER;

pub const PRE_COMMIT: &str = include_str!("../../../hooks/pre-commit");
pub const PRE_MERGE_COMMIT: &str = include_str!("../../../hooks/pre-merge-commit");
pub const PRE_PUSH: &str = include_str!("../../../hooks/pre-push");

/// Every hook leakgate ships, with what it does; `pre-push` only with `--pre-push`.
const HOOKS: [(&str, &str, &str); 3] = [
    ("pre-commit", PRE_COMMIT, "runs `leakgate hook pre-commit` before each commit"),
    ("pre-merge-commit", PRE_MERGE_COMMIT, "runs `leakgate hook pre-merge-commit` before each merge commit"),
    ("pre-push", PRE_PUSH, "runs `leakgate hook pre-push` before each push"),
];

fn wanted(pre_push: bool) -> &'static [(&'static str, &'static str, &'static str)] {
    if pre_push {
        &HOOKS
    } else {
        &HOOKS[..2]
    }
}

fn start(repo: Option<&Path>) -> PathBuf {
    repo.map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Refuses a `core.hooksPath` from the global or system config unless `--global` says to use it.
fn check_scope(setup: &HookSetup, global: bool, command: &str) -> anyhow::Result<()> {
    let shared = setup.hooks_path.as_ref().filter(|s| s.is_shared());
    match (shared, global) {
        (Some(s), false) => bail!(
            "not {command}: core.hooksPath is set in your {} git config to {}, so git runs every repository's hooks \
             from {} (and not from .git/hooks); {command} there would change what all of them run. Run \
             `leakgate {} --global` to do that, or give this repository its own hooks folder first \
             (`git config core.hooksPath .git/hooks`)",
            s.scope,
            s.value,
            setup.current.display(),
            if command == "installing" { "install" } else { "uninstall" },
        ),
        (None, true) => bail!(
            "--global: core.hooksPath is not set in your global or system git config; git runs this repository's \
             hooks from {}: run `leakgate {}` without --global",
            setup.current.display(),
            if command == "installing" { "install" } else { "uninstall" },
        ),
        _ => Ok(()),
    }
}

/// The path of `path` inside `worktree`, `/`-separated, for git pathspecs and exclude patterns.
fn relative(worktree: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(worktree).ok()?;
    Some(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
}

/// True when git tracks the file at `path` in `worktree`.
fn is_tracked(worktree: &Path, path: &Path) -> bool {
    relative(worktree, path)
        .and_then(|rel| git(worktree, &["ls-files", "-z", "--", &format!(":(literal){rel}")]).ok())
        .is_some_and(|out| !out.is_empty())
}

/// True when `.gitignore` or `info/exclude` already keep `path` out of `git status`.
fn is_ignored(worktree: &Path, path: &Path) -> bool {
    relative(worktree, path).is_some_and(|rel| git(worktree, &["check-ignore", "-q", "--no-index", "--", &rel]).is_ok())
}

pub fn install(args: InstallArgs) -> anyhow::Result<Outcome> {
    if args.check {
        return check(&start(args.repo.as_deref()), args.pre_push);
    }
    let setup = HookSetup::find(&start(args.repo.as_deref()))?;
    check_scope(&setup, args.global, "installing")?;
    let hooks = wanted(args.pre_push);
    // Check every hook in every folder before touching any, so a refusal leaves nothing half-installed.
    for d in &setup.dirs {
        for (name, ..) in hooks {
            let f = HookFiles::new(&d.dir, name);
            if !exists(&f.hook) || is_ours(&f.hook) {
                continue;
            }
            if let Some(wt) = d.in_worktree.as_deref().filter(|wt| is_tracked(wt, &f.hook)) {
                bail!(
                    "not installing: {} is tracked in this repository (a hook the team shares through \
                     core.hooksPath), and replacing it would be a change to commit; add `leakgate hook {name}` to \
                     it instead (see the README's Git hooks section), or commit leakgate's hook there on purpose",
                    relative(wt, &f.hook).unwrap_or_default()
                );
            }
            if exists(&f.chained) && !args.force {
                bail!(
                    "not installing: {} is not leakgate's hook and {} already holds a chained hook, so it cannot be \
                     kept there; merge or remove one of them, or run `leakgate install --force` to replace {} \
                     (leakgate's hook will still run {})",
                    f.hook.display(),
                    f.chained.display(),
                    f.hook.display(),
                    f.chained.display()
                );
            }
        }
    }
    let mut excluded = Vec::new();
    for d in &setup.dirs {
        for (name, script, what) in hooks {
            install_one(&HookFiles::new(&d.dir, name), name, script, what, args.force)?;
            if let Some(wt) = &d.in_worktree {
                let f = HookFiles::new(&d.dir, name);
                for (path, dir) in [(&f.hook, false), (&f.chained_dir, true)] {
                    if exists(path) && !is_ignored(wt, path) {
                        let rel = relative(wt, path).unwrap_or_default();
                        excluded.push(if dir { format!("/{rel}/") } else { format!("/{rel}") });
                    }
                }
            }
        }
    }
    if !excluded.is_empty() {
        let added = exclude::add(&setup.common_dir, &excluded)?;
        if !added.is_empty() {
            println!(
                "leakgate: listed {} in {} so that git status does not show them and they are not committed by \
                 accident",
                added.join(" "),
                exclude::exclude_file(&setup.common_dir).display()
            );
        }
    }
    say_coverage(&setup);
    Ok(Outcome::Clean)
}

/// Writes one hook, moving a hook that is not leakgate's to its chained place; prints what it did.
fn install_one(f: &HookFiles, name: &str, script: &str, what: &str, force: bool) -> anyhow::Result<()> {
    let hook = f.hook.display();
    if exists(&f.hook) && is_ours(&f.hook) {
        if exists(&f.legacy) && !exists(&f.chained) {
            move_to(&f.legacy, &f.chained)?;
            println!("leakgate: moved the chained {name} hook {} to {}", f.legacy.display(), f.chained.display());
        }
        write_hook(&f.hook, script)?;
        println!("leakgate: updated the {name} hook {hook} ({what})");
    } else if exists(&f.hook) && exists(&f.chained) {
        debug_assert!(force, "refused above without --force");
        write_hook(&f.hook, script)?;
        println!(
            "leakgate: replaced the {name} hook {hook} with leakgate's (--force; it {what}, after running {})",
            f.chained.display()
        );
    } else if exists(&f.hook) {
        move_to(&f.hook, &f.chained)?;
        write_hook(&f.hook, script)?;
        println!(
            "leakgate: moved the existing {name} hook to {}; wrote leakgate's hook to {hook} (it runs {} first, \
             under its old path and name, then {what})",
            f.chained.display(),
            f.chained.display()
        );
    } else {
        write_hook(&f.hook, script)?;
        if exists(&f.chained) {
            println!(
                "leakgate: wrote the {name} hook {hook} (it runs the chained {} first, then {what})",
                f.chained.display()
            );
        } else {
            println!("leakgate: wrote the {name} hook {hook} ({what})");
        }
    }
    Ok(())
}

/// Says which worktrees run the hooks just written, and what would make them stop.
fn say_coverage(setup: &HookSetup) {
    for d in &setup.dirs {
        let used_by: Vec<String> = d.used_by.iter().map(|p| p.display().to_string()).collect();
        if !used_by.is_empty() {
            println!("leakgate: git runs the hooks in {} for commits in {}", d.dir.display(), used_by.join(", "));
        }
        if is_husky(d) {
            println!(
                "leakgate: {} is husky's folder: husky writes it again when it is set up (`npm install`), which \
                 removes leakgate's hooks; `leakgate install --check` tells, or add `leakgate hook pre-commit` to \
                 .husky/pre-commit instead (see the README)",
                d.dir.display()
            );
        }
    }
    match &setup.hooks_path {
        Some(s) if s.is_shared() => println!(
            "leakgate: core.hooksPath comes from your {} git config: every repository that runs hooks from {} now \
             runs leakgate's",
            s.scope,
            setup.current.display()
        ),
        Some(s) if s.is_relative() => println!(
            "leakgate: core.hooksPath `{}` is relative, so each worktree runs hooks from its own copy of it: a \
             worktree added later needs `leakgate install` run in it",
            s.value
        ),
        _ => {}
    }
}

/// husky v9 points core.hooksPath at `.husky/_`, which holds its runner `h`.
fn is_husky(d: &HooksDir) -> bool {
    d.dir.file_name().is_some_and(|n| n == "_") && d.dir.join("h").is_file()
}

pub fn uninstall(args: UninstallArgs) -> anyhow::Result<Outcome> {
    let setup = HookSetup::find(&start(args.repo.as_deref()))?;
    check_scope(&setup, args.global, "uninstalling")?;
    let mut did = false;
    for d in &setup.dirs {
        for (name, ..) in &HOOKS {
            let f = HookFiles::new(&d.dir, name);
            if exists(&f.hook) {
                if !is_ours(&f.hook) {
                    println!("leakgate: left {} as it is (it is not leakgate's hook)", f.hook.display());
                    forget_chained(&f)?;
                    continue;
                }
                std::fs::remove_file(&f.hook)
                    .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", f.hook.display()))?;
                println!("leakgate: removed the {name} hook {}", f.hook.display());
                did = true;
            }
            for previous in [&f.chained, &f.legacy] {
                if exists(previous) && !exists(&f.hook) {
                    move_to(previous, &f.hook)?;
                    println!(
                        "leakgate: restored the previous {name} hook: moved {} back to {}",
                        previous.display(),
                        f.hook.display()
                    );
                    did = true;
                }
            }
            remove_empty_dir(&f.chained_dir);
        }
        if d.in_worktree.is_some() {
            // A folder among the worktree's files that only leakgate's hooks were in (it made it).
            remove_empty_dir(&d.dir);
        }
    }
    if exclude::remove(&setup.common_dir)? {
        println!("leakgate: removed leakgate's lines from {}", exclude::exclude_file(&setup.common_dir).display());
    }
    if !did {
        println!("leakgate: no leakgate hooks in {}", setup.current.display());
    }
    Ok(Outcome::Clean)
}

/// After a tool wrote its hook back over leakgate's (husky does on `npm install`), the chained copy of that same
/// hook is removed; a different one is left, and said so.
fn forget_chained(f: &HookFiles) -> anyhow::Result<()> {
    if !exists(&f.chained) {
        return Ok(());
    }
    if std::fs::read(&f.chained).ok() == std::fs::read(&f.hook).ok() {
        std::fs::remove_file(&f.chained).map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", f.chained.display()))?;
        remove_empty_dir(&f.chained_dir);
        println!("leakgate: removed {}, the same as {}", f.chained.display(), f.hook.display());
    } else {
        println!(
            "leakgate: left {}, the hook that was there before leakgate's: compare it with {} by hand",
            f.chained.display(),
            f.hook.display()
        );
    }
    Ok(())
}

/// `install --check`: whether git runs leakgate's hooks for commits in this worktree.
fn check(start: &Path, pre_push: bool) -> anyhow::Result<Outcome> {
    let setup = HookSetup::find(start)?;
    let dir = &setup.current;
    let push_installed = exists(&dir.join("pre-push")) && is_ours(&dir.join("pre-push"));
    let mut active = Vec::new();
    for (name, ..) in wanted(pre_push || push_installed) {
        let f = HookFiles::new(dir, name);
        let reason = if !exists(&f.hook) {
            let elsewhere = setup
                .hooks_path
                .as_ref()
                .map(|s| format!(" (core.hooksPath is set to `{}` in the {} config)", s.value, s.scope))
                .unwrap_or_default();
            Some(format!("no {name} hook in {}, where git runs this repository's hooks from{elsewhere}", dir.display()))
        } else if !is_ours(&f.hook) {
            Some(format!("{} is not leakgate's hook (something wrote over it)", f.hook.display()))
        } else if !is_executable(&f.hook) {
            Some(format!("{} is not executable, so git does not run it", f.hook.display()))
        } else {
            None
        };
        if let Some(reason) = reason {
            eprintln!("leakgate: not active: {reason}; run `leakgate install`");
            return Ok(Outcome::NotActive);
        }
        active.push(*name);
    }
    println!("leakgate: active: git runs leakgate's {} hooks from {}", active.join(", "), dir.display());
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_hooks_carry_the_marker_and_fail_closed() {
        for (name, script, _) in HOOKS {
            assert!(script.starts_with("#!/bin/sh\n"), "{name}");
            assert!(script.contains(MARKER), "{name}");
            assert!(script.contains("command -v leakgate"), "{name}");
            assert!(script.contains(&format!("leakgate hook {name}")), "{name}");
            assert!(script.contains(".leakgate-chained/${0##*/}"), "{name}");
        }
        assert!(PRE_COMMIT.contains("git commit --no-verify"));
        assert!(PRE_MERGE_COMMIT.contains("git merge --no-verify"));
        assert!(PRE_PUSH.contains("leakgate hook pre-push \"$@\""));
        assert!(PRE_PUSH.contains("git push --no-verify"));
    }
}
