//! Scanning commits' own text (message, author, committer) in history and range scans: a token pasted into a
//! commit message, or an e-mail address made of one, is pushed with the commit as surely as a file is. Each
//! commit's text is one piece of content (`Origin::CommitMessage`), scanned on the rayon pool. An audit that
//! opened the packs decodes the packed commits in bulk, chain by chain (a mirror holds hundreds of thousands);
//! the rest, and any commit not in git's canonical form, are read through libgit2, each thread with a
//! repository handle of its own.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use git2::{Oid, Repository};
use rayon::prelude::*;

use super::scan_piece_plain;
use crate::engine::Scanner;
use crate::finding::Finding;
use crate::source::history::HistorySource;
use crate::source::pack::{raw_oid, Decoded, Kind, ObjectId, PackSet, Reader};
use crate::source::{commit_message_path, packed_commit_text, Origin, Piece};
use crate::stats::ScanStats;

/// The findings in the text of `commits` (those `take` takes), each with its commit's index. A commit that cannot be read is counted
/// as an error in `stats` (its files were scanned or counted already; its text would otherwise go unread).
pub fn scan_commit_messages(
    scanner: &Scanner,
    git_dir: &Path,
    packs: Option<&PackSet>,
    commits: &[Oid],
    take: &(dyn Fn(Oid) -> bool + Sync),
    stats: &mut ScanStats,
) -> Vec<(Finding, usize)> {
    let scan_text = |i: usize, oid: Oid, text: &[u8]| {
        let path = commit_message_path(oid);
        let piece = Piece { path: &path, content: text, origin: Origin::CommitMessage { commit: i } };
        // Commit text is not a file: it is left out of the files-and-bytes counts.
        let mut own = ScanStats::default();
        scan_piece_plain(scanner, &piece, None, &mut own).into_iter().map(move |f| (f, i))
    };
    let (mut out, done) = match packs {
        Some(set) => scan_packed(set, commits, take, &scan_text),
        None => (Vec::new(), Vec::new()),
    };
    // Per commit: its findings with the commit's index, or why its text could not be read.
    type Scanned = (Vec<(Finding, usize)>, Option<String>);
    let scanned: Vec<Scanned> = commits
        .par_iter()
        .enumerate()
        .map_init(
            || Repository::open(git_dir).ok(),
            |repo, (i, oid)| {
                if done.get(i).is_some_and(|d| *d) || !take(*oid) {
                    return (Vec::new(), None);
                }
                let Some(text) = repo.as_ref().and_then(|r| HistorySource::commit_text(r, *oid)) else {
                    return (Vec::new(), Some(format!("commit {oid}: cannot read its message")));
                };
                (scan_text(i, *oid, &text).collect(), None)
            },
        )
        .collect();
    for (found, error) in scanned {
        out.extend(found);
        if let Some(e) = error {
            stats.error(e);
        }
    }
    out
}

/// Decodes the packed commits among `commits` chain by chain and scans their text: the findings, and which
/// commits (by index) were done.
fn scan_packed<I: Iterator<Item = (Finding, usize)>>(
    set: &PackSet,
    commits: &[Oid],
    take: &(dyn Fn(Oid) -> bool + Sync),
    scan_text: &(dyn Fn(usize, Oid, &[u8]) -> I + Sync),
) -> (Vec<(Finding, usize)>, Vec<bool>) {
    let wanted: HashMap<ObjectId, usize> = commits
        .iter()
        .enumerate()
        .filter(|(_, oid)| take(**oid))
        .filter_map(|(i, oid)| Some((set.find(&raw_oid(*oid)).filter(|&id| set.kind(id) == Kind::Commit)?, i)))
        .collect();
    if wanted.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let done = Mutex::new(vec![false; commits.len()]);
    let found = set
        .roots(Kind::Commit)
        .into_par_iter()
        .fold(
            || (Reader::new(set), Vec::new(), Vec::new()),
            |(mut reader, mut found, mut scanned), root| {
                // A commit's text is small: no limit beyond the pack reader's own.
                reader.decode_chain(root, u64::MAX, &|_| true, &mut |id, decoded, _| {
                    let (Some(&i), Decoded::Data(data)) = (wanted.get(&id), decoded) else { return };
                    if let Some(text) = packed_commit_text(data) {
                        found.extend(scan_text(i, commits[i], &text));
                        scanned.push(i);
                    }
                });
                (reader, found, scanned)
            },
        )
        .map(|(_, found, scanned)| {
            let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
            scanned.into_iter().for_each(|i| done[i] = true);
            found
        })
        .reduce(Vec::new, |mut a, b| {
            a.extend(b);
            a
        });
    (found, done.into_inner().unwrap_or_else(|e| e.into_inner()))
}
