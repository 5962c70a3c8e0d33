//! Writers for the scan result. Every format redacts secrets unless `show_secrets` is set: reports end up in CI
//! logs and dashboards. Rule documentation for the formats that carry it (SARIF help, GitLab descriptions,
//! JUnit failure bodies) comes from one place, [`rule_meta`], which reads the [`Registry`].
pub mod cap;
pub mod csv;
pub mod gitlab;
pub mod gitleaks;
pub mod json;
pub mod junit;
pub mod merge;
pub mod sanitize;
pub mod sarif;
pub mod secret_hash;
pub mod text;

use std::io::Write;
use std::time::Duration;

use crate::finding::{Detail, Finding, FindingKind};
use crate::redact::mask_line;
pub use crate::redact::redact;
pub use crate::registry::RuleMeta;
use crate::registry::{Registry, CONFIG_WEAKENED};
use crate::rules::{RuleSet, Severity};
use crate::stats::ScanStats;
use crate::suppress::Suppressed;

/// Version of the JSON report shape; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: one block per finding and a summary line.
    Text,
    /// The versioned JSON report (`version`, `tool`, `findings`, `summary`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one failing test case per finding.
    Junit,
    /// CSV with a header row, safe to open in a spreadsheet.
    Csv,
    /// GitLab secret-detection report (`gl-secret-detection-report.json`).
    Gitlab,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    pub show_secrets: bool,
    pub color: bool,
    pub quiet: bool,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a ScanStats,
    pub suppressed: Suppressed,
    pub elapsed: Duration,
    pub rules: &'a RuleSet,
    /// What `--strict` holds against the scan (`1 too large, 2 symlink`), when it was given and something was
    /// skipped: machine-readable reports then say the run failed, as its exit code does.
    pub strict_gaps: Option<String>,
    /// Findings past the per-file cap ([`cap::cap_per_file`]): counted in every summary, not listed.
    pub unlisted: cap::Unlisted,
    /// Secrets under the confidence threshold: counted in every summary, not listed.
    pub below_confidence: u64,
    /// Candidates a validator rejected (a checksum that does not add up), left out with those under the
    /// threshold: counted apart, since a made-up test token is one of them.
    pub failed_validation: u64,
    pub threshold: crate::evidence::Confidence,
    /// What the report is about, for reports merged later (`report merge`).
    pub scope: Scope<'a>,
    /// Findings under this severity do not fail the scan: they are reported as warnings.
    pub fail_on: Severity,
}

/// Which repository, and which share of its audit, a report covers; and the key that names its secrets across
/// reports. Shown in the JSON report, read back by [`merge`].
#[derive(Clone, Copy, Default)]
pub struct Scope<'a> {
    /// The repository audited (git modes): `--repo-name`, else its `origin` URL without credentials, else its
    /// folder.
    pub repository: Option<&'a str>,
    /// The share of the audit this run took (`--shard`).
    pub shard: Option<crate::source::shard::Shard>,
    /// Gives each secret finding a `secret_hash` ([`secret_hash`]).
    pub secret_hash_key: Option<&'a secret_hash::SecretHashKey>,
}

