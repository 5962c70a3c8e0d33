//! Where content comes from: files and folders (`fs`), the staged change (`staged`), and git history or a
//! commit range (`history`, its tree walk in `tree_walk`), with the shared git plumbing in `git` and, for audits,
//! the repository's packs read in bulk (`pack`, `packed_trees`). Sources know nothing about rules or findings;
//! they hand content on and count what they skip.
pub mod commits;
mod fast_hash;
pub mod fs;
pub mod git;
pub mod history;
mod index_diff;
mod index_file;
mod mapped_file;
pub mod pack;
mod packed_trees;
pub mod staged;
mod tree_walk;

use git2::Oid;

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

/// Receives content from a source. One sink per worker thread; it merges its results when dropped.
pub trait FragmentSink: Send {
    /// One piece of content, named by its display path (`/`-separated).
    fn fragment(&mut self, path: &str, content: &[u8]);
    /// [`fragment`](Self::fragment) of a file whose name is not valid UTF-8: `path` shows each invalid byte as
    /// U+FFFD, `raw` is the exact name, for reports that can carry it.
    fn fragment_raw_name(&mut self, path: &str, raw: &[u8], content: &[u8]) {
        let _ = raw;
        self.fragment(path, content);
    }
    /// Input that was not scanned; `error` is set when it could not be read.
    fn skipped(&mut self, path: &str, reason: SkipReason, error: Option<String>);
}

/// How much of the content [`looks_binary`] looks at.
const BINARY_SNIFF_LEN: usize = 8000;

/// True when the content looks binary (a NUL byte in its first 8000 bytes, like git's heuristic).
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF_LEN)]).is_some()
}
