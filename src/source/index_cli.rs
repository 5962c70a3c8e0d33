//! The staged change read through the git CLI, for the indexes libgit2 cannot open: a split index
//! (`core.splitIndex`, `git update-index --split-index`: the `link` extension) and a sparse index
//! (`git sparse-checkout set --sparse-index`, `index.sparse`: the `sdir` extension). libgit2 refuses both with
//! "unsupported mandatory extension"; git itself reads them, so it is asked for the blob ids
//! (`git diff-index --cached -z -M`, `git ls-files -s -z`) and the blobs are still read through libgit2.
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{Delta, Oid};

use crate::error::{Error, Result};

/// git's empty tree: the base of the first commit's change (git knows it without it being in the object store).
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// How to turn off what makes libgit2 fail, for an error message when git cannot help either.
pub const TURN_OFF: &str = "the index uses a split index (core.splitIndex) or a sparse index (index.sparse, \
    `git sparse-checkout set --sparse-index`), which libgit2 cannot read; turn them off with \
    `git config core.splitIndex false && git update-index --no-split-index` or \
    `git sparse-checkout set --no-sparse-index`";

/// True for libgit2's error on an index with an extension it does not know (`link`, `sdir`).
pub fn is_unsupported_index(e: &git2::Error) -> bool {
    e.message().contains("unsupported mandatory extension")
}

/// One change `git diff-index --raw` lists: what [`changed_blob`](super::git::changed_blob) takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawChange {
    pub path: String,
    pub mode: u32,
    pub blob: Oid,
    pub old: Option<(Oid, u32)>,
    pub status: Delta,
}

/// Runs git on the repository at `workdir` with `GIT_INDEX_FILE` naming `index`.
pub struct GitCli {
    workdir: PathBuf,
    index: PathBuf,
}

impl GitCli {
    pub fn new(workdir: &Path, index: &Path) -> GitCli {
        // git resolves a relative GIT_INDEX_FILE from its own working directory: make it absolute here.
        let index = std::path::absolute(index).unwrap_or_else(|_| index.to_path_buf());
        GitCli { workdir: workdir.to_path_buf(), index }
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.workdir)
            .args(args)
            .env("GIT_INDEX_FILE", &self.index)
            .output()
            .map_err(|e| Error::Io { context: format!("cannot run git {} ({TURN_OFF})", args[0]), source: e })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let err = err.lines().next().unwrap_or("").trim();
            return Err(Error::config("the index", format!("`git {}` failed ({err}); {TURN_OFF}", args[0])));
        }
        Ok(out.stdout)
    }

    /// The staged change against `base` (a tree or commit; `None`: the empty tree), renames detected.
    pub fn changes(&self, base: Option<Oid>) -> Result<Vec<RawChange>> {
        let base = base.map_or_else(|| EMPTY_TREE.to_string(), |o| o.to_string());
        let out = self.run(&["diff-index", "--cached", "-z", "-M", "--no-ext-diff", &base, "--"])?;
        parse_raw(&out).ok_or_else(|| Error::config("the index", "unexpected `git diff-index --raw` output"))
    }

    /// (path, blob) of the stage-0 entries directly in `dir` (`""` = the root).
    pub fn files_in(&self, dir: &str) -> Result<Vec<(String, Oid)>> {
        let spec = if dir.is_empty() { ":(top)".to_string() } else { format!(":(top,literal){dir}/") };
        let out = self.run(&["ls-files", "-s", "-z", "--", &spec])?;
        let mut files = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // `<mode> <oid> <stage>\t<path>`
            let text = String::from_utf8_lossy(record);
            let Some((meta, path)) = text.split_once('\t') else { continue };
            let mut meta = meta.split(' ');
            let (Some(_mode), Some(oid), Some("0")) = (meta.next(), meta.next(), meta.next()) else { continue };
            let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
            if parent == dir {
                if let Ok(oid) = Oid::from_str(oid) {
                    files.push((path.to_string(), oid));
                }
            }
        }
        Ok(files)
    }
}

/// Parses `git diff-index --raw -z` records: `:<old mode> <new mode> <old oid> <new oid> <status>` NUL `<path>`
/// NUL, with a second path for renames and copies (whose new path is the one that counts).
fn parse_raw(out: &[u8]) -> Option<Vec<RawChange>> {
    let mut fields = out.split(|&b| b == 0);
    let mut changes = Vec::new();
    while let Some(meta) = fields.next() {
        if meta.is_empty() {
            continue;
        }
        let meta = std::str::from_utf8(meta).ok()?.strip_prefix(':')?;
        let parts: Vec<&str> = meta.split(' ').collect();
        let [old_mode, new_mode, old_oid, new_oid, status] = parts[..] else { return None };
        let letter = status.chars().next()?;
        let mut path = fields.next()?;
        if matches!(letter, 'R' | 'C') {
            path = fields.next()?;
        }
        let status = match letter {
            'A' => Delta::Added,
            'M' => Delta::Modified,
            'T' => Delta::Typechange,
            'R' => Delta::Renamed,
            'C' => Delta::Copied,
            'D' => Delta::Deleted,
            'U' => Delta::Conflicted,
            _ => Delta::Unmodified,
        };
        let old_mode = u32::from_str_radix(old_mode, 8).ok()?;
        let old_oid = Oid::from_str(old_oid).ok()?;
        changes.push(RawChange {
            path: String::from_utf8_lossy(path).into_owned(),
            mode: u32::from_str_radix(new_mode, 8).ok()?,
            blob: Oid::from_str(new_oid).ok()?,
            old: (!old_oid.is_zero() && old_mode != 0).then_some((old_oid, old_mode)),
            status,
        });
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_records() {
        let a = "1".repeat(40);
        let b = "2".repeat(40);
        let z = "0".repeat(40);
        let raw = format!(
            ":000000 100644 {z} {a} A\0new.txt\0:100644 100644 {a} {b} R090\0old name\0new name\0\
             :100644 000000 {a} {z} D\0gone\0"
        );
        let c = parse_raw(raw.as_bytes()).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!((c[0].path.as_str(), c[0].old, c[0].status), ("new.txt", None, Delta::Added));
        assert_eq!(c[1].path, "new name");
        assert_eq!(c[1].old, Some((Oid::from_str(&a).unwrap(), 0o100644)));
        assert_eq!(c[2].status, Delta::Deleted);
        assert!(parse_raw(b":bad\0x\0").is_none());
        assert_eq!(parse_raw(b"").unwrap(), vec![]);
    }
}
