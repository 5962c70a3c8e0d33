//! Hiding findings people have reviewed: inline markers on the line, fingerprints in `.leakgateignore` (and
//! `.gitleaksignore`), and a baseline file. Each counts what it hides, so a suppressed finding is never
//! silently lost.
pub mod baseline;
pub mod ignore_file;
pub mod inline;

use serde::Serialize;

use crate::finding::Finding;

/// How many findings each suppressor hid.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Suppressed {
    pub inline: u64,
    pub ignore_file: u64,
    pub baseline: u64,
}

impl Suppressed {
    pub fn total(&self) -> u64 {
        self.inline + self.ignore_file + self.baseline
    }
}

/// Runs the suppressors in order (inline → ignore file → baseline), returning what is left and the counts.
/// A finding is counted once, by the first suppressor that hides it.
pub fn apply(
    findings: Vec<Finding>,
    ignore: &ignore_file::IgnoreList,
    baseline: Option<&baseline::Baseline>,
) -> (Vec<Finding>, Suppressed) {
    let mut counts = Suppressed::default();
    let kept = findings
        .into_iter()
        .filter(|f| {
            if inline::allows(&f.line, &f.rule_id) {
                counts.inline += 1;
                false
            } else if ignore.matches(f) {
                counts.ignore_file += 1;
                false
            } else if baseline.is_some_and(|b| b.contains(&f.fingerprint)) {
                counts.baseline += 1;
                false
            } else {
                true
            }
        })
        .collect();
    (kept, counts)
}
