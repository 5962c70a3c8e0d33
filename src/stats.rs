//! What a scan looked at and what it did not: counts of scanned files and bytes, skips by reason, and the
//! errors behind unread input. Every stage adds to these; the CLI turns unread input into exit code 2.
use std::collections::BTreeMap;

use serde::Serialize;

/// Why a piece of input was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Contains NUL bytes near the start.
    Binary,
    /// Larger than the size limit.
    TooLarge,
    /// A symbolic link (not followed unless asked).
    Symlink,
    /// A FIFO, socket or device: reading could block or never end.
    Special,
    /// A git submodule entry: its content lives in another repository.
    Submodule,
    /// An infrastructure file the IaC lint cannot read as such (a Helm template, an oversized manifest); its
    /// text was still scanned for secrets.
    IacNotLinted,
    /// Could not be read: permission denied, I/O error, missing object. Makes the run exit 2.
    Unreadable,
    /// A git object a partial clone never fetched (leakgate never fetches). Unread input, like `Unreadable`: the
    /// run exits 2.
    NotPresent,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too large",
            SkipReason::Symlink => "symlink",
            SkipReason::Special => "special file",
            SkipReason::Submodule => "submodule",
            SkipReason::IacNotLinted => "not IaC-linted",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotPresent => "not present locally",
        }
    }

    /// Whether `--strict` holds a skip of this kind against the scan. Binary files are exempt: they were read
    /// and judged not to be text, which is a verdict on the content, not a gap in what was looked at; and since
    /// nearly every repository has images or archives, counting them would make `--strict` fail everywhere.
    /// Symlinks are exempt in git modes (`in_git`), which scan a committed link's blob like a file's.
    pub fn fails_strict(self, in_git: bool) -> bool {
        match self {
            SkipReason::Binary => false,
            SkipReason::Symlink => !in_git,
            _ => true,
        }
    }
}

