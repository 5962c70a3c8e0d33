//! Scanning commits' own text (message, author, committer) in history and range scans: a token pasted into a
//! commit message, or an e-mail address made of one, is pushed with the commit as surely as a file is. Each
//! commit's text is one piece of content (`Origin::CommitMessage`), scanned on the rayon pool, each thread with a
//! repository handle of its own.
use std::path::Path;

use git2::{Oid, Repository};
use rayon::prelude::*;

use super::scan_piece_plain;
use crate::engine::Scanner;
use crate::finding::Finding;
use crate::source::history::HistorySource;
use crate::source::{commit_message_path, Origin, Piece};
use crate::stats::ScanStats;

/// The findings in the text of `commits` (those `take` takes), each with its commit's index. A commit that cannot be read is counted
/// as an error in `stats` (its files were scanned or counted already; its text would otherwise go unread).
pub fn scan_commit_messages(
    scanner: &Scanner,
    git_dir: &Path,
    commits: &[Oid],
    take: &(dyn Fn(Oid) -> bool + Sync),
    stats: &mut ScanStats,
) -> Vec<(Finding, usize)> {
    // Per commit: its findings with the commit's index, or why its text could not be read.
    type Scanned = (Vec<(Finding, usize)>, Option<String>);
    let scanned: Vec<Scanned> = commits
        .par_iter()
        .enumerate()
        .map_init(
            || Repository::open(git_dir).ok(),
            |repo, (i, oid)| {
                if !take(*oid) {
                    return (Vec::new(), None);
                }
                let Some(text) = repo.as_ref().and_then(|r| HistorySource::commit_text(r, *oid)) else {
                    return (Vec::new(), Some(format!("commit {oid}: cannot read its message")));
                };
                let path = commit_message_path(*oid);
                let piece = Piece { path: &path, content: &text, origin: Origin::CommitMessage { commit: i } };
                // Commit text is not a file: it is left out of the files-and-bytes counts.
                let mut own = ScanStats::default();
                let found = scan_piece_plain(scanner, &piece, None, &mut own);
                (found.into_iter().map(|f| (f, i)).collect(), None)
            },
        )
        .collect();
    let mut out = Vec::new();
    for (found, error) in scanned {
        out.extend(found);
        if let Some(e) = error {
            stats.error(e);
        }
    }
    out
}
