//! Scanning history: the plan's distinct blobs are scanned in parallel, those in packs decoded in bulk
//! (`packed`), the rest read by workers that each have their own repository handle; then, only for blobs with
//! findings, the commit that introduced them is looked up, and one secret seen in many blob versions becomes one
//! finding with a count of further occurrences.
use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

use git2::Repository;

use super::commit_messages::scan_commit_messages;
use super::{record_blob, Gathered, Progress, ScanOutput};
use crate::engine::Scanner;
use crate::error::Result;
use crate::finding::Finding;
use crate::source::blob_list::BlobList;
use crate::source::git::{check_loose_blob, count_unread_blob, read_blob, BlobRead};
use crate::source::history::HistorySource;
use crate::source::pack::{raw_oid, Kind};
use crate::source::BlobEntry;
use crate::stats::{ScanStats, SkipReason};

/// Scans history. `plan` runs on this thread: it hands each distinct blob over as it lists it and returns the
/// commits, oldest first. `threads` workers (0 = one per core), each with its own repository handle, scan the
/// blobs as they come; but when the plan opened the packs (a full audit), the blobs they hold are kept until the
/// plan is done and then decoded in bulk on the rayon pool. Then findings are attributed to commits.
pub fn scan_history(
    scanner: &Scanner,
    source: &HistorySource,
    max_size: u64,
    threads: usize,
    progress: Option<&dyn Progress>,
    selection: &Selection<'_>,
    plan: impl FnOnce(&mut dyn FnMut(BlobEntry)) -> Result<Vec<git2::Oid>>,
) -> Result<ScanOutput> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (git_dir, partial_clone) = (source.git_dir(), source.partial_clone());
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<BlobEntry>>(threads * QUEUED_BATCHES_PER_WORKER);
    let receiver = Mutex::new(receiver);
    let mut blobs = 0usize;
    let (commits, mut found, mut stats) = std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(threads);
        for n in 0..threads {
            let worker = std::thread::Builder::new()
                .name(format!("leakgate-scan-{n}"))
                .spawn_scoped(scope, || scan_worker(scanner, git_dir, partial_clone, max_size, &receiver, progress))
                .map_err(|e| crate::error::Error::Io { context: "cannot start worker threads".into(), source: e })?;
            workers.push(worker);
        }
        let mut batch = Vec::with_capacity(BATCH_BLOBS);
        // A full audit's walk opens the packs: their blobs are decoded in bulk once the walk is done, the rest
        // read by the workers as the walk lists them.
        let mut in_packs: Option<BlobList> = None;
        let planned = plan(&mut |entry| {
            blobs += 1;
            let packed = source.packs().is_some_and(|p| p.find(&raw_oid(entry.oid)).is_some());
            if packed && entry.added.is_none() {
                if let Some(p) = progress {
                    p.found(1);
                }
                // Made once the walk lists a blob, when the packs are open: room for every packed blob.
                let packed_blobs = || BlobList::with_capacity(source.packs().map_or(0, |p| p.count(Kind::Blob)));
                in_packs.get_or_insert_with(packed_blobs).push(entry.oid, &entry.path, entry.commit);
                return;
            }
            batch.push(entry);
            if batch.len() == BATCH_BLOBS {
                hand_over(&sender, std::mem::take(&mut batch), progress);
            }
        });
        hand_over(&sender, batch, progress);
        let (mut found, mut stats) = (Vec::new(), ScanStats::default());
        if let (Some(set), Some(in_packs)) = (source.packs(), in_packs) {
            let scanned = super::packed::scan_packed(scanner, set, in_packs, max_size, progress);
            (found, stats) = (scanned.found, scanned.stats);
            for chunk in scanned.left.chunks(BATCH_BLOBS) {
                // Already counted in the progress bar's total.
                let _ = sender.send(chunk.to_vec());
            }
        }
        drop(sender);
        for worker in workers {
            let (f, s) = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            found.extend(f);
            stats.merge(s);
        }
        Ok::<_, crate::error::Error>((planned?, found, stats))
    })?;
    if let Some(p) = progress {
        p.finish();
    }
    found.extend(scan_commit_messages(scanner, git_dir, source.packs(), &commits, selection.commit, &mut stats));
    let mut out = ScanOutput { findings: attribute(source, &commits, selection, found), stats };
    let commits = commits.len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    out.stats.notes.push(format!("{commits} commit{}, {blobs} distinct blob{}", plural(commits), plural(blobs)));
    let not_present = out.stats.skipped.get(&SkipReason::NotPresent).copied().unwrap_or(0);
    if not_present > 0 {
        // leakgate never talks to a remote, so it cannot fetch them as git would on demand.
        out.stats.notes.push(format!("{not_present} blobs not present locally (partial clone): not scanned"));
    }
    Ok(out.sorted())
}

/// Which of the walked commits this run scans the messages of, and where they stand in the whole audit. The blobs
/// it scans are chosen by the plan it is given.
pub struct Selection<'a> {
    /// Whether a commit's message is scanned (a shard's share of them; all of them by default).
    pub commit: &'a (dyn Fn(git2::Oid) -> bool + Sync),
    /// Added to each commit's place in this run's walk ([`CommitInfo::order`](crate::finding::CommitInfo)): an
    /// incremental audit's commits come after those of the runs before it.
    pub order_offset: usize,
    /// Which occurrence of a secret found in several blob versions is reported: the earliest this accepts (the
    /// caller's scoring and suppression keep it), else the earliest. `None`: the earliest.
    pub prefer: Option<&'a (dyn Fn(&Finding) -> bool + Sync)>,
}

