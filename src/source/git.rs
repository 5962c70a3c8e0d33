//! Shared git plumbing for the staged, history and range sources: opening a repository, what a diff changes, the
//! set of lines a change added to a file (a zero-context diff's hunks are exactly the added lines), and how an
//! object that cannot be read is counted.
use std::collections::HashSet;
use std::path::Path;

use git2::{Delta, Oid, Repository};
use imara_diff::{Algorithm, Diff, InternedInput};

use crate::error::{Error, Result};
use crate::stats::{ScanStats, SkipReason};

/// Lines (1-based, inclusive ranges) that a change added to a file; `All` for a new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSet {
    All,
    Ranges(Vec<(usize, usize)>),
}

impl LineSet {
    /// True when any line in `start..=end` was added.
    pub fn intersects(&self, start: usize, end: usize) -> bool {
        match self {
            LineSet::All => true,
            LineSet::Ranges(r) => r.iter().any(|&(a, b)| a <= end && start <= b),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, LineSet::Ranges(r) if r.is_empty())
    }

    /// Lines added in either set (a blob introduced by several commits).
    pub fn union(&mut self, other: &LineSet) {
        match (&mut *self, other) {
            (LineSet::All, _) => {}
            (_, LineSet::All) => *self = LineSet::All,
            (LineSet::Ranges(a), LineSet::Ranges(b)) => {
                a.extend_from_slice(b);
                a.sort_unstable();
                a.dedup();
            }
        }
    }

    /// Lines added in both sets (a merge: only what is new relative to every parent).
    pub fn intersect(&self, other: &LineSet) -> LineSet {
        match (self, other) {
            (LineSet::All, x) | (x, LineSet::All) => x.clone(),
            (LineSet::Ranges(a), LineSet::Ranges(b)) => {
                let mut out = Vec::new();
                for &(s1, e1) in a {
                    for &(s2, e2) in b {
                        let (s, e) = (s1.max(s2), e1.min(e2));
                        if s <= e {
                            out.push((s, e));
                        }
                    }
                }
                LineSet::Ranges(out)
            }
        }
    }
}

/// A file a diff adds or changes, with the blob it had before (none for a new file or a former submodule).
pub struct ChangedFile {
    pub path: String,
    pub blob: Oid,
    pub old_blob: Option<Oid>,
    pub status: Delta,
}

/// What a diff means for a scan: the files it adds or changes, symlinks included (deletions have nothing to
/// scan; submodules are counted as skipped). libgit2's rename detection compares each new file with at most
/// `diff.renameLimit` (1000) deleted ones, so in a change that moves thousands of files most moves look like new
/// files, and every old secret in them like a new one. A new file whose exact content a deleted file had is a
/// move that adds nothing: it is paired here, at the cost of one hash lookup per file.
pub fn changed_files(diff: &git2::Diff<'_>, stats: &mut ScanStats) -> Vec<ChangedFile> {
    let deleted: HashSet<Oid> = diff
        .deltas()
        .filter(|d| d.status() == Delta::Deleted && d.old_file().mode() != git2::FileMode::Commit)
        .map(|d| d.old_file().id())
        .collect();
    let mut files: Vec<ChangedFile> = diff.deltas().filter_map(|d| changed_file(&d, stats)).collect();
    if !deleted.is_empty() {
        for f in files.iter_mut().filter(|f| f.status == Delta::Added && deleted.contains(&f.blob)) {
            f.old_blob = Some(f.blob);
        }
    }
    files
}

/// What one diff delta means for a scan: `None` for deletions and for submodules (counted).
fn changed_file(delta: &git2::DiffDelta<'_>, stats: &mut ScanStats) -> Option<ChangedFile> {
    if matches!(delta.status(), Delta::Deleted | Delta::Unmodified | Delta::Ignored | Delta::Untracked) {
        return None;
    }
    let (new, old) = (delta.new_file(), delta.old_file());
    let path = new.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let old = (!old.id().is_zero()).then(|| (old.id(), u32::from(old.mode())));
    changed_blob(path, u32::from(new.mode()), new.id(), old, delta.status(), stats)
}

