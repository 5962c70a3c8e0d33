//! Hiding findings people have reviewed: inline markers on the line, fingerprints in `.leakgateignore` (and
//! `.gitleaksignore`), and a baseline file. Each counts what it hides, so a suppressed finding is never
//! silently lost.
pub mod baseline;
pub mod ignore_file;
pub mod inline;

use serde::Serialize;

use crate::finding::{Finding, FindingKind};

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

/// Whether `leakgate:allow` markers in the scanned lines hide findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InlineMarkers {
    Honoured,
    /// A PR check with the base commit's config: every reported line is one the change under review adds, so
    /// a marker on it is the author's own word, no more trusted than their `.leakgateignore`.
    NotHonoured,
}

/// Runs the suppressors in order (inline → ignore file → baseline), returning what is left and the counts.
/// A finding is counted once, by the first suppressor that hides it.
pub fn apply(
    findings: Vec<Finding>,
    ignore: &ignore_file::IgnoreList,
    baseline: Option<&baseline::Baseline>,
) -> (Vec<Finding>, Suppressed) {
    apply_with(findings, ignore, baseline, InlineMarkers::Honoured)
}

/// [`apply`], with inline markers honoured or not. A `config-weakened` finding is never hidden by a marker: its
/// line is in the very config change it reports.
pub fn apply_with(
    findings: Vec<Finding>,
    ignore: &ignore_file::IgnoreList,
    baseline: Option<&baseline::Baseline>,
    markers: InlineMarkers,
) -> (Vec<Finding>, Suppressed) {
    let mut counts = Suppressed::default();
    let kept = findings
        .into_iter()
        .filter(|f| match hider(f, ignore, baseline, markers) {
            Some(Hider::Inline) => {
                counts.inline += 1;
                false
            }
            Some(Hider::IgnoreFile) => {
                counts.ignore_file += 1;
                false
            }
            Some(Hider::Baseline) => {
                counts.baseline += 1;
                false
            }
            None => true,
        })
        .collect();
    (kept, counts)
}

/// Which suppressor hides a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hider {
    Inline,
    IgnoreFile,
    Baseline,
}

/// The first suppressor (inline → ignore file → baseline) that hides `f`, if any. A finding not yet attributed
/// to a commit is hidden by every entry for its spot, whatever commit the entry names.
pub fn hider(
    f: &Finding,
    ignore: &ignore_file::IgnoreList,
    baseline: Option<&baseline::Baseline>,
    markers: InlineMarkers,
) -> Option<Hider> {
    let inline_applies = markers == InlineMarkers::Honoured && f.kind() != FindingKind::Config;
    if inline_applies && inline::allows(&f.line, &f.rule_id) {
        Some(Hider::Inline)
    } else if ignore.matches(f) {
        Some(Hider::IgnoreFile)
    } else if baseline.is_some_and(|b| b.matches(f)) {
        Some(Hider::Baseline)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{apply_with, ignore_file::IgnoreList, InlineMarkers};
    use crate::finding::test_support::secret_finding;
    use crate::finding::{Detail, PolicyChange};

    #[test]
    fn markers_can_be_turned_off_and_never_hide_a_config_finding() {
        let mut marked = secret_finding("a.env");
        marked.line.push_str(" # leakgate:allow");
        let mut config = marked.clone();
        config.detail = Detail::Policy(PolicyChange { setting: "disable".into(), message: "off".into() });
        let ignore = IgnoreList::default();
        let (kept, n) = apply_with(vec![marked.clone(), config.clone()], &ignore, None, InlineMarkers::Honoured);
        assert_eq!((kept, n.inline), (vec![config.clone()], 1));
        let (kept, n) = apply_with(vec![marked.clone(), config.clone()], &ignore, None, InlineMarkers::NotHonoured);
        assert_eq!((kept, n.inline), (vec![marked, config], 0));
    }
}
