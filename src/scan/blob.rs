//! One history blob's scan, shared by the libgit2 workers and the bulk pass over the packs: its findings are
//! kept where they touch the lines it adds, each with the index of its commit.
use super::scan_content_with;
use crate::engine::{FindKeywords, Scanner};
use crate::finding::Finding;
use crate::source::BlobEntry;
use crate::stats::ScanStats;

/// Scans one planned blob's content; its findings are kept where they touch the lines it adds, with its commit.
pub(super) fn record_blob(
    scanner: &Scanner,
    entry: &BlobEntry,
    content: &[u8],
    found: &mut Vec<(Finding, usize)>,
    stats: &mut ScanStats,
    find_keywords: &mut FindKeywords<'_>,
) {
    let findings = scan_content_with(scanner, content, &entry.path, None, stats, find_keywords);
    found.extend(
        findings
            .into_iter()
            .filter(|f| entry.added.as_ref().is_none_or(|a| a.intersects(f.start_line, f.end_line)))
            .map(|f| (f, entry.commit)),
    );
}
