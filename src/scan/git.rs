//! Scanning git sources. Staged: each staged blob is scanned whole (so a multi-line key added in one hunk is
//! seen entire) and findings are kept only where they touch added lines. History: the plan's distinct blobs
//! are scanned in parallel, those in packs decoded in bulk (`packed`), the rest read by workers that each have
//! their own repository handle; then, only for blobs with findings,
//! the commit that introduced them is looked up, and one secret seen in many blob versions becomes one finding
//! with a count of further occurrences.
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

use git2::Repository;

use super::iac::{self, TerraformModules};
use super::{scan_content, scan_content_with, ScanOutput};
use crate::engine::{FindKeywords, Scanner};
use crate::error::Result;
use crate::finding::Finding;
use crate::iac as iac_mod;
use crate::source::git::{check_loose_blob, count_unread_blob, git_error};
use crate::source::history::{BlobEntry, HistorySource};
use crate::source::pack::raw_oid;
use crate::source::staged::StagedFile;
use crate::source::staged::StagedSource;
use crate::stats::{ScanStats, SkipReason};

/// Receives progress of a history scan (blobs found by the plan, blobs and bytes done). Implemented by the CLI's
/// progress bar.
pub trait Progress: Sync {
    fn found(&self, blobs: u64);
    fn advance(&self, blobs: u64, bytes: u64);
    fn finish(&self);
}

/// Scans what `git commit` would record now: `files`, the staged change as `StagedSource::changes` listed it
/// (with `stats` from listing them). Findings are kept only where they touch lines the change adds; a changed
/// Terraform file is linted with its directory's other staged `.tf` files, so variables resolve.
pub fn scan_staged(
    scanner: &Scanner,
    source: &StagedSource,
    files: Vec<StagedFile>,
    stats: ScanStats,
    max_size: u64,
) -> Result<ScanOutput> {
    let mut out = ScanOutput { stats, ..ScanOutput::default() };
    let repo = source.repo();
    let odb = repo.odb().map_err(|e| git_error("cannot open the object database", e))?;
    let terraform = TerraformModules::default();
    let mut found_by_file: Vec<(StagedFile, Vec<Finding>)> = Vec::with_capacity(files.len());
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let scanned = Mutex::new(Vec::new());
        // Each blob is handed to the pool as soon as it is read, so reading the next one (on this thread: a
        // `Repository` cannot be shared) overlaps scanning the last; reading all first left a core idle for a
        // tenth of a pre-commit run. Up to a batch of contents is read ahead of the scanners.
        rayon::in_place_scope(|scope| {
            let mut batch_bytes = 0u64;
            for (order, file) in files.by_ref().enumerate() {
                let content = match read_staged_blob(repo, &odb, &file, max_size, &mut out.stats) {
                    Some(content) => content,
                    None => continue,
                };
                batch_bytes += content.len() as u64;
                let (scanned, terraform) = (&scanned, &terraform);
                scope.spawn(move |_| {
                    let mut stats = ScanStats::default();
                    let found = scan_content(scanner, &content, &file.path, Some(terraform), &mut stats);
                    scanned.lock().unwrap_or_else(|e| e.into_inner()).push((order, file, found, stats));
                });
                if batch_bytes >= STAGED_BATCH_BYTES {
                    break;
                }
            }
        });
        let mut scanned = scanned.into_inner().unwrap_or_else(|e| e.into_inner());
        scanned.sort_unstable_by_key(|(order, ..)| *order);
        for (_, file, found, file_stats) in scanned {
            out.stats.merge(file_stats);
            found_by_file.push((file, found));
        }
    }
    let mut tf_findings = staged_terraform(scanner, source, terraform, &mut out.stats)?;
    for (file, mut found) in found_by_file {
        found.extend(tf_findings.remove(&file.path).unwrap_or_default());
        if found.is_empty() {
            continue;
        }
        let added = match source.added_lines(&file) {
            Ok(a) => a,
            Err(e) => {
                out.stats.error(format!("{}: {e}", file.path));
                continue;
            }
        };
        out.findings.extend(found.into_iter().filter(|f| added.intersects(f.start_line, f.end_line)));
    }
    Ok(out.sorted())
}

/// Staged content held in memory at once: a large change is read and scanned in batches of about this size.
const STAGED_BATCH_BYTES: u64 = 256 * 1024 * 1024;

/// The staged blob of `file`, or `None` with the reason counted: too large (known from the object header, so
/// it is never loaded) or unreadable.
fn read_staged_blob(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    file: &StagedFile,
    max_size: u64,
    stats: &mut ScanStats,
) -> Option<Vec<u8>> {
    let size = match odb.read_header(file.blob) {
        Ok((size, _)) => size as u64,
        Err(e) => {
            stats.error(format!("{}: cannot read staged blob {}: {}", file.path, file.blob, e.message()));
            return None;
        }
    };
    if size > max_size {
        stats.skip_too_large(&file.path, size);
        return None;
    }
    match repo.find_blob(file.blob) {
        Ok(b) => Some(b.content().to_vec()),
        Err(e) => {
            stats.error(format!("{}: cannot read staged blob {}: {}", file.path, file.blob, e.message()));
            None
        }
    }
}