impl<'a> Report<'a> {
    /// A report of `findings` and `stats` alone: nothing suppressed, capped or held back, every finding failing
    /// (`report merge` writes the reports it read this way).
    pub fn plain(findings: &'a [Finding], stats: &'a ScanStats, rules: &'a RuleSet) -> Report<'a> {
        Report {
            findings,
            stats,
            suppressed: Default::default(),
            elapsed: Duration::ZERO,
            rules,
            strict_gaps: None,
            unlisted: Default::default(),
            below_confidence: 0,
            failed_validation: 0,
            threshold: Default::default(),
            scope: Default::default(),
            fail_on: Severity::Info,
        }
    }

    /// The finding is reported but does not fail the scan (its severity is under `fail_on`).
    pub fn is_warning(&self, f: &Finding) -> bool {
        f.severity < self.fail_on
    }

    /// How many listed findings are warnings.
    pub fn warning_count(&self) -> usize {
        self.findings.iter().filter(|f| self.is_warning(f)).count()
    }

    /// False when input went unread, or `--strict` found something skipped: the exit code is then 2.
    pub fn complete(&self) -> bool {
        !self.stats.has_unread_input() && self.strict_gaps.is_none()
    }

    /// The line that explains a `--strict` failure.
    pub fn strict_message(&self) -> Option<String> {
        self.strict_gaps.as_ref().map(|gaps| format!("--strict: not everything was scanned ({gaps})"))
    }
}

pub fn write(format: Format, report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    // A finding's line may also hold other findings' secrets: mask them all here, once, for every format.
    let masked;
    let report = if opts.show_secrets {
        report
    } else {
        masked = crate::redact::for_display(report.findings);
        &Report {
            findings: &masked,
            strict_gaps: report.strict_gaps.clone(),
            unlisted: report.unlisted.clone(),
            ..*report
        }
    };
    match format {
        Format::Text => text::write(report, opts, w),
        Format::Json => json::write(report, opts, w),
        Format::Sarif => sarif::write(report, opts, w),
        Format::Junit => junit::write(report, opts, w),
        Format::Csv => csv::write(report, opts, w),
        Format::Gitlab => gitlab::write(report, opts, w),
    }
}

/// A copy of the finding as a report shows it: secret (and its text in the line and in the commit subject)
/// redacted unless asked.
pub fn presented(f: &Finding, show_secrets: bool) -> Finding {
    let raw = f;
    let mut f = f.clone();
    // IaC findings carry no secret: an empty one stays empty rather than turning into a lone `*****`.
    if !show_secrets && !raw.secret().is_empty() {
        if let Some(c) = &mut f.commit {
            for field in [&mut c.subject, &mut c.author_name, &mut c.author_email] {
                *field = scrub(field, raw, show_secrets);
            }
        }
        f.line = mask_line(&f.line, &[raw.secret()]);
        if let Detail::Secret(m) = &mut f.detail {
            m.secret = redact(&m.secret);
            if let Some(id) = &mut m.paired {
                id.value = redact(&id.value);
            }
        }
    }
    f
}

/// Documentation for `rule_id` from the [`Registry`]. `None` for an id that none knows (a finding made by a rule
/// that is no longer configured); see [`meta_for`].
pub fn rule_meta(report: &Report<'_>, rule_id: &str) -> Option<RuleMeta> {
    Registry::new(report.rules).get(rule_id).map(|entry| entry.meta())
}

/// [`rule_meta`], falling back to what the finding itself says about its rule.
pub fn meta_for(report: &Report<'_>, f: &Finding) -> RuleMeta {
    rule_meta(report, &f.rule_id).unwrap_or_else(|| {
        let remediation = match f.kind() {
            FindingKind::Secret => "Revoke or rotate the credential, remove it from the code and load it at run time \
                                    from the environment or a secret manager."
                .to_string(),
            FindingKind::Iac => "Change the setting the message names.".to_string(),
            FindingKind::Config => CONFIG_WEAKENED.fix.to_string(),
        };
        RuleMeta {
            id: f.rule_id.clone(),
            title: f.description.clone(),
            full_description: f.description.clone(),
            help_markdown: format!("**{}**\n\n{remediation}", f.description),
            remediation,
            severity: f.severity,
            tags: f.tags.clone(),
            help_uri: None,
        }
    })
}

/// What a report says about one finding in a sentence: the rule's description and the redacted secret, or the
/// IaC check's message and resource. `shown` must come from [`presented`].
pub fn finding_message(shown: &Finding) -> String {
    match &shown.detail {
        Detail::Secret(secret) => {
            let mut m = format!("{}: {}", shown.description, secret.secret);
            if secret.validated {
                m.push_str(" (structure verified)");
            }
            // Every format that carries this sentence (SARIF, JUnit, GitLab, CSV) says what the provider said.
            if let Some(v) = &secret.verification {
                m.push_str(&format!(" [verification: {}]", v.summary()));
            }
            m
        }
        Detail::Iac(_) | Detail::Policy(_) => {
            let detail = shown.message().unwrap_or(&shown.description);
            match shown.resource() {
                Some(r) if !r.is_empty() => format!("{}: {detail} ({r})", shown.description),
                _ => format!("{}: {detail}", shown.description),
            }
        }
    }
}

/// Replaces every copy of the finding's raw secret in free text it did not produce (a commit subject that
/// quotes the token) with the redacted form, unless secrets are shown.
pub fn scrub(text: &str, raw: &Finding, show_secrets: bool) -> String {
    let first = raw.secret().lines().next().unwrap_or("");
    if show_secrets || first.len() < 4 {
        return text.to_string();
    }
    text.replace(first, &redact(raw.secret()))
}

/// The score GitHub code scanning ranks security results by (`security-severity`, 0.0–10.0, as a string):
/// above 9.0 is critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A report to test the writers with (the findings are [`crate::finding::test_support`]'s).
#[cfg(test)]
pub(crate) mod test_support {
    use std::time::Duration;

