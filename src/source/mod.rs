//! Where content comes from: files and folders (`fs`), the staged change (`staged`), the working tree's changes
//! not yet staged (`worktree_diff`, for gitleaks' `protect`), and git history or a
//! commit range (`history`, its tree walk in `tree_walk`), with the shared git plumbing in `git` and, for audits,
//! the repository's packs read in bulk (`pack`, `packed_trees`). Sources know nothing about rules or findings:
//! every one of them hands content on as a [`Piece`] (the bytes, their display path and their [`Origin`]) to a
//! [`FragmentSink`], and counts what it skips. Content found inside content (an archive member, a decoded
//! string) is a piece with an origin of its own, handed to the same sink.
pub(crate) mod blob_list;
mod commit_order;
pub mod commits;
mod fast_hash;
pub mod fs;
pub mod git;
pub mod history;
mod index_cli;
mod index_diff;
mod index_file;
mod mapped_file;
pub mod pack;
mod packed_commits;
mod packed_trees;
pub mod shard;
mod since;
pub mod staged;
mod tagged_objects;
mod tree_records;
mod tree_walk;
pub mod worktree_diff;

use git2::Oid;

pub use packed_commits::commit_text as packed_commit_text;

use crate::stats::SkipReason;
use git::LineSet;

/// One distinct blob to scan.
#[derive(Debug, Clone)]
pub struct BlobEntry {
    pub oid: Oid,
    /// The path it was first seen at.
    pub path: String,
    /// Index into `history::HistoryPlan::commits` of the first commit that has it.
    pub commit: usize,
    /// For ranges: the lines its commits add. `None` in full audits: every line counts.
    pub added: Option<LineSet>,
}

impl BlobEntry {
    /// This blob's content as a piece from history.
    pub fn piece<'a>(&'a self, content: &'a [u8]) -> Piece<'a> {
        Piece {
            path: &self.path,
            content,
            origin: Origin::History { blob: self.oid, commit: self.commit, added: self.added.as_ref() },
        }
    }
}

/// Where a piece of content came from: what a finding in it is attributed to, and which of its lines count.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A file on disk. `raw_name`: the exact name, where it is not valid UTF-8 (the display path then shows
    /// U+FFFD for each invalid byte).
    File { raw_name: Option<&'a [u8]> },
    /// Standard input, or a buffer the caller holds.
    Stream,
    /// A staged blob: judged on the lines the staged change adds, which the caller works out afterwards for the
    /// blobs that have findings.
    Staged { blob: Oid },
    /// A tracked file the working tree changes (not yet staged): judged on the lines `added` to it.
    WorktreeChange { added: &'a LineSet },
    /// A history blob, first seen in `commit` (an index into the plan's commits). `added`: for ranges, the lines
    /// its commits add (only findings there count); `None` in audits, where every line counts.
    History { blob: Oid, commit: usize, added: Option<&'a LineSet> },
    /// A commit's message with its author and committer ([`history::HistorySource::commit_text`]); `commit` is an
    /// index into the plan's commits.
    CommitMessage { commit: usize },
    /// A member of an archive (`crate::archive`), its path `outer.zip!/member`. An archive is judged whole: where
    /// the archive counts (a file, or a blob a change adds or changes), every member's findings count.
    ArchiveMember,
}

/// The display path of a commit's message: where its findings are.
pub fn commit_message_path(commit: impl std::fmt::Display) -> String {
    format!("commit message of {commit}")
}

/// One piece of content to scan.
#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    /// The display path (`/`-separated).
    pub path: &'a str,
    pub content: &'a [u8],
    pub origin: Origin<'a>,
}

/// Receives content from a source. One sink per worker thread; it merges its results when dropped.
pub trait FragmentSink: Send {
    /// One piece of content.
    fn piece(&mut self, piece: Piece<'_>);
    /// Input that was not scanned; `error` is set when it could not be read.
    fn skipped(&mut self, path: &str, reason: SkipReason, error: Option<String>);
}

/// How much of the content [`looks_binary`] looks at.
const BINARY_SNIFF_LEN: usize = 8000;

/// True when the content looks binary (a NUL byte in its first 8000 bytes, like git's heuristic).
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF_LEN)]).is_some()
}