/// A path whose content is now `blob` (with git file mode `mode`) and was `old`: the changed file to scan, or
/// `None` for a submodule (counted as skipped).
pub fn changed_blob(
    path: String,
    mode: u32,
    blob: Oid,
    old: Option<(Oid, u32)>,
    status: Delta,
    stats: &mut ScanStats,
) -> Option<ChangedFile> {
    // A symlink's blob (mode 120000) is scanned like a file's: git stores the target path there, but a commit can
    // put any bytes in it.
    if mode == MODE_SUBMODULE {
        stats.skip(SkipReason::Submodule);
        return None;
    }
    let old_blob = old.filter(|&(_, m)| m != MODE_SUBMODULE).map(|(id, _)| id);
    Some(ChangedFile { path, blob, old_blob, status })
}

const MODE_SUBMODULE: u32 = 0o160000;

/// True for a partial clone (`git clone --filter=...`): objects the filter left out are missing by design and
/// would be fetched on demand by git. leakgate never talks to a remote, so it counts them instead.
pub fn is_partial_clone(repo: &Repository) -> bool {
    let Ok(config) = repo.config() else { return false };
    if config.get_string("extensions.partialclone").is_ok_and(|v| !v.is_empty()) {
        return true;
    }
    let mut promisors = Vec::new();
    if let Ok(entries) = config.entries(Some(r"^remote\..*\.promisor$")) {
        let _ = entries.for_each(|e| promisors.extend(e.name().map(str::to_string)));
    }
    promisors.iter().any(|name| config.get_bool(name).unwrap_or(false))
}

/// Counts a blob that could not be read: a blob missing from a partial clone was never fetched (not present
/// locally); anything else (a corrupt object, a missing one in a full clone) is an error with its reason.
pub fn count_unread_blob(partial_clone: bool, e: &git2::Error, what: impl FnOnce() -> String, stats: &mut ScanStats) {
    if partial_clone && e.code() == git2::ErrorCode::NotFound {
        stats.unread(SkipReason::NotPresent, format!("{}: not present locally (partial clone)", what()));
    } else {
        stats.error(format!("{}: {}", what(), e.message()));
    }
}

/// A blob as [`read_blob`] found it.
pub enum BlobRead<'r> {
    Content(git2::Blob<'r>),
    /// Over the size limit (its size): known from the object header, so it was never loaded.
    TooLarge(u64),
    Unread(git2::Error),
}

/// Reads a blob unless its header says it is larger than `max_size`.
pub fn read_blob<'r>(repo: &'r Repository, odb: &git2::Odb<'_>, oid: Oid, max_size: u64) -> BlobRead<'r> {
    match odb.read_header(oid) {
        Ok((size, _)) if size as u64 > max_size => BlobRead::TooLarge(size as u64),
        Ok(_) => match repo.find_blob(oid) {
            Ok(blob) => BlobRead::Content(blob),
            Err(e) => BlobRead::Unread(e),
        },
        Err(e) => BlobRead::Unread(e),
    }
}

/// Checks that a blob read from the object database is what its id names, when it may have come from a loose
/// object file: libgit2's own check (`strict_hash_verification`) is turned off by the staged and history sources,
/// since it re-hashes every object read, packed ones too, whose pack checksums already cover them. A loose file is
/// only zlib data under a name, so a file swapped for another object's (what `git fsck` calls a hash-path
/// mismatch) would otherwise be scanned in place of the content its commits record. An error names the object.
pub fn check_loose_blob(repo: &Repository, oid: Oid, content: &[u8]) -> std::result::Result<(), String> {
    let hex = oid.to_string();
    if !repo.commondir().join("objects").join(&hex[..2]).join(&hex[2..]).is_file() {
        return Ok(());
    }
    match Oid::hash_object(git2::ObjectType::Blob, content) {
        Ok(actual) if actual == oid => Ok(()),
        Ok(actual) => Err(format!(
            "the loose object {oid} does not match its id: its content hashes to {actual} (a hash-path mismatch)"
        )),
        Err(e) => Err(format!("the loose object {oid} cannot be hashed: {}", e.message())),
    }
}

/// Opens the repository containing `dir` (searching parents, following worktree `.git` files).
pub fn discover(dir: &Path) -> Result<Repository> {
    Repository::discover(dir).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            Error::config(dir.display().to_string(), "not a git repository (or any parent up to the root)")
        } else {
            git_error(&format!("cannot open the git repository at {}", dir.display()), e)
        }
    })
}

pub fn git_error(context: &str, e: git2::Error) -> Error {
    Error::Io { context: context.to_string(), source: std::io::Error::other(e.message().to_string()) }
}

