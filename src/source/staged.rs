//! The staged change: what `git commit` is about to record. Content comes from the index (not the working
//! tree), so a partially staged file is judged by what will be committed. Only the index-vs-HEAD diff is read,
//! so the cost follows the size of the change, not of the repository or its history.
use std::path::{Path, PathBuf};

use git2::{Delta, DiffFindOptions, DiffOptions, Oid, Repository};

use super::git::{added_lines, changed_blob, changed_files, discover, git_error, ChangedFile, LineSet};
use super::index_cli::{is_unsupported_index, GitCli};
use super::index_diff::{staged_changes, IndexChange};
use super::index_file::IndexFile;
use super::mapped_file::MappedFile;
use crate::error::{Error, Result};
use crate::stats::ScanStats;

/// One staged file: its index blob and the lines the change adds to it.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub path: String,
    pub blob: Oid,
    pub old_blob: Option<Oid>,
}

pub struct StagedSource {
    repo: Repository,
    /// The index file the commit will record (`GIT_INDEX_FILE` in a hook), else the repository's own.
    index_path: PathBuf,
    /// What the change is measured against: HEAD, or for `git commit --amend` HEAD's first parent.
    base: StagedBase,
    /// Set when libgit2 could not open `GIT_INDEX_FILE` (a split or sparse index): git is asked instead (see
    /// `index_cli`). For the repository's own index this is found out only when it is needed, as the fast path
    /// never asks libgit2 to load it.
    cli: Option<GitCli>,
}

/// The commit a staged change is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StagedBase {
    /// HEAD: what `git commit` adds to it.
    #[default]
    Head,
    /// HEAD's first parent (nothing for a root commit): what `git commit --amend` records replaces HEAD, so
    /// what HEAD itself added counts too.
    HeadParent,
}

impl StagedSource {
    pub fn open(dir: &Path) -> Result<StagedSource> {
        // Re-hashing every object read is a real share of a pre-commit run. git itself does not verify
        // hashes on read (only `git fsck` does); the blobs were hashed by `git add` moments ago, and zlib's own
        // checksum still catches a damaged object.
        git2::opts::strict_hash_verification(false);
        let repo = discover(dir)?;
        if repo.is_bare() {
            return Err(Error::config(dir.display().to_string(), "a bare repository has no staged changes"));
        }
        let index_path = repo.path().join("index");
        Ok(StagedSource { repo, index_path, base: StagedBase::Head, cli: None })
    }

    /// Measures the change against `base` instead of HEAD.
    pub fn with_base(self, base: StagedBase) -> StagedSource {
        StagedSource { base, ..self }
    }

    /// Reads the staged change from this index file instead of the repository's own. Inside a hook git names
    /// the index the commit will record in `GIT_INDEX_FILE`: `git commit -a` and `git commit PATH...` build a
    /// temporary one (`index.lock`, `next-index-*.lock`), so `.git/index` would miss what they add.
    pub fn with_index_file(self, path: &Path) -> Result<StagedSource> {
        let context = format!("cannot read the index {}", path.display());
        let cli = match git2::Index::open(path) {
            Ok(mut index) => {
                self.repo.set_index(&mut index).map_err(|e| git_error(&context, e))?;
                None
            }
            Err(e) if is_unsupported_index(&e) => Some(GitCli::new(&self.workdir(), path)),
            Err(e) => return Err(git_error(&context, e)),
        };
        Ok(StagedSource { index_path: path.to_path_buf(), cli, ..self })
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The working tree root (where `.leakgate.toml` and `.leakgateignore` live).
    pub fn workdir(&self) -> PathBuf {
        self.repo.workdir().map_or_else(|| self.repo.path().to_path_buf(), Path::to_path_buf)
    }

    /// Files added, modified, renamed, copied or retyped in the index relative to HEAD (everything, when there
    /// is no commit yet). Deletions have nothing to scan; submodules are counted as skipped.
    pub fn changes(&self, stats: &mut ScanStats) -> Result<Vec<StagedFile>> {
        let head_tree = self.base_tree()?;
        if let Some(cli) = &self.cli {
            return changes_from_cli(cli, head_tree.as_ref(), stats);
        }
        if let Some(changes) = self.changes_from_cache_tree(head_tree.as_ref()) {
            let mut files = Vec::new();
            for c in changes {
                let path = String::from_utf8_lossy(&c.path).into_owned();
                let status = if c.old.is_some() { Delta::Modified } else { Delta::Added };
                if let Some(ChangedFile { path, blob, old_blob, .. }) =
                    changed_blob(path, c.mode, c.oid, c.old, status, stats)
                {
                    files.push(StagedFile { path, blob, old_blob });
                }
            }
            return Ok(files);
        }
        self.changes_from_libgit2(head_tree.as_ref(), stats)
    }

    /// The tree the change is measured against: HEAD's (or its first parent's, see [`StagedBase`]); `None`
    /// before the first commit, or when amending a root commit.
    fn base_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        let head = match self.repo.head() {
            Ok(head) => head.peel_to_commit().map_err(|e| git_error("cannot read HEAD's commit", e))?,
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => return Ok(None),
            Err(e) => return Err(git_error("cannot read HEAD", e)),
        };
        let commit = match self.base {
            StagedBase::Head => head,
            StagedBase::HeadParent => match head.parent(0) {
                Ok(parent) => parent,
                Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
                Err(e) => return Err(git_error("cannot read HEAD's parent", e)),
            },
        };
        commit.tree().map(Some).map_err(|e| git_error("cannot read the base commit's tree", e))
    }

