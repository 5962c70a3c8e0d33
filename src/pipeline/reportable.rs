//! Whether the pipeline will report a finding, told from the finding alone as the matcher made it, before the
//! scan is over: its confidence at or over the threshold, no inline marker, ignore-file or baseline entry hiding
//! it, and (an incremental audit) not known from an earlier run. Where a later stage knows more it errs towards
//! "hidden": a `.gitleaksignore` or gitleaks-baseline entry naming a commit hides the finding whatever its
//! commit, since that is not known yet.
//!
//! Two things rest on it. A history audit reports, of a secret's versions at one path, the earliest one this
//! keeps (`Selection::prefer`); and live verification starts during the scan only on findings this keeps — so
//! a credential sent to its provider is always one the report shows.
use std::collections::HashSet;

use crate::confidence;
use crate::evidence::Confidence;
use crate::finding::{Detail, Finding};
use crate::rules::RuleSet;
use crate::suppress::{self, baseline::Baseline, ignore_file::IgnoreList, InlineMarkers};

pub(super) struct Reportable<'a> {
    pub rules: &'a RuleSet,
    pub threshold: Confidence,
    pub markers: InlineMarkers,
    pub ignore: &'a IgnoreList,
    pub baseline: Option<&'a Baseline>,
    /// Fingerprints an incremental audit's earlier runs found: not reported again.
    pub known: HashSet<String>,
}

impl Reportable<'_> {
    /// Whether `f` (not yet scored nor attributed to a commit) will be reported. Scored as the pipeline scores it
    /// (`Collected::suppress`), on the same line and path.
    pub fn keeps(&self, f: &Finding) -> bool {
        if self.known.contains(&f.fingerprint.0) {
            return false;
        }
        let level = match &f.detail {
            Detail::Secret(_) => confidence::score(self.rules, f, &f.path).level,
            _ => f.confidence(),
        };
        level >= self.threshold && suppress::hider(f, self.ignore, self.baseline, self.markers).is_none()
    }
}