/// The lines of `new` that are not in `old` (whole file when there is no `old`).
pub fn added_lines(repo: &Repository, old: Option<Oid>, new: Oid) -> Result<LineSet> {
    let Some(old) = old.filter(|o| !o.is_zero()) else {
        return Ok(LineSet::All);
    };
    let ctx = |what: &str, id: Oid| format!("cannot read {what} blob {id}");
    let old_blob = repo.find_blob(old).map_err(|e| git_error(&ctx("old", old), e))?;
    let new_blob = repo.find_blob(new).map_err(|e| git_error(&ctx("new", new), e))?;
    // A swapped old version could make the new one's lines look unchanged.
    for blob in [&old_blob, &new_blob] {
        check_loose_blob(repo, blob.id(), blob.content()).map_err(|m| Error::Io {
            context: format!("cannot diff {old} and {new}"),
            source: std::io::Error::other(m),
        })?;
    }
    Ok(lines_added(old_blob.content(), new_blob.content()))
}

/// The lines of `new` a line diff marks as added. Both sides are treated as text: the caller has already sniffed
/// for binary content. Done here rather than by libgit2, whose blob diff looks up `.gitattributes` and so loads
/// and hashes the whole index: 3/4 of a pre-commit run in a 10,000-file repository.
pub fn lines_added(old: &[u8], new: &[u8]) -> LineSet {
    let input = InternedInput::new(old, new);
    let mut diff = Diff::compute(Algorithm::Histogram, &input);
    diff.postprocess_lines(&input);
    LineSet::Ranges(
        diff.hunks()
            .filter(|h| !h.after.is_empty())
            .map(|h| (h.after.start as usize + 1, h.after.end as usize))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::LineSet;

    #[test]
    fn line_set_operations() {
        let a = LineSet::Ranges(vec![(1, 3), (10, 12)]);
        assert!(a.intersects(3, 5));
        assert!(!a.intersects(4, 9));
        assert!(LineSet::All.intersects(100, 100));
        assert_eq!(a.intersect(&LineSet::Ranges(vec![(2, 11)])), LineSet::Ranges(vec![(2, 3), (10, 11)]));
        let mut u = a.clone();
        u.union(&LineSet::Ranges(vec![(5, 5)]));
        assert!(u.intersects(5, 5));
    }

    #[test]
    fn added_lines_follow_a_line_diff() {
        let old = b"a\nb\nc\nd\n";
        assert_eq!(super::lines_added(old, old), LineSet::Ranges(vec![]));
        assert_eq!(super::lines_added(old, b"a\nX\nc\nd\nY\nZ\n"), LineSet::Ranges(vec![(2, 2), (5, 6)]));
        // A last line without a newline that gains one is changed, as git sees it.
        assert_eq!(super::lines_added(b"a\nb", b"a\nb\n"), LineSet::Ranges(vec![(2, 2)]));
        assert_eq!(super::lines_added(b"", b"k\n"), LineSet::Ranges(vec![(1, 1)]));
        // A moved line is added where it lands.
        assert_eq!(super::lines_added(b"s\na\nb\n", b"a\nb\ns\n"), LineSet::Ranges(vec![(3, 3)]));
    }
}

/// How reports name a repository, so that reports from many repositories can be merged: its `origin` remote's URL
/// with any credentials (`https://user:token@host/...`) and query taken out, else its folder's absolute path.
pub fn repository_name(repo: &Repository) -> String {
    let url = repo.find_remote("origin").ok().and_then(|r| r.url_bytes().to_vec().into());
    match url.map(|u| String::from_utf8_lossy(&u).into_owned()).filter(|u| !u.trim().is_empty()) {
        Some(url) => without_credentials(url.trim()),
        None => {
            let dir = repo.workdir().unwrap_or_else(|| repo.path());
            std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()).to_string_lossy().into_owned()
        }
    }
}

/// A URL without its user information and query: those are where tokens go.
fn without_credentials(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod naming_tests {
    #[test]
    fn credentials_never_reach_a_report() {
        let clean = super::without_credentials;
        assert_eq!(
            clean("https://x-access-token:ghs_abc@github.example/org/repo.git"),
            "https://github.example/org/repo.git"
        );
        assert_eq!(clean("https://github.example/org/repo?token=abc"), "https://github.example/org/repo");
        assert_eq!(clean("git@github.example:org/repo.git"), "git@github.example:org/repo.git");
        assert_eq!(clean("ssh://git@host:22/org/a@b.git"), "ssh://host:22/org/a@b.git");
    }
}