    /// libgit2's diff of HEAD's tree against the index, with rename detection.
    fn changes_from_libgit2(
        &self,
        head_tree: Option<&git2::Tree<'_>>,
        stats: &mut ScanStats,
    ) -> Result<Vec<StagedFile>> {
        let index = match self.repo.index() {
            Ok(index) => index,
            Err(e) if is_unsupported_index(&e) => return changes_from_cli(&self.git_cli(), head_tree, stats),
            Err(e) => return Err(git_error("cannot read the index", e)),
        };
        let mut opts = DiffOptions::new();
        opts.include_typechange(true).ignore_submodules(false);
        let mut diff = self
            .repo
            .diff_tree_to_index(head_tree, Some(&index), Some(&mut opts))
            .map_err(|e| git_error("cannot diff the index against HEAD", e))?;
        // Renames keep their old blob, so only lines actually changed count as added.
        diff.find_similar(Some(DiffFindOptions::new().renames(true).copies(false)))
            .map_err(|e| git_error("cannot detect renames", e))?;
        let mut files = Vec::new();
        for ChangedFile { path, blob, old_blob, status } in changed_files(&diff, stats) {
            if status == Delta::Conflicted {
                stats.error(format!("{path}: unresolved merge conflict in the index"));
                continue;
            }
            files.push(StagedFile { path, blob, old_blob });
        }
        Ok(files)
    }

    /// The fast path (see `index_diff`); `None` leaves the change to libgit2's diff: an index this reader does
    /// not handle, possible renames, or an object it could not read (libgit2 then reports the error properly).
    fn changes_from_cache_tree(&self, head: Option<&git2::Tree<'_>>) -> Option<Vec<IndexChange>> {
        let data = MappedFile::open(&self.index_path).ok()?;
        let index = IndexFile::parse(&data)?;
        staged_changes(&self.repo, &index, head).ok().flatten()
    }

    /// Staged blobs of the files directly in `dir` (`""` = the root) whose names satisfy `keep`: the siblings a
    /// Terraform module needs to resolve variables declared in files the change did not touch.
    pub fn index_files_in(&self, dir: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, Oid)>> {
        let from_git = |cli: &GitCli| -> Result<Vec<(String, Oid)>> {
            Ok(cli.files_in(dir)?.into_iter().filter(|(p, _)| keep(p)).collect())
        };
        if let Some(cli) = &self.cli {
            return from_git(cli);
        }
        let index = match self.repo.index() {
            Ok(index) => index,
            Err(e) if is_unsupported_index(&e) => return from_git(&self.git_cli()),
            Err(e) => return Err(git_error("cannot read the index", e)),
        };
        let mut out = Vec::new();
        for entry in index.iter() {
            let path = String::from_utf8_lossy(&entry.path).into_owned();
            let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
            if parent == dir && keep(&path) {
                out.push((path, entry.id));
            }
        }
        Ok(out)
    }

    /// Asks git for what libgit2 cannot read in the index.
    fn git_cli(&self) -> GitCli {
        GitCli::new(&self.workdir(), &self.index_path)
    }

    /// The lines of a staged file that the commit adds.
    pub fn added_lines(&self, file: &StagedFile) -> Result<LineSet> {
        added_lines(&self.repo, file.old_blob, file.blob)
    }
}

