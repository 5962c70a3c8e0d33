//! The working tree's changes not yet staged: what `git diff` shows (the working tree against the index), which
//! is what gitleaks' `protect` without `--staged` scans. Each tracked file the working tree changes is read from
//! disk whole (so a multi-line key is seen entire) and handed on with the lines the change adds; only findings
//! there count. Untracked files are not part of `git diff`, so they are not read (gitleaks does not read them
//! either); a file added with `git add -N` is, every line of it added.
use std::path::{Path, PathBuf};

use git2::{Delta, DiffLineType, DiffOptions, Patch, Repository};

use super::git::{changed_blob, discover, git_error, lines_added, LineSet};
use super::{Origin, Piece};
use crate::error::{Error, Result};
use crate::safe_read::{read_regular, Contents};
use crate::stats::ScanStats;

pub struct WorktreeDiffSource {
    repo: Repository,
}

const MODE_SYMLINK: u32 = 0o120000;

impl WorktreeDiffSource {
    pub fn open(dir: &Path) -> Result<WorktreeDiffSource> {
        let repo = discover(dir)?;
        if repo.is_bare() {
            return Err(Error::config(dir.display().to_string(), "a bare repository has no working tree"));
        }
        Ok(WorktreeDiffSource { repo })
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The working tree root (where `.leakgate.toml` and `.leakgateignore` live).
    pub fn workdir(&self) -> PathBuf {
        self.repo.workdir().map_or_else(|| self.repo.path().to_path_buf(), Path::to_path_buf)
    }

    /// Hands each changed file to `scan` as a piece with the lines the change adds. A file over `max_size`
    /// bytes is counted as too large, one that cannot be read as unread input (in `stats`); deletions have
    /// nothing to scan, submodules are counted as skipped.
    pub fn each_change(
        &self,
        max_size: u64,
        stats: &mut ScanStats,
        mut scan: impl FnMut(Piece<'_>, &mut ScanStats),
    ) -> Result<()> {
        let index = self.repo.index().map_err(|e| git_error("cannot read the index", e))?;
        let mut opts = DiffOptions::new();
        opts.include_typechange(true).ignore_submodules(false).include_untracked(false);
        let diff = self
            .repo
            .diff_index_to_workdir(Some(&index), Some(&mut opts))
            .map_err(|e| git_error("cannot diff the working tree against the index", e))?;
        let root = self.workdir();
        for (i, delta) in diff.deltas().enumerate() {
            if matches!(delta.status(), Delta::Deleted | Delta::Unmodified | Delta::Ignored | Delta::Untracked) {
                continue;
            }
            let (new, old) = (delta.new_file(), delta.old_file());
            let path = new.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            let mode = u32::from(new.mode());
            let old = (!old.id().is_zero()).then(|| (old.id(), u32::from(old.mode())));
            // Submodules are counted and passed over, as in the staged change.
            let Some(file) = changed_blob(path, mode, new.id(), old, delta.status(), stats) else { continue };
            let Some(content) = read_work_file(&root, &file.path, mode, max_size, stats) else { continue };
            // A conflicted file has no one version in the index to compare with: HEAD's is used. (`git add -N`
            // stages the empty blob, against which every line is added.)
            let added = if delta.status() == Delta::Conflicted {
                self.added_to_head(&file.path, &content)
            } else if file.old_blob.is_none() {
                Ok(LineSet::All)
            } else {
                added_lines(&diff, i)
            };
            let added = match added {
                Ok(added) => added,
                Err(e) => {
                    stats.error(format!("{}: {e}", file.path));
                    continue;
                }
            };
            scan(
                Piece { path: &file.path, content: &content, origin: Origin::WorktreeChange { added: &added } },
                stats,
            );
        }
        Ok(())
    }

    /// The lines of a conflicted file that HEAD's version does not have: what the merge brings in, with its
    /// conflict markers (the index holds no single version to compare with). All of them for a file HEAD lacks.
    fn added_to_head(&self, path: &str, content: &[u8]) -> Result<LineSet> {
        let head = match self.repo.head().and_then(|h| h.peel_to_tree()) {
            Ok(tree) => tree,
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => {
                return Ok(LineSet::All)
            }
            Err(e) => return Err(git_error("cannot read HEAD", e)),
        };
        let Ok(entry) = head.get_path(Path::new(path)) else { return Ok(LineSet::All) };
        let blob = self.repo.find_blob(entry.id()).map_err(|e| git_error("cannot read HEAD's version", e))?;
        Ok(lines_added(blob.content(), content))
    }
}

/// A changed file's content in the working tree (a symlink's: its target, as git stores it), or `None` with
/// the reason counted.
fn read_work_file(root: &Path, path: &str, mode: u32, max_size: u64, stats: &mut ScanStats) -> Option<Vec<u8>> {
    let full = root.join(path);
    if mode == MODE_SYMLINK {
        return match std::fs::read_link(&full) {
            Ok(target) => Some(target.as_os_str().as_encoded_bytes().to_vec()),
            Err(e) => {
                stats.error(format!("{path}: cannot read the link: {e}"));
                None
            }
        };
    }
    match read_regular(&full, max_size) {
        Ok(Contents::Text(content)) => Some(content),
        Ok(Contents::TooLarge) => {
            let size = std::fs::metadata(&full).map_or(max_size.saturating_add(1), |m| m.len());
            stats.skip_too_large(path, size);
            None
        }
        Ok(Contents::NotRegular) => {
            stats.error(format!("{path}: not a regular file (a FIFO, socket or device is never read)"));
            None
        }
        Err(e) => {
            stats.error(format!("{path}: cannot read: {e}"));
            None
        }
    }
}

/// The lines of the working file that `git diff` marks as added (libgit2's patch of delta `i`, with the
/// repository's filters and attributes applied as git applies them). Binary content has no lines to mark, so it
/// counts whole.
fn added_lines(diff: &git2::Diff<'_>, i: usize) -> Result<LineSet> {
    let patch = Patch::from_diff(diff, i).map_err(|e| git_error("cannot diff the working file", e))?;
    let Some(patch) = patch.filter(|p| !p.delta().flags().is_binary()) else {
        return Ok(LineSet::All);
    };
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for hunk in 0..patch.num_hunks() {
        let lines = patch.num_lines_in_hunk(hunk).map_err(|e| git_error("cannot read the diff", e))?;
        for n in 0..lines {
            let line = patch.line_in_hunk(hunk, n).map_err(|e| git_error("cannot read the diff", e))?;
            let Some(number) = line.new_lineno().filter(|_| line.origin_value() == DiffLineType::Addition) else {
                continue;
            };
            let number = number as usize;
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == number => *end = number,
                _ => ranges.push((number, number)),
            }
        }
    }
    Ok(LineSet::Ranges(ranges))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// (path, added lines) of each change the source hands on, and its stats.
    fn changes(dir: &Path, max: u64) -> (Vec<(String, LineSet)>, ScanStats) {
        let source = WorktreeDiffSource::open(dir).unwrap();
        let mut stats = ScanStats::default();
        let mut out = Vec::new();
        source
            .each_change(max, &mut stats, |piece, _| match piece.origin {
                Origin::WorktreeChange { added } => out.push((piece.path.to_string(), added.clone())),
                other => panic!("{other:?}"),
            })
            .unwrap();
        (out, stats)
    }

    #[test]
    fn added_lines_are_what_git_diff_adds() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("a.txt"), "1\n2\n3\n4\n5\n").unwrap();
        std::fs::write(dir.join("gone.txt"), "x\n").unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "one"]);
        // Line 2 replaced, two lines added after 4, one file deleted, one untracked, one intent-to-add.
        std::fs::write(dir.join("a.txt"), "1\ntwo\n3\n4\n4a\n4b\n5\n").unwrap();
        std::fs::remove_file(dir.join("gone.txt")).unwrap();
        std::fs::write(dir.join("untracked.txt"), "u\n").unwrap();
        std::fs::write(dir.join("planned.txt"), "p\n").unwrap();
        git(dir, &["add", "-N", "planned.txt"]);
        let (found, stats) = changes(dir, 1 << 20);
        assert_eq!(
            found,
            [
                ("a.txt".to_string(), LineSet::Ranges(vec![(2, 2), (5, 6)])),
                ("planned.txt".to_string(), LineSet::Ranges(vec![(1, 1)]))
            ]
        );
        assert_eq!(stats.error_count, 0);
        // Staged lines are no longer the working tree's change; a file over the limit is counted, not read.
        git(dir, &["add", "a.txt"]);
        std::fs::write(dir.join("a.txt"), "1\ntwo\n3\n4\n4a\n4b\n5\n6\n").unwrap();
        assert_eq!(changes(dir, 1 << 20).0[0], ("a.txt".to_string(), LineSet::Ranges(vec![(8, 8)])));
        let (found, stats) = changes(dir, 4);
        assert!(found.iter().all(|(p, _)| p != "a.txt"), "{found:?}");
        assert_eq!(stats.too_large.len(), 1);
    }
}
