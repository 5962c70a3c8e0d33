//! The library's entry point. A [`ScanRequest`] says what to scan and how; [`ScanRequest::run`] carries it through
//! every stage and returns a [`ScanResult`]:
//!
//! 1. **policy** — the config, ignore files and baseline the scan applies (`crate::policy`: the working tree's,
//!    or for a PR check its base commit's, whose weakening changes become `config-weakened` findings);
//! 2. **source** — files, stdin, the staged change or history blobs (`crate::source`);
//! 3. **matcher** — the scanner built from the rules, with the IaC lint beside it (`crate::scan`, `crate::engine`,
//!    `crate::iac`), giving findings (`crate::finding`);
//! 4. **scoring** — each secret's confidence from named evidence (`crate::confidence`); those under the
//!    threshold are counted, not reported;
//! 5. **suppression** — inline markers, ignore files, baseline (`crate::suppress`), each counting what it hides;
//! 6. **verification** — only when asked: each reported secret's provider is asked whether it works
//!    (`verification`, over `crate::verify`). It begins with the scan: a history scan's findings that will surely
//!    be reported (`reportable`) are checked while the scan goes on.
//!
//! Reporting is the caller's: `crate::report` writes a result in any format. Nothing here prints, reads flags or
//! picks an exit code.
//!
//! ```no_run
//! use leakgate::pipeline::{ScanRequest, Target};
//!
//! let result = ScanRequest::new(Target::Paths(vec![".".into()])).run()?;
//! for f in &result.findings {
//!     println!("{}:{} {}", f.path, f.start_line, f.rule_id);
//! }
//! # Ok::<(), leakgate::Error>(())
//! ```
mod files;
mod git;
pub mod incremental;
mod reportable;
pub mod verification;

use std::path::PathBuf;

use crate::confidence;
use crate::config::ArchiveSettings;
use crate::engine::Scanner;
use crate::error::Result;
use crate::evidence::Confidence;
use crate::finding::Finding;
use crate::policy::PolicyInputs;
use crate::redact::mask_shared_lines;
use crate::rules::{RuleSet, Severity};
use crate::scan::{Progress, ScanOutput};
use crate::source::history::HistorySpec;
use crate::source::staged::StagedBase;
use crate::stats::ScanStats;
use crate::suppress::{self, baseline::Baseline, ignore_file::IgnoreList, InlineMarkers, Suppressed};

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// Files and folders.
    Paths(Vec<PathBuf>),
    /// Standard input, read up to the size limit.
    Stdin,
    /// Content held in memory, named `name` in findings.
    Bytes { name: String, content: Vec<u8> },
    /// The staged change (what `git commit` would record): index content, added lines only.
    Staged,
    /// The working tree's changes not yet staged (what `git diff` shows: the working tree against the index),
    /// added lines only; untracked files are not part of it.
    WorktreeChanges,
    /// Commits: every distinct blob of all refs or of some revisions (an audit), the lines a range adds (a PR
    /// check, whose policy comes from its base), or the commits a push sends.
    History(HistorySpec),
}

/// A scan to run: the target and every option, each with the default `leakgate scan` has.
pub struct ScanRequest {
    pub target: Target,
    /// The repository for git targets (default: the current folder or a parent).
    pub repo: Option<PathBuf>,
    /// The config, baseline and trust the policy is read with.
    pub policy: PolicyInputs,
    /// Skip content larger than this many bytes (default: the config's `max_file_size`, else 50 MiB).
    pub max_file_size: Option<u64>,
    /// Worker threads; 0 is one per core.
    pub threads: usize,
    /// Folder scans honour `.gitignore` and `.ignore`.
    pub respect_ignore_files: bool,
    /// Folder scans follow symbolic links.
    pub follow_symlinks: bool,
    /// Lint infrastructure files; `None`: on for files and the staged change, off for history and ranges.
    pub iac: Option<bool>,
    /// Scan the printable strings of binary content (`None`: the config's `binary_strings`, else on).
    pub binary_strings: Option<bool>,
    /// Decoding layers: `Some(0)` turns decoding off, `Some(n)` looks `n` layers deep; `None`: the config's
    /// setting (default 2).
    pub decode_depth: Option<u8>,
    /// The index the staged change is read from, instead of the repository's (`GIT_INDEX_FILE` in a hook).
    pub index_file: Option<PathBuf>,
    /// What the staged change is compared with: HEAD, or HEAD's parent for a commit that replaces HEAD
    /// (`git commit --amend`).
    pub staged_base: StagedBase,
    /// Read a history's packs in bulk (off: object by object through libgit2, for comparing the two).
    pub pack_reader: bool,
    /// Mask, in every finding's quoted line, the secrets of all findings on it, suppressed ones included, so a
    /// report never shows a secret that suppression hid from it. Off when the caller shows secrets anyway.
    pub mask_lines: bool,
    /// A history range that selects no commits is not an error (a PR with nothing in it yet).
    pub allow_empty_range: bool,
    /// The scan gates a change (a commit, a push, a pull request): content it did not scan for its size is unread
    /// input, so the change cannot pass unscanned ([`ScanResult::gate_error`]).
    pub gate: bool,
    /// An incremental audit (`--state`): with a history audit of all refs, scan only what the state's earlier
    /// runs did not, and bring the state up to date.
    pub state: Option<incremental::StateRequest>,
    /// How reports name the repository (default: its `origin` remote's URL without credentials, else its folder).
    pub repository_name: Option<String>,
    /// Scan only this share of a history's distinct blobs and commit messages (`--shard K/N`).
    pub shard: Option<crate::source::shard::Shard>,
    /// Told how a history scan advances.
    pub progress: Option<Box<dyn Progress>>,
    /// Report secrets at this confidence and above (default: the config's `confidence`, else `medium`); the
    /// rest are counted in [`ScanResult::below_confidence`].
    pub min_confidence: Option<Confidence>,
    /// Whether archives are opened, and their limits, over the config's `[archives]`.
    pub archives: ArchiveSettings,
    /// Live verification: `None` never verifies (the hooks); otherwise as asked, or as the config's
    /// `[verify] enabled` says.
    pub verify: Option<verification::VerifyRequest>,
}

