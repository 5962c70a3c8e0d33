//! Keeping the files `install` writes among a worktree's files (a relative `core.hooksPath` such as `.githooks`)
//! out of `git status` and so out of commits: they are listed in the repository's `info/exclude` (in the common
//! git dir, so every worktree shares it), inside a block that `uninstall` removes.
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

const BEGIN: &str = "# >>> leakgate install: hook files it wrote (leakgate uninstall removes this block)";
const END: &str = "# <<< leakgate install";

pub fn exclude_file(common_dir: &Path) -> PathBuf {
    common_dir.join("info").join("exclude")
}

/// The lines of leakgate's block, and the file's text without it.
fn split(text: &str) -> (Vec<String>, String) {
    let mut ours = Vec::new();
    let mut rest = String::new();
    let mut inside = false;
    for line in text.lines() {
        match line {
            BEGIN => inside = true,
            END => inside = false,
            l if inside => ours.push(l.to_string()),
            l => {
                rest.push_str(l);
                rest.push('\n');
            }
        }
    }
    (ours, rest)
}

/// Adds `patterns` (`/path/from/the/worktree/root`) to leakgate's block; returns those that were not there yet.
pub fn add(common_dir: &Path, patterns: &[String]) -> anyhow::Result<Vec<String>> {
    let file = exclude_file(common_dir);
    let text = fs::read_to_string(&file).unwrap_or_default();
    let (mut ours, rest) = split(&text);
    let new: Vec<String> = patterns.iter().filter(|p| !ours.contains(p)).cloned().collect();
    if new.is_empty() {
        return Ok(new);
    }
    ours.extend(new.iter().cloned());
    let mut out = rest;
    out.push_str(BEGIN);
    out.push('\n');
    for p in &ours {
        out.push_str(p);
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::write(&file, out).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(new)
}

/// Removes leakgate's block; true if there was one.
pub fn remove(common_dir: &Path) -> anyhow::Result<bool> {
    let file = exclude_file(common_dir);
    let Ok(text) = fs::read_to_string(&file) else { return Ok(false) };
    if !text.lines().any(|l| l == BEGIN) {
        return Ok(false);
    }
    let (_, rest) = split(&text);
    fs::write(&file, rest).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_added_once_and_removed_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let file = exclude_file(tmp.path());
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, "# git's own comment\n*.log\n").unwrap();
        let a = vec!["/.githooks/pre-commit".to_string()];
        assert_eq!(add(tmp.path(), &a).unwrap(), a);
        assert!(add(tmp.path(), &a).unwrap().is_empty());
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("# git's own comment\n*.log\n") && text.matches("/.githooks/pre-commit").count() == 1);
        assert!(remove(tmp.path()).unwrap());
        assert_eq!(fs::read_to_string(&file).unwrap(), "# git's own comment\n*.log\n");
        assert!(!remove(tmp.path()).unwrap());
    }
}
