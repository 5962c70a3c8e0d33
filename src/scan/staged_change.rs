//! Scanning the staged change: each staged blob is scanned whole (so a multi-line key added in one hunk is seen
//! entire) and its findings are kept only where they touch lines the change adds. A changed Terraform file is
//! linted with its directory's other staged `.tf` files, so variables resolve.
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use super::iac_lint::{self, DeferredIac};
use super::{scan_piece_plain, ScanOutput};
use crate::engine::Scanner;
use crate::error::Result;
use crate::finding::Finding;
use crate::iac;
use crate::source::git::{read_blob, BlobRead};
use crate::source::staged::{StagedFile, StagedSource};
use crate::source::{Origin, Piece};
use crate::stats::ScanStats;

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
    let odb = repo.odb().map_err(|e| crate::source::git::git_error("cannot open the object database", e))?;
    let terraform = DeferredIac::default();
    let mut found_by_file: Vec<(StagedFile, Vec<Finding>)> = Vec::with_capacity(files.len());
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let scanned = Mutex::new(Vec::new());
        // Each blob is handed to the pool as soon as it is read, so reading the next one (on this thread: a
        // `Repository` cannot be shared) overlaps scanning the last instead of leaving a core idle while all
        // are read. Up to a batch of contents is read ahead of the scanners.
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
                    let piece =
                        Piece { path: &file.path, content: &content, origin: Origin::Staged { blob: file.blob } };
                    let found = scan_piece_plain(scanner, &piece, Some(terraform), &mut stats);
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
    let mut tf_findings = staged_deferred(scanner, source, terraform, &mut out.stats)?;
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
        // An archive's members are judged whole (see `archive_members`): their findings name the member.
        out.findings
            .extend(found.into_iter().filter(|f| f.path != file.path || added.intersects(f.start_line, f.end_line)));
    }
    Ok(out.sorted())
}

/// Staged content held in memory at once: a large change is read and scanned in batches of about this size.
const STAGED_BATCH_BYTES: u64 = 256 * 1024 * 1024;

/// The staged blob of `file`, or `None` with the reason counted: too large (known from the object header, so
/// it is never loaded) or unreadable.
fn read_staged_blob(
    repo: &git2::Repository,
    odb: &git2::Odb<'_>,
    file: &StagedFile,
    max_size: u64,
    stats: &mut ScanStats,
) -> Option<Vec<u8>> {
    match read_blob(repo, odb, file.blob, max_size) {
        BlobRead::Content(blob) => Some(blob.content().to_vec()),
        BlobRead::TooLarge(size) => {
            stats.skip_too_large(&file.path, size);
            None
        }
        BlobRead::Unread(e) => {
            stats.error(format!("{}: cannot read staged blob {}: {}", file.path, file.blob, e.message()));
            None
        }
    }
}

/// Lints the files held back while scanning the change with their staged neighbours; returns the findings of the
/// changed files only, by path. Terraform: the directories of changed files with all their staged siblings,
/// together, so a call from one of them into another is followed; calls into directories the change does not
/// touch are not followed (a note names them). ARM: the directories of changed templates and parameter files,
/// with the templates and parameter files staged beside them.
fn staged_deferred(
    scanner: &Scanner,
    source: &StagedSource,
    changed: DeferredIac,
    stats: &mut ScanStats,
) -> Result<HashMap<String, Vec<Finding>>> {
    let mut out: HashMap<String, Vec<Finding>> = HashMap::new();
    let changed = changed.into_files();
    let terraform = with_staged_siblings(source, &changed.terraform, stats, |p, _| {
        iac::detect(p, &[]).is_some_and(iac_lint::is_terraform)
    })?;
    let mut not_followed = Vec::new();
    for ((path, content), mut outcome) in terraform.iter().zip(iac::lint_terraform_tree(&terraform)) {
        not_followed.append(&mut outcome.modules_not_followed);
        if changed.terraform.iter().any(|(p, _)| p == path) {
            out.entry(path.clone()).or_default().extend(iac_lint::findings(scanner, path, content, outcome, stats));
        }
    }
    iac_lint::note_modules_not_followed(&not_followed, stats);
    let arm = with_staged_siblings(source, &changed.arm, stats, |p, content| {
        iac::detect(p, content) == Some(iac::IacFormat::Arm) || iac::is_arm_parameters(p, content)
    })?;
    for ((path, content), outcome) in arm.iter().zip(iac::lint_arm_deployments(&arm)) {
        if changed.arm.iter().any(|(p, _)| p == path) {
            out.entry(path.clone()).or_default().extend(iac_lint::findings(scanner, path, content, outcome, stats));
        }
    }
    Ok(out)
}

/// The `changed` files and the staged files beside them (in their directories) that `keep` accepts by path
/// and content; a changed file's content is its staged one.
fn with_staged_siblings(
    source: &StagedSource,
    changed: &[(String, Vec<u8>)],
    stats: &mut ScanStats,
    keep: impl Fn(&str, &[u8]) -> bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let dirs: BTreeSet<&str> = changed.iter().map(|(p, _)| iac_lint::parent(p)).collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in dirs {
        // Only a cheap name test here: content is tested once read.
        let siblings = source.index_files_in(dir, |p| keep(p, b"") || p.to_ascii_lowercase().ends_with(".json"))?;
        for (path, oid) in siblings {
            match changed.iter().find(|(p, _)| *p == path) {
                Some((p, content)) => files.push((p.clone(), content.clone())),
                None => match source.repo().find_blob(oid) {
                    Ok(b) if keep(&path, b.content()) => files.push((path, b.content().to_vec())),
                    Ok(_) => {}
                    Err(e) => stats.error(format!("{path}: cannot read staged blob {oid}: {}", e.message())),
                },
            }
        }
    }
    Ok(files)
}