impl ScanRequest {
    pub fn new(target: Target) -> ScanRequest {
        ScanRequest {
            target,
            repo: None,
            policy: PolicyInputs::default(),
            max_file_size: None,
            threads: 0,
            respect_ignore_files: true,
            follow_symlinks: false,
            iac: None,
            binary_strings: None,
            decode_depth: None,
            index_file: None,
            staged_base: StagedBase::Head,
            pack_reader: true,
            mask_lines: true,
            allow_empty_range: false,
            gate: false,
            shard: None,
            repository_name: None,
            state: None,
            progress: None,
            min_confidence: None,
            archives: ArchiveSettings::default(),
            verify: None,
        }
    }

    /// Applies [`decode_depth`](Self::decode_depth) over what the config set.
    fn apply_decode(&self, scanner: &mut crate::engine::Scanner) {
        match self.decode_depth {
            Some(0) => scanner.set_decode(crate::engine::decode::DecodePolicy::off()),
            Some(depth) => scanner.set_decode(crate::engine::decode::DecodePolicy { depth, ..scanner.decode() }),
            None => {}
        }
    }

    /// Runs every stage: policy, source, matcher, suppression.
    pub fn run(self) -> Result<ScanResult> {
        let collected = match &self.target {
            Target::Paths(paths) => files::collect(&self, files::Input::Paths(paths))?,
            Target::Stdin => files::collect(&self, files::Input::Stdin)?,
            Target::Bytes { name, content } => files::collect(&self, files::Input::Bytes { name, content })?,
            Target::Staged => git::collect_staged(&self)?,
            Target::WorktreeChanges => git::collect_worktree_changes(&self)?,
            Target::History(spec) => git::collect_history(&self, spec.clone())?,
        };
        let threshold = self.min_confidence.or(collected.config_confidence).unwrap_or_default();
        let targets: Vec<String> = match &self.target {
            Target::Paths(paths) => paths.iter().map(|p| crate::source::fs::display_path(p)).collect(),
            _ => Vec::new(),
        };
        let mut collected = collected;
        let state = collected.state.take();
        let verifying = collected.verifying.take();
        let mut result = collected.suppress(self.mask_lines, threshold, &targets);
        result.shard = self.shard;
        if let Some(state) = state {
            state.finish(&mut result)?;
        }
        if let Some(v) = verifying {
            verification::finish(&mut result, self.verify.as_ref().is_some_and(|r| r.only_verified), v);
        }
        if self.gate {
            let too_large = result.stats.fail_gate_on_too_large();
            let archives = result.stats.fail_gate_on_archive_skips();
            result.gate_error = match (too_large, archives) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
        }
        Ok(result)
    }
}

/// A scan's findings before suppression, with what is to suppress them.
struct Collected {
    output: ScanOutput,
    scanner: Scanner,
    ignore: IgnoreList,
    baseline: Option<Baseline>,
    markers: InlineMarkers,
    root: PathBuf,
    in_git: bool,
    /// The config's `confidence`, if it sets one.
    config_confidence: Option<Confidence>,
    /// How reports name the repository (git modes).
    repository: Option<String>,
    /// An incremental audit's state, to finish once the findings are known.
    state: Option<incremental::Pending>,
    /// The config's `fail_on`, if it sets one.
    config_fail_on: Option<Severity>,
    /// Verification, if this scan verifies: begun before the scan, finished after suppression.
    verifying: Option<verification::Verifying>,
}