/// The staged change as git lists it (see `index_cli`); deletions have nothing to scan.
fn changes_from_cli(cli: &GitCli, base: Option<&git2::Tree<'_>>, stats: &mut ScanStats) -> Result<Vec<StagedFile>> {
    let mut files = Vec::new();
    for c in cli.changes(base.map(|t| t.id()))? {
        match c.status {
            Delta::Conflicted => stats.error(format!("{}: unresolved merge conflict in the index", c.path)),
            Delta::Deleted | Delta::Unmodified => {}
            status => {
                if let Some(ChangedFile { path, blob, old_blob, .. }) =
                    changed_blob(c.path, c.mode, c.blob, c.old, status, stats)
                {
                    files.push(StagedFile { path, blob, old_blob });
                }
            }
        }
    }
    Ok(files)
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

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The cache-tree path, or a note that it left the change to libgit2; and libgit2's answer.
    type Changes = Vec<(String, Oid, Option<Oid>)>;

    fn both(dir: &Path) -> (Option<Changes>, Changes) {
        let source = StagedSource::open(dir).unwrap();
        let head = source.repo.head().ok().map(|h| h.peel_to_tree().unwrap());
        let key = |f: StagedFile| (f.path, f.blob, f.old_blob);
        let fast = source.changes_from_cache_tree(head.as_ref()).map(|changes| {
            let mut stats = ScanStats::default();
            let mut out: Vec<_> = changes
                .into_iter()
                .filter_map(|c| {
                    let path = String::from_utf8_lossy(&c.path).into_owned();
                    changed_blob(path, c.mode, c.oid, c.old, Delta::Modified, &mut stats)
                })
                .map(|c| (c.path, c.blob, c.old_blob))
                .collect();
            out.sort();
            out
        });
        let mut slow: Vec<_> = source
            .changes_from_libgit2(head.as_ref(), &mut ScanStats::default())
            .unwrap()
            .into_iter()
            .map(key)
            .collect();
        slow.sort();
        (fast, slow)
    }

    #[test]
    fn cache_tree_path_agrees_with_libgit2() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        // Before the first commit everything staged is new.
        for i in 0..30 {
            write(dir, &format!("d{}/e{}/f{i}.txt", i % 3, i % 5), &format!("line {i}\n"));
        }
        write(dir, "top.txt", "top\n");
        git(dir, &["add", "-A"]);
        let (fast, slow) = both(dir);
        assert_eq!(slow.len(), 31);
        assert_eq!(fast.as_ref(), Some(&slow));
        git(dir, &["commit", "-q", "-m", "one"]);
        assert_eq!(both(dir), (Some(vec![]), vec![]));

        // Modifications deep and at the top, a new file in an old folder and in a new folder, a mode change.
        write(dir, "d1/e1/f1.txt", "line 1\nadded\n");
        write(dir, "top.txt", "top\nmore\n");
        write(dir, "d2/e2/new.txt", "new\n");
        write(dir, "n1/n2/n3/deep.txt", "deep\n");
        git(dir, &["add", "-A"]);
        git(dir, &["update-index", "--chmod=+x", "d0/e0/f0.txt"]);
        let (fast, slow) = both(dir);
        assert_eq!(slow.len(), 5, "{slow:?}");
        assert_eq!(fast.as_ref(), Some(&slow));

        // The same change in an index of version 4 (paths prefix-compressed).
        git(dir, &["update-index", "--index-version", "4"]);
        let (fast, slow) = both(dir);
        assert_eq!(fast.as_ref(), Some(&slow));
        git(dir, &["commit", "-q", "-m", "two"]);

        // A file becomes a folder and a folder a file: removals with additions are left to libgit2's renames.
        std::fs::remove_file(dir.join("top.txt")).unwrap();
        write(dir, "top.txt/inner.txt", "inner\n");
        git(dir, &["add", "-A"]);
        assert_eq!(both(dir).0, None);
        git(dir, &["commit", "-q", "-m", "three"]);

        // A rename is left to libgit2; a deletion alone is not, and has nothing to scan.
        git(dir, &["mv", "d0/e0/f0.txt", "d0/moved.txt"]);
        assert_eq!(both(dir).0, None);
        git(dir, &["reset", "-q", "--hard"]);
        git(dir, &["rm", "-q", "d0/e0/f0.txt"]);
        assert_eq!(both(dir), (Some(vec![]), vec![]));

        // A split index is read by neither: git is asked for the change instead.
        git(dir, &["reset", "-q", "--hard"]);
        write(dir, "top.txt/inner.txt", "changed\n");
        git(dir, &["add", "-A"]);
        git(dir, &["update-index", "--split-index"]);
        let source = StagedSource::open(dir).unwrap();
        let files = source.changes(&mut ScanStats::default()).unwrap();
        assert_eq!(files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["top.txt/inner.txt"]);
        assert!(files[0].old_blob.is_some());
    }
}
