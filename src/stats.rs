//! What a scan looked at and what it did not: counts of scanned files and bytes, skips by reason, and the
//! errors behind unread input. Every stage adds to these; the CLI turns unread input into exit code 2.
use std::collections::BTreeMap;

use serde::Serialize;

/// Why a piece of input was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not text (`crate::content::classify`), and its strings were not scanned (`--no-binary-strings`).
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
    /// Text whose encoded spans were not all decoded: decoding stopped at its size cap (`decode_max_bytes`).
    /// The text itself was scanned.
    DecodeLimit,
    /// Could not be read: permission denied, I/O error, missing object. Makes the run exit 2.
    Unreadable,
    /// An archive member a limit of `crate::archive::ArchiveLimits` stopped (too large, too deep, too many, too
    /// compressed, or past the archive's total): a bomb, or an archive larger than the limits allow.
    ArchiveLimit,
    /// Archive content that could not be read: a corrupt or truncated archive, an encrypted member, a
    /// compression method leakgate does not read.
    ArchiveUnreadable,
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
            SkipReason::DecodeLimit => "not fully decoded",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotPresent => "not present locally",
            SkipReason::ArchiveLimit => "over an archive limit",
            SkipReason::ArchiveUnreadable => "unreadable in an archive",
        }
    }

    /// Whether `--strict` holds a skip of this kind against the scan. Binary files are exempt: by default their
    /// strings are scanned and they are not skipped at all; skipped, it is because the user turned that off
    /// (`--no-binary-strings`), and since nearly every repository has images, counting them would make
    /// `--strict` fail everywhere for a choice the user made.
    /// Symlinks are exempt in git modes (`in_git`), which scan a committed link's blob like a file's.
    pub fn fails_strict(self, in_git: bool) -> bool {
        match self {
            SkipReason::Binary => false,
            SkipReason::Symlink => !in_git,
            _ => true,
        }
    }
}

/// Archive content not scanned: the member (or the archive, for the rest of it) and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArchiveSkip {
    pub path: String,
    pub why: String,
}

/// Errors kept verbatim; beyond this many only the count grows.
const MAX_KEPT_ERRORS: usize = 100;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Of `files_scanned`, the binary files (and blobs) whose printable strings were scanned
    /// (`crate::content::strings`) rather than their text.
    pub binary_strings_scanned: u64,
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
    /// The archive members skipped for a limit or as unreadable, at most `MAX_KEPT_ERRORS`: the reports list
    /// them and a gate that fails on them names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub archive_skips: Vec<ArchiveSkip>,
    /// Facts about the input the reader should know (a shallow clone's history is incomplete, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ScanStats {
    pub fn scanned(&mut self, bytes: usize) {
        self.files_scanned += 1;
        self.bytes_scanned += bytes as u64;
    }

    /// Counts binary content of `bytes` bytes whose printable strings were scanned.
    pub fn strings_scanned(&mut self, bytes: usize) {
        self.scanned(bytes);
        self.binary_strings_scanned += 1;
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

    /// Counts `count` archive members not scanned, for `reason` ([`SkipReason::ArchiveLimit`] or
    /// [`SkipReason::ArchiveUnreadable`]); `why` says which limit or what was wrong.
    pub fn skip_archive_members(&mut self, path: &str, count: u64, reason: SkipReason, why: String) {
        *self.skipped.entry(reason).or_default() += count;
        if self.archive_skips.len() < MAX_KEPT_ERRORS {
            self.archive_skips.push(ArchiveSkip { path: path.to_string(), why });
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
        self.binary_strings_scanned += other.binary_strings_scanned;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        self.error_count += other.error_count;
        let room = MAX_KEPT_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(other.errors.into_iter().take(room));
        self.iac_suppressed += other.iac_suppressed;
        let room = MAX_KEPT_ERRORS.saturating_sub(self.too_large.len());
        self.too_large.extend(other.too_large.into_iter().take(room));
        let room = MAX_KEPT_ERRORS.saturating_sub(self.archive_skips.len());
        self.archive_skips.extend(other.archive_skips.into_iter().take(room));
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

    /// Like [`ScanStats::fail_gate_on_too_large`], for archive members a limit stopped or that could not be read:
    /// a key in a member is as much in the change as one in a file, so a gate passes no archive it could not
    /// read through. `None` when every member was scanned.
    pub fn fail_gate_on_archive_skips(&mut self) -> Option<String> {
        let count: u64 =
            [SkipReason::ArchiveLimit, SkipReason::ArchiveUnreadable].iter().filter_map(|r| self.skipped.get(r)).sum();
        if count == 0 {
            return None;
        }
        let mut named: Vec<String> =
            self.archive_skips.iter().take(GATE_NAMED_FILES).map(|s| format!("{} ({})", s.path, s.why)).collect();
        let rest = self.archive_skips.len().saturating_sub(named.len());
        if rest > 0 {
            named.push(format!("{rest} more"));
        }
        let named = named.join(", ");
        let why = "archive content not scanned, and a gate passes only what it scanned: raise the archive limits \
                   (see `leakgate scan --help`) or remove the archive from the change";
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