impl Collected {
    /// Scores every finding, sets aside those under `threshold`, then applies suppression. `targets` are the
    /// scanned paths, so a finding's path is judged (tests, docs) below the folder the user scanned.
    fn suppress(self, mask_lines: bool, threshold: Confidence, targets: &[String]) -> ScanResult {
        let Collected {
            mut output, scanner, ignore, baseline, markers, root, in_git, repository, config_fail_on, ..
        } = self;
        // A secret that suppression drops can share a line with one that is reported: mask each quoted line
        // against every finding while they are all still here.
        // Scored on the raw lines: the evidence reads the text around each secret.
        confidence::score_all(scanner.rules(), &mut output.findings, |path| relative_to(path, targets));
        let mut all = if mask_lines { mask_shared_lines(&output.findings) } else { output.findings };
        let failed_validation = all.iter().filter(|f| f.confidence() < threshold && f.failed_validation()).count();
        let before = all.len();
        all.retain(|f| f.confidence() >= threshold);
        let below_confidence = (before - all.len() - failed_validation) as u64;
        let failed_validation = failed_validation as u64;
        let (findings, mut suppressed) = suppress::apply_with(all, &ignore, baseline.as_ref(), markers);
        // Markers the IaC lint resolved itself (on a block or resource) are inline suppressions too.
        suppressed.inline += output.stats.iac_suppressed;
        if markers == InlineMarkers::NotHonoured {
            output.stats.notes.extend(crate::policy::unhonoured_markers_note(&findings));
        }
        ScanResult {
            findings,
            suppressed,
            below_confidence,
            failed_validation,
            threshold,
            config_fail_on,
            stats: output.stats,
            scanner,
            root,
            in_git,
            repository,
            shard: None,
            gate_error: None,
        }
    }
}

/// `path` below the scanned path it was found under (`tests/x.py` when `repo/` was scanned as `repo`).
fn relative_to(path: &str, targets: &[String]) -> String {
    for t in targets {
        let t = t.trim_end_matches('/');
        if t.is_empty() || t == "." {
            continue;
        }
        if let Some(rest) = path.strip_prefix(t) {
            if let Some(rest) = rest.strip_prefix('/') {
                return rest.to_string();
            }
            if rest.is_empty() {
                // The target is the file itself: only its name says anything.
                return path.rsplit('/').next().unwrap_or(path).to_string();
            }
        }
    }
    path.to_string()
}

/// What a scan found after suppression, and what it looked at.
pub struct ScanResult {
    /// Sorted by path, then position.
    pub findings: Vec<Finding>,
    /// How many findings each suppressor hid.
    pub suppressed: Suppressed,
    /// Secret findings under the confidence threshold, not reported (`--confidence low` shows them), except
    /// those counted in `failed_validation`.
    pub below_confidence: u64,
    /// Candidates a rule's validator rejected (a token whose checksum does not add up), under the threshold and
    /// so not reported (`--confidence low` shows them, with the evidence `failed-validation`).
    pub failed_validation: u64,
    /// The confidence threshold the findings were reported at.
    pub threshold: Confidence,
    /// The config's `fail_on` (the severity from which findings fail the scan), if it sets one; the caller
    /// decides the default.
    pub config_fail_on: Option<Severity>,
    /// What was scanned, skipped and could not be read, and notes for the reader.
    pub stats: ScanStats,
    /// The folder holding `.leakgateignore`: the repository root in git modes.
    pub root: PathBuf,
    /// Scanned from git objects rather than files.
    pub in_git: bool,
    /// How reports name the scanned repository (git modes): [`ScanRequest::repository_name`], else its `origin`
    /// remote's URL without credentials, else its folder.
    pub repository: Option<String>,
    /// The share of a history audit scanned (`--shard`).
    pub shard: Option<crate::source::shard::Shard>,
    /// For a gate: why it cannot pass although nothing was found (files it skipped for their size, named);
    /// also counted as unread input in `stats`.
    pub gate_error: Option<String>,
    scanner: Scanner,
}

impl ScanResult {
    /// The rules the scan ran, for the reports' rule documentation.
    pub fn rules(&self) -> &RuleSet {
        self.scanner.rules()
    }

    /// What `--strict` holds against the scan (`1 too large, 2 symlink`), if anything was skipped.
    pub fn strict_gaps(&self) -> Option<String> {
        self.stats.strict_gaps(self.in_git)
    }
}

/// The config's notes (how a gitleaks config was read) travel with the scan's own notes into every report.
fn with_notes(mut output: ScanOutput, notes: &[String]) -> ScanOutput {
    for n in notes {
        if !output.stats.notes.contains(n) {
            output.stats.notes.push(n.clone());
        }
    }
    output
}
