//! The staged change: what `git commit` is about to record. Content comes from the index (not the working
//! tree), so a partially staged file is judged by what will be committed. Only the index-vs-HEAD diff is read,
//! so the cost follows the size of the change, not of the repository or its history.
use std::path::{Path, PathBuf};

use git2::{Delta, DiffFindOptions, DiffOptions, Oid, Repository};

use super::git::{added_lines, changed_files, discover, git_error, ChangedFile, LineSet};
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
}

impl StagedSource {
    pub fn open(dir: &Path) -> Result<StagedSource> {
        let repo = discover(dir)?;
        if repo.is_bare() {
            return Err(Error::config(dir.display().to_string(), "a bare repository has no staged changes"));
        }
        Ok(StagedSource { repo })
    }

    /// Reads the staged change from this index file instead of the repository's own. Inside a hook git names
    /// the index the commit will record in `GIT_INDEX_FILE`: `git commit -a` and `git commit PATH...` build a
    /// temporary one (`index.lock`, `next-index-*.lock`), so `.git/index` would miss what they add.
    pub fn with_index_file(self, path: &Path) -> Result<StagedSource> {
        let context = format!("cannot read the index {}", path.display());
        let mut index = git2::Index::open(path).map_err(|e| git_error(&context, e))?;
        self.repo.set_index(&mut index).map_err(|e| git_error(&context, e))?;
        Ok(self)
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The working tree root (where `.leakgate.toml` and `.leakgateignore` live).
    pub fn workdir(&self) -> PathBuf {
        self.repo.workdir().map_or_else(|| self.repo.path().to_path_buf(), Path::to_path_buf)
    }

    /// Files added, modified, renamed, copied or retyped in the index relative to HEAD (everything, when there
    /// is no commit yet). Deletions have nothing to scan; submodules and symlinks are counted as skipped.
    pub fn changes(&self, stats: &mut ScanStats) -> Result<Vec<StagedFile>> {
        let head_tree = match self.repo.head() {
            Ok(head) => Some(head.peel_to_tree().map_err(|e| git_error("cannot read HEAD's tree", e))?),
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => None,
            Err(e) => return Err(git_error("cannot read HEAD", e)),
        };
        let index = self.repo.index().map_err(|e| git_error("cannot read the index", e))?;
        let mut opts = DiffOptions::new();
        opts.include_typechange(true).ignore_submodules(false);
        let mut diff = self
            .repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
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

    /// Staged blobs of the files directly in `dir` (`""` = the root) whose names satisfy `keep`: the siblings a
    /// Terraform module needs to resolve variables declared in files the change did not touch.
    pub fn index_files_in(&self, dir: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, Oid)>> {
        let index = self.repo.index().map_err(|e| git_error("cannot read the index", e))?;
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

    /// The lines of a staged file that the commit adds.
    pub fn added_lines(&self, file: &StagedFile) -> Result<LineSet> {
        added_lines(&self.repo, file.old_blob, file.blob)
    }
}
