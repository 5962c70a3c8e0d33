//! Runs a source through the scanner: each worker thread gets a sink that scans fragments, locates findings and
//! counts skips, then merges into the shared output when the thread finishes. The staged change is scanned by
//! `staged_change`, history and ranges by `history_blobs` (with the packs decoded in bulk by `packed`); infrastructure files
//! are linted by `iac_lint` alongside the secret scan.
mod archive_members;
pub mod commit_messages;
pub mod history_blobs;
pub mod iac_lint;
mod packed;
pub mod pairs;
pub mod staged_change;
mod transcoded;

use std::path::PathBuf;
use std::sync::Mutex;

use crate::content::{self, notebook, Form};
use crate::engine::{FindKeywords, Scanner};
use crate::error::Result;
use crate::finding::{locate, Finding};
use crate::source::fs::{walk, WalkOptions};
use crate::source::worktree_diff::WorktreeDiffSource;
use crate::source::{BlobEntry, FragmentSink, Origin, Piece};
use crate::stats::{ScanStats, SkipReason};

/// Receives progress of a history scan (blobs found by the plan, blobs and bytes done, and the findings of each
/// blob as soon as it is scanned). Implemented by the CLI's progress bar, and by the pipeline to start live
/// verification while the scan goes on.
pub trait Progress: Sync {
    fn found(&self, blobs: u64);
    fn advance(&self, blobs: u64, bytes: u64);
    fn finish(&self);
    /// One blob's findings, as the matcher made them: not yet scored, suppressed or attributed to a commit.
    fn findings(&self, _found: &[Finding]) {}
}

/// Findings (sorted by path, then position) and what was scanned or skipped.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
}

impl ScanOutput {
    fn merge(&mut self, findings: Vec<Finding>, stats: ScanStats) {
        self.findings.extend(findings);
        self.stats.merge(stats);
    }

    pub(crate) fn sorted(mut self) -> Self {
        // The fingerprint last: findings at one place by one rule (versions of a file in history) come in the
        // same order every run, and in the order `report merge` gives shards of the run.
        self.findings.sort_by(|a, b| {
            (&a.path, a.start_line, a.start_column, &a.rule_id, &a.fingerprint).cmp(&(
                &b.path,
                b.start_line,
                b.start_column,
                &b.rule_id,
                &b.fingerprint,
            ))
        });
        self
    }
}

/// A per-thread sink: scans what it is given and merges into `shared` when dropped.
pub struct ScanSink<'a> {
    scanner: &'a Scanner,
    shared: &'a Mutex<ScanOutput>,
    terraform: Option<&'a iac_lint::DeferredIac>,
    findings: Vec<Finding>,
    stats: ScanStats,
}

impl<'a> ScanSink<'a> {
    pub fn new(scanner: &'a Scanner, shared: &'a Mutex<ScanOutput>) -> Self {
        ScanSink { scanner, shared, terraform: None, findings: Vec::new(), stats: ScanStats::default() }
    }

    /// Defers Terraform files and ARM templates and parameter files to `modules`, to be linted together after
    /// the walk.
    pub fn with_deferred_iac(mut self, modules: &'a iac_lint::DeferredIac) -> Self {
        self.terraform = Some(modules);
        self
    }
}

impl FragmentSink for ScanSink<'_> {
    fn piece(&mut self, piece: Piece<'_>) {
        let found = scan_piece_plain(self.scanner, &piece, self.terraform, &mut self.stats);
        self.findings.extend(found);
    }

    fn skipped(&mut self, _path: &str, reason: SkipReason, error: Option<String>) {
        match error {
            Some(e) if reason == SkipReason::Unreadable => self.stats.error(e),
            _ => self.stats.skip(reason),
        }
    }
}

impl Drop for ScanSink<'_> {
    fn drop(&mut self) {
        let findings = std::mem::take(&mut self.findings);
        let stats = std::mem::take(&mut self.stats);
        // A poisoned lock means another worker panicked; keep its partial results rather than lose ours.
        let mut out = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        out.merge(findings, stats);
    }
}

/// Scans one piece of content: an archive's members are scanned each as a piece (`archive_members`); anything
/// else as `crate::content` reads it: text is scanned for secrets, its findings located, and infrastructure files
/// are linted (Terraform is deferred to `terraform` when given); a notebook's cells are scanned as well, UTF-16 is
/// decoded first, and binary content has its printable strings scanned with the specific rules (or is counted and
/// skipped when the scanner says so; see `transcoded`). What the
/// piece's origin says is kept: a history blob's findings only where they touch the lines its commits add, a
/// file's exact name where it is not UTF-8. The keyword search is left to `find_keywords` (see
/// [`Scanner::scan_with`]): a history blob's can be rebuilt from its delta base's.
pub fn scan_piece(
    scanner: &Scanner,
    piece: &Piece<'_>,
    terraform: Option<&iac_lint::DeferredIac>,
    stats: &mut ScanStats,
    find_keywords: &mut FindKeywords<'_>,
) -> Vec<Finding> {
    if let Some(found) = archive_members::scan(scanner, piece, stats) {
        return found;
    }
    scan_content(scanner, piece, terraform, stats, find_keywords)
}