impl Selection<'_> {
    /// Every commit, numbered from 0.
    pub fn all() -> Selection<'static> {
        Selection { commit: &|_| true, order_offset: 0, prefer: None }
    }
}

/// Blobs handed to the workers at a time: enough to make the queue's locking negligible, few enough that the
/// workers share the last ones evenly.
const BATCH_BLOBS: usize = 64;
/// Batches queued per worker before the plan waits for the scan (which bounds the memory the queue holds).
const QUEUED_BATCHES_PER_WORKER: usize = 4;

fn hand_over(sender: &SyncSender<Vec<BlobEntry>>, batch: Vec<BlobEntry>, progress: Option<&dyn Progress>) {
    if batch.is_empty() {
        return;
    }
    if let Some(p) = progress {
        p.found(batch.len() as u64);
    }
    // Fails only once every worker has ended, which only a panic does; joining the worker re-raises it.
    let _ = sender.send(batch);
}

/// One scan worker: blobs from the queue until the plan is done, read with its own repository handle.
fn scan_worker(
    scanner: &Scanner,
    git_dir: &Path,
    partial_clone: bool,
    max_size: u64,
    queue: &Mutex<Receiver<Vec<BlobEntry>>>,
    progress: Option<&dyn Progress>,
) -> (Vec<(Finding, usize)>, ScanStats) {
    let mut out = Gathered::new(progress);
    let repo = Repository::open(git_dir);
    let mut unread = 0u64;
    loop {
        // The lock is held only while taking a batch; `recv` fails once the plan is done and the queue empty.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(batch) = next else { break };
        let Ok(repo) = repo.as_ref() else {
            unread += batch.len() as u64;
            continue;
        };
        for entry in &batch {
            let bytes = scan_blob(scanner, repo, entry, max_size, partial_clone, &mut out);
            if let Some(p) = progress {
                p.advance(1, bytes);
            }
        }
    }
    if let Err(e) = repo {
        out.stats.error(format!("cannot open repository: {}; {unread} blobs not scanned", e.message()));
    }
    (out.found, out.stats)
}

/// Reads and scans one blob; returns the bytes read.
fn scan_blob(
    scanner: &Scanner,
    repo: &Repository,
    entry: &BlobEntry,
    max_size: u64,
    partial_clone: bool,
    out: &mut Gathered<'_>,
) -> u64 {
    let stats = &mut out.stats;
    let odb = match repo.odb() {
        Ok(odb) => odb,
        Err(e) => {
            count_unread_blob(partial_clone, &e, || format!("blob {} ({})", entry.oid, entry.path), stats);
            return 0;
        }
    };
    let (blob, size) = match read_blob(repo, &odb, entry.oid, max_size) {
        BlobRead::Content(blob) => {
            let size = blob.size() as u64;
            (blob, size)
        }
        BlobRead::TooLarge(size) => {
            stats.skip_too_large(&entry.path, size);
            return 0;
        }
        BlobRead::Unread(e) => {
            count_unread_blob(partial_clone, &e, || format!("blob {} ({})", entry.oid, entry.path), stats);
            return 0;
        }
    };
    if let Err(message) = check_loose_blob(repo, entry.oid, blob.content()) {
        stats.error(format!("blob {} ({}): {message}", entry.oid, entry.path));
        return 0;
    }
    let find_keywords = &mut |content: &[u8], hits: &mut Vec<_>| scanner.rules().keyword_hits(content, hits);
    record_blob(scanner, entry, blob.content(), out, find_keywords);
    size
}

/// One finding per fingerprint: the earliest commit's (then the first in the blob, so the choice does not depend on
/// which thread scanned what) among the occurrences `selection.prefer` accepts, if any does — an occurrence the
/// report would hide (on a line with an allow marker, scored under the threshold) does not hide a later one that
/// it keeps — with the number of further blob versions that carry the same secret at the same path. `report
/// merge` makes the same choice, by `order`, when shards of one audit found the same finding.
fn attribute(
    source: &HistorySource,
    commits: &[git2::Oid],
    selection: &Selection<'_>,
    found: Vec<(Finding, usize)>,
) -> Vec<Finding> {
    // Not preferred last, then by commit and position.
    type Place = (bool, usize, usize, usize, usize, usize);
    let place = |f: &Finding, commit: usize| -> Place {
        let preferred = selection.prefer.is_none_or(|p| p(f));
        (!preferred, commit, f.start_line, f.start_column, f.end_line, f.end_column)
    };
    let mut groups: HashMap<String, (Finding, Place, usize)> = HashMap::new();
    for (f, commit) in found {
        let at = place(&f, commit);
        match groups.get_mut(&f.fingerprint.0) {
            Some((best, best_at, count)) => {
                *count += 1;
                if at < *best_at {
                    *best = f;
                    *best_at = at;
                }
            }
            None => {
                groups.insert(f.fingerprint.0.clone(), (f, at, 0));
            }
        }
    }
    groups
        .into_values()
        .map(|(mut f, (_, commit, ..), further)| {
            if let Some(mut info) = commits.get(commit).and_then(|oid| source.commit_info(*oid)) {
                info.further_occurrences = further;
                info.order = selection.order_offset + commit;
                f.commit = Some(info);
            }
            f
        })
        .collect()
}
