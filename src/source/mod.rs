//! Where content comes from. A source hands each piece of content to a `FragmentSink` (one per worker thread)
//! and reports what it skipped; it knows nothing about rules or findings.
pub mod fs;

use crate::stats::SkipReason;

/// Receives content from a source. One sink per worker thread; it merges its results when dropped.
pub trait FragmentSink: Send {
    /// One piece of content, named by its display path (`/`-separated).
    fn fragment(&mut self, path: &str, content: &[u8]);
    /// Input that was not scanned; `error` is set when it could not be read.
    fn skipped(&mut self, path: &str, reason: SkipReason, error: Option<String>);
}