/// Errors kept verbatim; beyond this many only the count grows.
const MAX_KEPT_ERRORS: usize = 100;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: BTreeMap<SkipReason, u64>,
    /// One line per unread input (path and reason), at most `MAX_KEPT_ERRORS`.
    pub errors: Vec<String>,
    pub error_count: u64,
    /// Files the IaC lint could not parse (file, line and the parser's message); the scan goes on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The files counted as `iac_not_linted`, as `path: reason`, at most `MAX_KEPT_ERRORS`: a count alone
    /// does not say which manifests went unchecked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iac_not_linted: Vec<String>,
    /// IaC findings hidden by `leakgate:allow` markers the IaC lint resolved itself (blocks, resources).
    #[serde(skip)]
    pub iac_suppressed: u64,
    /// The files skipped as too large (path, size in bytes), at most `MAX_KEPT_ERRORS`: a gate that fails on
    /// them names them.
    #[serde(skip)]
    pub too_large: Vec<(String, u64)>,
    /// Facts about the input the reader should know (a shallow clone's history is incomplete, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ScanStats {
    pub fn scanned(&mut self, bytes: usize) {
        self.files_scanned += 1;
        self.bytes_scanned += bytes as u64;
    }

    pub fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// Counts a file or blob of `size` bytes skipped for being over the size limit.
    pub fn skip_too_large(&mut self, path: &str, size: u64) {
        self.skip(SkipReason::TooLarge);
        if self.too_large.len() < MAX_KEPT_ERRORS {
            self.too_large.push((path.to_string(), size));
        }
    }

    /// Counts an infrastructure file the IaC lint could not read as such (its text was still scanned).
    pub fn skip_iac(&mut self, path: &str, reason: &str) {
        self.skip(SkipReason::IacNotLinted);
        if self.iac_not_linted.len() < MAX_KEPT_ERRORS {
            self.iac_not_linted.push(format!("{path}: {reason}"));
        }
    }

    /// Counts unread input with its reason.
    pub fn error(&mut self, message: String) {
        self.unread(SkipReason::Unreadable, message);
    }

    /// Counts unread input under a more telling reason than `Unreadable` (a blob a partial clone never fetched).
    pub fn unread(&mut self, reason: SkipReason, message: String) {
        self.skip(reason);
        self.error_count += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(message);
        }
    }

    pub fn merge(&mut self, other: ScanStats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        self.error_count += other.error_count;
        let room = MAX_KEPT_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(other.errors.into_iter().take(room));
        self.iac_suppressed += other.iac_suppressed;
        let room = MAX_KEPT_ERRORS.saturating_sub(self.too_large.len());
        self.too_large.extend(other.too_large.into_iter().take(room));
        let room = MAX_KEPT_ERRORS.saturating_sub(self.warnings.len());
        self.warnings.extend(other.warnings.into_iter().take(room));
        let room = MAX_KEPT_ERRORS.saturating_sub(self.iac_not_linted.len());
        self.iac_not_linted.extend(other.iac_not_linted.into_iter().take(room));
        for n in other.notes {
            if !self.notes.contains(&n) {
                self.notes.push(n);
            }
        }
    }

    pub fn total_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// True when some input could not be read, so "no findings" would not mean "clean".
    pub fn has_unread_input(&self) -> bool {
        self.error_count > 0
    }

    /// What `--strict` holds against this scan, as `2 too large, 1 symlink, 1 IaC parse failure`: the skips
    /// [`SkipReason::fails_strict`] counts and the infrastructure files that could not be parsed. `None` when
    /// everything that should have been scanned was.
    pub fn strict_gaps(&self, in_git: bool) -> Option<String> {
        let mut parts: Vec<String> = self
            .skipped
            .iter()
            .filter(|(r, n)| r.fails_strict(in_git) && **n > 0)
            .map(|(r, n)| format!("{n} {}", r.as_str()))
            .collect();
        if !self.warnings.is_empty() {
            let n = self.warnings.len();
            parts.push(format!("{n} IaC parse failure{}", if n == 1 { "" } else { "s" }));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// For a scan that gates a change (`--staged`, `--range`, the hooks): what it left unscanned for its size,
    /// as one line naming the files and how to raise the limit, also kept as an error so the run exits 2 and
    /// every report shows it failed. A secret followed by megabytes of padding must not pass a gate; an audit
    /// (a folder, `--history`) only counts such skips. `None` when nothing was too large.
    pub fn fail_gate_on_too_large(&mut self) -> Option<String> {
        let count = self.skipped.get(&SkipReason::TooLarge).copied().unwrap_or(0);
        if count == 0 {
            return None;
        }
        let mut named: Vec<String> =
            self.too_large.iter().take(GATE_NAMED_FILES).map(|(path, size)| format!("{path} ({size} bytes)")).collect();
        let rest = count.saturating_sub(named.len() as u64);
        if rest > 0 {
            named.push(format!("{rest} more"));
        }
        let why = "over the size limit, and a gate passes only what it scanned: raise the limit with \
                   --max-file-size or max_file_size in the config";
        let named = named.join(", ");
        self.error_count += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(format!("{named}: {why}"));
        }
        Some(format!("not scanned: {named}: {why}"))
    }
}

/// Oversized files a gate's error names; the rest are counted.
const GATE_NAMED_FILES: usize = 5;

#[cfg(test)]
mod tests {
    use super::{ScanStats, SkipReason};

    #[test]
    fn strict_counts_every_gap_but_binary_files() {
        let mut stats = ScanStats::default();
        stats.skip(SkipReason::Binary);
        assert_eq!(stats.strict_gaps(false), None);
        stats.skip(SkipReason::Symlink);
        assert_eq!(stats.strict_gaps(true), None, "a committed symlink is its target path, fully recorded");
        assert_eq!(stats.strict_gaps(false).as_deref(), Some("1 symlink"));
        stats.skip(SkipReason::TooLarge);
        stats.skip(SkipReason::TooLarge);
        stats.warnings.push("main.tf:3: unexpected token".into());
        assert_eq!(stats.strict_gaps(false).as_deref(), Some("2 too large, 1 symlink, 1 IaC parse failure"));
    }
}