/// Lints the directories of changed Terraform files with all their staged siblings; returns the findings of the
/// changed files only, by path.
fn staged_terraform(
    scanner: &Scanner,
    source: &StagedSource,
    changed: TerraformModules,
    stats: &mut ScanStats,
) -> Result<HashMap<String, Vec<Finding>>> {
    let mut out: HashMap<String, Vec<Finding>> = HashMap::new();
    let changed = changed.into_files();
    let dirs: BTreeSet<&str> = changed.iter().map(|(p, _)| iac::parent(p)).collect();
    for dir in dirs {
        let siblings = source.index_files_in(dir, |p| iac_mod::detect(p, &[]).is_some_and(iac::is_terraform))?;
        let mut module: Vec<(String, Vec<u8>)> = Vec::new();
        for (path, oid) in siblings {
            match changed.iter().find(|(p, _)| *p == path) {
                Some((p, content)) => module.push((p.clone(), content.clone())),
                None => match source.repo().find_blob(oid) {
                    Ok(b) => module.push((path, b.content().to_vec())),
                    Err(e) => stats.error(format!("{path}: cannot read staged blob {oid}: {}", e.message())),
                },
            }
        }
        for ((path, content), outcome) in module.iter().zip(iac_mod::lint_terraform_module(&module)) {
            if changed.iter().any(|(p, _)| p == path) {
                out.entry(path.clone()).or_default().extend(iac::findings(scanner, path, content, outcome, stats));
            }
        }
    }
    Ok(out)
}

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
    let (commits, found, stats) = std::thread::scope(|scope| {
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
        let mut in_packs = Vec::new();
        let planned = plan(&mut |entry| {
            blobs += 1;
            let packed = source.packs().is_some_and(|p| p.find(&raw_oid(entry.oid)).is_some());
            if packed {
                if let Some(p) = progress {
                    p.found(1);
                }
                in_packs.push(entry);
                return;
            }
            batch.push(entry);
            if batch.len() == BATCH_BLOBS {
                hand_over(&sender, std::mem::take(&mut batch), progress);
            }
        });
        hand_over(&sender, batch, progress);
        let (mut found, mut stats) = (Vec::new(), ScanStats::default());
        if let Some(set) = source.packs().filter(|_| !in_packs.is_empty()) {
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
    let mut out = ScanOutput { findings: attribute(source, &commits, found), stats };
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
    let (mut found, mut stats) = (Vec::new(), ScanStats::default());
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
            let bytes = scan_blob(scanner, repo, entry, max_size, partial_clone, &mut found, &mut stats);
            if let Some(p) = progress {
                p.advance(1, bytes);
            }
        }
    }
    if let Err(e) = repo {
        stats.error(format!("cannot open repository: {}; {unread} blobs not scanned", e.message()));
    }
    (found, stats)
}

/// Reads and scans one blob; returns the bytes read.
fn scan_blob(
    scanner: &Scanner,
    repo: &Repository,
    entry: &BlobEntry,
    max_size: u64,
    partial_clone: bool,
    found: &mut Vec<(Finding, usize)>,
    stats: &mut ScanStats,
) -> u64 {
    // The header gives the size without inflating the object, so a huge blob is never loaded.
    let unread = |e: &git2::Error, stats: &mut ScanStats| {
        count_unread_blob(partial_clone, e, || format!("blob {} ({})", entry.oid, entry.path), stats)
    };
    let size = match repo.odb().and_then(|odb| odb.read_header(entry.oid)) {
        Ok((size, _)) => size as u64,
        Err(e) => {
            unread(&e, stats);
            return 0;
        }
    };
    if size > max_size {
        stats.skip_too_large(&entry.path, size);
        return 0;
    }
    let blob = match repo.find_blob(entry.oid) {
        Ok(b) => b,
        Err(e) => {
            unread(&e, stats);
            return 0;
        }
    };
    if let Err(message) = check_loose_blob(repo, entry.oid, blob.content()) {
        stats.error(format!("blob {} ({}): {message}", entry.oid, entry.path));
        return 0;
    }
    let find_keywords = &mut |content: &[u8], hits: &mut Vec<_>| scanner.rules().keyword_hits(content, hits);
    record_blob(scanner, entry, blob.content(), found, stats, find_keywords);
    size
}

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

/// One finding per fingerprint: the earliest commit's, with the number of further blob versions that carry the
/// same secret at the same path.
fn attribute(source: &HistorySource, commits: &[git2::Oid], found: Vec<(Finding, usize)>) -> Vec<Finding> {
    let mut groups: HashMap<String, (Finding, usize, usize)> = HashMap::new();
    for (f, commit) in found {
        match groups.get_mut(&f.fingerprint.0) {
            Some((best, best_commit, count)) => {
                *count += 1;
                if commit < *best_commit {
                    *best = f;
                    *best_commit = commit;
                }
            }
            None => {
                groups.insert(f.fingerprint.0.clone(), (f, commit, 0));
            }
        }
    }
    groups
        .into_values()
        .map(|(mut f, commit, further)| {
            if let Some(mut info) = commits.get(commit).and_then(|oid| source.commit_info(*oid)) {
                info.further_occurrences = further;
                f.commit = Some(info);
            }
            f
        })
        .collect()
}
