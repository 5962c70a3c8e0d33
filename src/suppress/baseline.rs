//! Baselines: the fingerprints of findings a team has accepted for now (`leakgate baseline create`), so that a
//! scan with `--baseline FILE` reports only what is new. A fingerprint is rule id + path + a hash of the
//! secret (see `finding::Fingerprint`): no secret is stored, and no line number, so moving code does not
//! bring a baselined secret back.
//!
//! The file is JSON shaped so that git can merge it line by line:
//!
//! ```json
//! {
//!   "version": 1,
//!   "about": "…",
//!   "fingerprints": [
//!     "aws-access-key-id:config/prod.env:1a2b3c4d5e6f7a8b",
//!     "github-classic-pat:src/main.rs:0f1e2d3c4b5a6978",
//!     ""
//!   ]
//! }
//! ```
//!
//! Why this shape rather than JSON Lines: the name says `.json`, and JSON checkers (editors, pre-commit's
//! `check-json`) must accept it. Why one entry per line, sorted, each ending with a comma, and a final `""`:
//! adding a finding only ever *inserts one whole line* — no neighbouring line changes (the comma a JSON list
//! would otherwise move onto the previous last entry) — so two branches that each add entries merge cleanly
//! whenever an existing entry lies between their insertions, which sorting makes likely. Where both insert at
//! the same spot, git's `merge=union` driver (`.gitattributes`: `.leakgate-baseline.json merge=union`) keeps
//! both lines, and the result is still valid JSON because every entry line stands alone. The `""` entry is
//! that fixed last element; it is ignored when reading. Entries out of order or repeated (after a union merge)
//! are fine; the next `baseline create` writes them sorted again.
//!
//! A gitleaks JSON report (an array of findings, gitleaks' `--baseline-path`) is read as a baseline too: each of
//! its findings hides what leakgate finds at the same path and line (and commit, when it names one), matched as
//! `.gitleaksignore` entries are (`ignore_file`), since the two tools name their rules differently.
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::ignore_file::GitleaksSpots;
use crate::error::{Error, Result};
use crate::finding::{Finding, Fingerprint};

pub const BASELINE_FILE_NAME: &str = ".leakgate-baseline.json";
pub const BASELINE_VERSION: u32 = 1;

const ABOUT: &str = "leakgate baseline: fingerprints (rule:path:hash, no secrets) of accepted findings. \
`leakgate scan --baseline FILE` reports only findings not listed. One entry per line, sorted; every entry \
ends with a comma and the list ends with \"\", so that merges only add or remove whole lines.";

#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
    /// From a gitleaks report: the spots its findings name.
    gitleaks: GitleaksSpots,
    /// Those spots as `[commit:]path:line`, for listing (what a change adds to the baseline).
    gitleaks_entries: HashSet<String>,
}

/// The fields of a gitleaks report's finding that say where it is.
#[derive(Deserialize)]
struct GitleaksFinding {
    #[serde(rename = "File")]
    file: String,
    #[serde(rename = "StartLine")]
    start_line: usize,
    #[serde(rename = "Commit", default)]
    commit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    about: Option<String>,
    fingerprints: Vec<String>,
}