/// [`scan_piece`] past the archive layer: for content that is not an archive, and for archive members.
fn scan_content(
    scanner: &Scanner,
    piece: &Piece<'_>,
    terraform: Option<&iac_lint::DeferredIac>,
    stats: &mut ScanStats,
    find_keywords: &mut FindKeywords<'_>,
) -> Vec<Finding> {
    let Piece { path, content, origin } = *piece;
    let mut found = match content::classify(content) {
        Form::Text => {
            stats.scanned(content.len());
            let scanned = scanner.scan_detailed(content, path, find_keywords);
            if scanned.decode_limit_hit {
                stats.skip(SkipReason::DecodeLimit);
            }
            let candidates = scanned.candidates;
            let mut found =
                if candidates.is_empty() { Vec::new() } else { locate(scanner.rules(), content, path, &candidates) };
            if notebook::is_notebook(path) {
                transcoded::notebook_cells(scanner, path, content, &mut found);
            }
            found.extend(iac_lint::lint_file(scanner, path, content, terraform, stats));
            found
        }
        Form::Utf16 { endian, bom } => {
            stats.scanned(content.len());
            let (text, mut found) = transcoded::utf16_text(scanner, path, content, endian, bom);
            found.extend(iac_lint::lint_file(scanner, path, text.as_bytes(), terraform, stats));
            found
        }
        Form::Binary if scanner.binary_strings() => {
            stats.strings_scanned(content.len());
            transcoded::binary_strings(scanner, path, content)
        }
        Form::Binary => {
            stats.skip(SkipReason::Binary);
            return Vec::new();
        }
    };
    match origin {
        Origin::History { added: Some(added), .. } | Origin::WorktreeChange { added } => {
            found.retain(|f| added.intersects(f.start_line, f.end_line))
        }
        Origin::File { raw_name: Some(raw) } => {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
            found.iter_mut().for_each(|f| f.path_bytes = Some(encoded.clone()));
        }
        _ => {}
    }
    // After the added-lines cut: an id whose line a commit did not add is no finding to fold into its secret.
    pairs::pair_up(scanner.rules(), &mut found);
    found
}

/// [`scan_piece`] with the rule set's own keyword search.
pub fn scan_piece_plain(
    scanner: &Scanner,
    piece: &Piece<'_>,
    terraform: Option<&iac_lint::DeferredIac>,
    stats: &mut ScanStats,
) -> Vec<Finding> {
    let find_keywords = &mut |content: &[u8], hits: &mut Vec<_>| scanner.rules().keyword_hits(content, hits);
    scan_piece(scanner, piece, terraform, stats, find_keywords)
}

/// What one history worker gathers: each finding with its blob's commit index, and the counts. Whoever follows
/// the scan's progress is told of each blob's findings as they are made.
struct Gathered<'a> {
    found: Vec<(Finding, usize)>,
    stats: ScanStats,
    progress: Option<&'a dyn Progress>,
}

impl<'a> Gathered<'a> {
    fn new(progress: Option<&'a dyn Progress>) -> Self {
        Gathered { found: Vec::new(), stats: ScanStats::default(), progress }
    }

    fn merge(&mut self, other: Gathered<'_>) {
        self.found.extend(other.found);
        self.stats.merge(other.stats);
    }
}

/// Scans one history blob's content; its findings are kept with the index of its commit.
fn record_blob(
    scanner: &Scanner,
    entry: &BlobEntry,
    content: &[u8],
    out: &mut Gathered<'_>,
    find_keywords: &mut FindKeywords<'_>,
) {
    let findings = scan_piece(scanner, &entry.piece(content), None, &mut out.stats, find_keywords);
    if let (Some(p), false) = (out.progress, findings.is_empty()) {
        p.findings(&findings);
    }
    out.found.extend(findings.into_iter().map(|f| (f, entry.commit)));
}

/// Scans files and folders; Terraform files (per directory) and ARM templates (with their parameter files) are
/// linted once the walk is done.
pub fn scan_paths(scanner: &Scanner, roots: &[PathBuf], opts: &WalkOptions) -> ScanOutput {
    let shared = Mutex::new(ScanOutput::default());
    let terraform = iac_lint::DeferredIac::default();
    walk(roots, opts, || ScanSink::new(scanner, &shared).with_deferred_iac(&terraform));
    let mut out = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut stats = ScanStats::default();
    let tf = terraform.lint(scanner, &mut stats);
    out.merge(tf, stats);
    out.sorted()
}

/// Scans the working tree's changes not yet staged (see `WorktreeDiffSource`): each changed file whole, its
/// findings kept where they touch the lines the change adds. One thread: such a change is a few files.
pub fn scan_worktree_changes(scanner: &Scanner, source: &WorktreeDiffSource, max_size: u64) -> Result<ScanOutput> {
    let mut out = ScanOutput::default();
    let mut findings = Vec::new();
    source.each_change(max_size, &mut out.stats, |piece, stats| {
        findings.extend(scan_piece_plain(scanner, &piece, None, stats));
    })?;
    out.findings = findings;
    Ok(out.sorted())
}

/// Scans one piece of content held in memory (stdin).
pub fn scan_bytes(scanner: &Scanner, content: &[u8], path: &str) -> ScanOutput {
    let shared = Mutex::new(ScanOutput::default());
    ScanSink::new(scanner, &shared).piece(Piece { path, content, origin: Origin::Stream });
    shared.into_inner().unwrap_or_else(|p| p.into_inner()).sorted()
}