    use super::Report;
    pub use crate::finding::test_support::*;
    use crate::finding::Finding;
    use crate::rules::RuleSet;
    use crate::stats::ScanStats;

    /// Runs `f` with a report over `findings` and the built-in rules.
    pub fn with_report<T>(findings: &[Finding], stats: &ScanStats, f: impl FnOnce(&Report<'_>) -> T) -> T {
        let rules = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        let report = Report { elapsed: Duration::from_millis(1500), ..Report::plain(findings, stats, &rules) };
        f(&report)
    }

    /// Writes `findings` in `format` and returns the output.
    pub fn render(format: super::Format, findings: &[Finding], stats: &ScanStats, show_secrets: bool) -> String {
        with_report(findings, stats, |report| {
            let mut out = Vec::new();
            let opts = super::ReportOptions { show_secrets, ..Default::default() };
            super::write(format, report, &opts, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{iac_finding, render, secret_finding, SECRET};
    use super::{presented, redact, Format};
    use crate::stats::ScanStats;

    #[test]
    fn no_format_writes_the_raw_secret_unless_asked() {
        let findings = [secret_finding("a.env"), iac_finding()];
        for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Csv, Format::Gitlab] {
            let hidden = render(format, &findings, &ScanStats::default(), false);
            assert!(!hidden.contains(SECRET), "{format:?} wrote the secret:\n{hidden}");
            let shown = render(format, &findings, &ScanStats::default(), true);
            assert!(shown.contains(SECRET), "{format:?} hid the secret with show_secrets");
        }
    }

    /// Found by the `report_writers` fuzz target: text and JSON wrote a commit subject that quotes the secret
    /// as it was, while the other formats redacted it.
    #[test]
    fn no_format_writes_the_secret_quoted_in_a_commit_subject() {
        let mut f = secret_finding("a.env");
        f.commit = Some(crate::finding::test_support::commit_with_subject(format!("rotate {SECRET} later")));
        for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Csv, Format::Gitlab] {
            let hidden = render(format, std::slice::from_ref(&f), &ScanStats::default(), false);
            assert!(!hidden.contains(SECRET), "{format:?} wrote the secret from the commit subject:\n{hidden}");
            assert!(hidden.contains("rotate ghp_*****"), "{format:?} lost the subject:\n{hidden}");
        }
    }

    #[test]
    fn iac_findings_have_no_secret_to_redact() {
        assert_eq!(presented(&iac_finding(), false).secret(), "");
    }

    #[test]
    fn redaction_never_shows_more_than_a_quarter() {
        assert_eq!(redact("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"), "ghp_*****");
        assert_eq!(redact("pyne"), "p*****");
        assert_eq!(redact("abc"), "*****");
    }
}