impl Baseline {
    /// Parses the file's text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Baseline> {
        if text.trim_start().starts_with('[') {
            return Baseline::parse_gitleaks(origin, text);
        }
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| Error::config(origin, format!("not a leakgate baseline: {e}")))?;
        if file.version != BASELINE_VERSION {
            return Err(Error::config(
                origin,
                format!(
                    "baseline version {} is not supported (this leakgate reads version {BASELINE_VERSION})",
                    file.version
                ),
            ));
        }
        let fingerprints = file.fingerprints.into_iter().filter(|f| !f.is_empty()).collect();
        Ok(Baseline { fingerprints, ..Baseline::default() })
    }

    /// A gitleaks JSON report used as a baseline.
    fn parse_gitleaks(origin: &str, text: &str) -> Result<Baseline> {
        let findings: Vec<GitleaksFinding> = serde_json::from_str(text)
            .map_err(|e| Error::config(origin, format!("not a gitleaks JSON report (an array of findings): {e}")))?;
        let mut baseline = Baseline::default();
        for f in findings {
            baseline.gitleaks.add(Some(&f.commit), &f.file, f.start_line);
            let commit = if f.commit.is_empty() { String::new() } else { format!("{}:", f.commit) };
            baseline.gitleaks_entries.insert(format!("{commit}{}:{}", f.file, f.start_line));
        }
        Ok(baseline)
    }

    /// Reads a baseline the user named: a missing file is an error, not an empty baseline.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io { context: format!("cannot read baseline {}", path.display()), source: e })?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    pub fn contains(&self, fp: &Fingerprint) -> bool {
        self.fingerprints.contains(&fp.0)
    }

    /// The finding's fingerprint is listed, or a finding of a gitleaks report names its spot.
    pub fn matches(&self, f: &Finding) -> bool {
        self.contains(&f.fingerprint) || self.gitleaks.matches(f)
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.gitleaks_entries.len()
    }

    /// The entries, sorted: fingerprints, and a gitleaks report's spots as `[commit:]path:line`.
    pub fn fingerprints(&self) -> Vec<String> {
        let mut v: Vec<String> = self.fingerprints.iter().chain(&self.gitleaks_entries).cloned().collect();
        v.sort();
        v
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The baseline file for `findings`: distinct fingerprints, sorted, one per line (see the module doc).
pub fn render(findings: &[Finding]) -> String {
    let sorted: BTreeSet<&str> = findings.iter().map(|f| f.fingerprint.0.as_str()).collect();
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"version\": {BASELINE_VERSION},\n"));
    out.push_str(&format!("  \"about\": {},\n", json_string(ABOUT)));
    out.push_str("  \"fingerprints\": [\n");
    for fp in sorted {
        out.push_str(&format!("    {},\n", json_string(fp)));
    }
    out.push_str("    \"\"\n  ]\n}\n");
    out
}

/// A JSON string literal on one line (serde_json escapes newlines and control characters).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::{render, Baseline};
    use crate::finding::test_support::secret_finding;

    #[test]
    fn render_is_sorted_one_per_line_and_reads_back() {
        let (b, a) = (secret_finding("z/b.env"), secret_finding("a\"quoted\nname.env"));
        let text = render(&[b.clone(), a.clone(), b.clone()]);
        let entries: Vec<&str> = text.lines().filter(|l| l.starts_with("    ")).collect();
        assert_eq!(entries.len(), 3, "{text}");
        assert!(entries[0].contains("a\\\"quoted\\nname.env") && entries[1].contains("z/b.env"));
        assert!(entries[..2].iter().all(|l| l.ends_with(',')));
        assert_eq!(entries[2], "    \"\"");
        let base = Baseline::parse("b.json", &text).unwrap();
        assert_eq!(base.len(), 2);
        assert!(base.contains(&a.fingerprint) && base.contains(&b.fingerprint));
    }

    #[test]
    fn union_merge_of_two_additions_stays_valid() {
        // What git's union driver makes of two branches inserting at the same place: both lines, in turn.
        let text = "{\n  \"version\": 1,\n  \"fingerprints\": [\n    \"r:a:1\",\n    \"r:c:3\",\n    \"r:b:2\",\n    \"r:a:1\",\n    \"\"\n  ]\n}\n";
        assert_eq!(Baseline::parse("b.json", text).unwrap().len(), 3);
    }

    #[test]
    fn a_gitleaks_report_is_a_baseline_of_spots() {
        let f = secret_finding("src/a.env"); // line 3
        let report =
            r#"[{"RuleID": "github-pat", "File": "./src/a.env", "StartLine": 3, "Commit": "", "Secret": "REDACTED"}]"#;
        let base = Baseline::parse("gl.json", report).unwrap();
        assert!(base.matches(&f) && base.len() == 1, "{:?}", base.fingerprints());
        let mut moved = f.clone();
        moved.start_line = 4;
        assert!(!base.matches(&moved));
        let err = Baseline::parse("gl.json", "[{\"File\": 3}]").unwrap_err().to_string();
        assert!(err.contains("gl.json") && err.contains("not a gitleaks JSON report"), "{err}");
    }

    #[test]
    fn wrong_version_or_shape_is_an_error_naming_the_file() {
        let err = Baseline::parse("base.json", "{\"version\": 2, \"fingerprints\": []}").unwrap_err().to_string();
        assert!(err.contains("base.json") && err.contains("version 2"), "{err}");
        let err = Baseline::parse("base.json", "true").unwrap_err().to_string();
        assert!(err.contains("base.json") && err.contains("not a leakgate baseline"), "{err}");
    }
}
