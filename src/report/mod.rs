//! Writers for the scan result. Every format redacts secrets unless `show_secrets` is set: reports end up in CI
//! logs and dashboards. Rule documentation for the formats that carry it (SARIF help, GitLab descriptions,
//! JUnit failure bodies) comes from one place, [`rule_meta`], which reads the rule set and the IaC check
//! registry.
pub mod cap;
pub mod csv;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod line_mask;
pub mod redact;
pub mod rule_mask;
pub mod sanitize;
pub mod sarif;
pub mod text;

use std::io::Write;
use std::time::Duration;

use crate::finding::{Finding, FindingKind};
use crate::policy::weakened;
use crate::rules::{RuleSet, Severity};
use crate::stats::ScanStats;
use crate::suppress::Suppressed;

/// Version of the JSON report shape; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
}

impl Report<'_> {
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
        masked = redact::for_display(report.findings);
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

/// Shows the first characters of a secret and hides the rest: at most 4, and at most a quarter of it, so a
/// short password is not given away by its "prefix".
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}*****")
}

/// A copy of the finding as a report shows it: secret (and its text in the line and in the commit subject)
/// redacted unless asked.
pub fn presented(f: &Finding, show_secrets: bool) -> Finding {
    let raw = f;
    let mut f = f.clone();
    // IaC findings carry no secret: an empty one stays empty rather than turning into a lone `*****`.
    if !show_secrets && !f.secret.is_empty() {
        if let Some(c) = &mut f.commit {
            c.subject = scrub(&c.subject, raw, show_secrets);
        }
        f.line = redact::mask_line(&f.line, &[&raw.secret]);
        f.secret = redact(&f.secret);
    }
    f
}

/// A rule's documentation as the reports show it, whether the rule is a secret rule or an IaC check.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    pub id: String,
    /// One line: the secret rule's description or the IaC check's title.
    pub title: String,
    /// A paragraph: what the rule finds and (for IaC checks) why it matters.
    pub full_description: String,
    /// How to fix a finding, plain text.
    pub remediation: String,
    /// The same documentation as Markdown (SARIF `help.markdown`).
    pub help_markdown: String,
    pub severity: Severity,
    pub tags: Vec<String>,
}

const FALSE_POSITIVE_HELP: &str = "If this is not a real credential, mark the line with `leakgate:allow` or add the \
finding's fingerprint to `.leakgateignore`.";

/// Documentation for `rule_id`: the active rule set first, then `config-weakened`, then the IaC check registry.
/// `None` for an id that none knows (a finding made by a rule that is no longer configured); see [`meta_for`].
pub fn rule_meta(report: &Report<'_>, rule_id: &str) -> Option<RuleMeta> {
    if let Some(rule) = report.rules.get(rule_id) {
        let remediation = rule.remediation().to_string();
        return Some(RuleMeta {
            id: rule.id.clone(),
            title: rule.description.clone(),
            full_description: format!(
                "{}. A credential committed to a repository is readable by everyone who can read the \
                 repository and its history, forks and clones.",
                rule.description.trim_end_matches('.')
            ),
            help_markdown: format!("**{}**\n\n{remediation}\n\n{FALSE_POSITIVE_HELP}", rule.description),
            remediation,
            severity: rule.severity,
            tags: rule.tags.clone(),
        });
    }
    if rule_id == weakened::RULE_ID {
        return Some(RuleMeta {
            id: weakened::RULE_ID.to_string(),
            title: weakened::TITLE.to_string(),
            full_description: format!("{} {}", weakened::WHAT, weakened::WHY),
            remediation: weakened::FIX.to_string(),
            help_markdown: format!(
                "**{}**\n\n### What\n{}\n\n### Why\n{}\n\n### Fix\n{}",
                weakened::TITLE,
                weakened::WHAT,
                weakened::WHY,
                weakened::FIX
            ),
            severity: Severity::High,
            tags: vec!["config".to_string()],
        });
    }
    let check = crate::iac::check_info(rule_id)?;
    let formats: Vec<&str> = check.formats.iter().map(|f| f.as_str()).collect();
    let mut tags = vec!["iac".to_string()];
    tags.extend(formats.iter().map(|f| f.to_string()));
    Some(RuleMeta {
        id: check.id.to_string(),
        title: check.title.to_string(),
        full_description: format!("{} {}", check.what, check.why),
        remediation: check.fix.to_string(),
        help_markdown: format!(
            "**{}**\n\n### What\n{}\n\n### Why\n{}\n\n### Fix\n{}\n\n#### Bad\n```\n{}\n```\n\n#### Good\n```\n{}\n```",
            check.title, check.what, check.why, check.fix, check.bad, check.good
        ),
        severity: check.severity,
        tags,
    })
}

/// [`rule_meta`], falling back to what the finding itself says about its rule.
pub fn meta_for(report: &Report<'_>, f: &Finding) -> RuleMeta {
    rule_meta(report, &f.rule_id).unwrap_or_else(|| {
        let remediation = match f.kind {
            FindingKind::Secret => "Revoke or rotate the credential, remove it from the code and load it at run time \
                                    from the environment or a secret manager."
                .to_string(),
            FindingKind::Iac => "Change the setting the message names.".to_string(),
            FindingKind::Config => weakened::FIX.to_string(),
        };
        RuleMeta {
            id: f.rule_id.clone(),
            title: f.description.clone(),
            full_description: f.description.clone(),
            help_markdown: format!("**{}**\n\n{remediation}", f.description),
            remediation,
            severity: f.severity,
            tags: f.tags.clone(),
        }
    })
}

/// What a report says about one finding in a sentence: the rule's description and the redacted secret, or the
/// IaC check's message and resource. `shown` must come from [`presented`].
pub fn finding_message(shown: &Finding) -> String {
    match shown.kind {
        FindingKind::Secret => {
            let mut m = format!("{}: {}", shown.description, shown.secret);
            if shown.validated {
                m.push_str(" (structure verified)");
            }
            m
        }
        FindingKind::Iac | FindingKind::Config => {
            let detail = shown.message.as_deref().unwrap_or(&shown.description);
            match &shown.resource {
                Some(r) if !r.is_empty() => format!("{}: {detail} ({r})", shown.description),
                _ => format!("{}: {detail}", shown.description),
            }
        }
    }
}

/// Replaces every copy of the finding's raw secret in free text it did not produce (a commit subject that
/// quotes the token) with the redacted form, unless secrets are shown.
pub fn scrub(text: &str, raw: &Finding, show_secrets: bool) -> String {
    let first = raw.secret.lines().next().unwrap_or("");
    if show_secrets || first.len() < 4 {
        return text.to_string();
    }
    text.replace(first, &redact(&raw.secret))
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

/// Findings and a report to test the writers with.
#[cfg(test)]
pub(crate) mod test_support {
    use std::time::Duration;

    use super::Report;
    use crate::finding::{Finding, FindingKind, Fingerprint};
    use crate::rules::{RuleSet, Severity};
    use crate::stats::ScanStats;
    use crate::suppress::Suppressed;

    /// A real GitHub token shape (valid checksum) that must never appear in a redacted report.
    pub const SECRET: &str = "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";

    pub fn secret_finding(path: &str) -> Finding {
        Finding {
            kind: FindingKind::Secret,
            rule_id: "github-pat".into(),
            description: "GitHub personal access token".into(),
            severity: Severity::Critical,
            tags: vec!["vcs".into(), "github".into()],
            path: path.into(),
            path_bytes: None,
            start_line: 3,
            end_line: 3,
            start_column: 9,
            end_column: 48,
            line: format!("token = {SECRET}"),
            secret: SECRET.into(),
            entropy: 4.8,
            validated: true,
            fingerprint: Fingerprint::new("github-pat", path, SECRET.as_bytes()),
            resource: None,
            message: None,
            commit: None,
        }
    }

    pub fn iac_finding() -> Finding {
        Finding {
            kind: FindingKind::Iac,
            rule_id: "iac-s3-public-acl".into(),
            description: "S3 bucket ACL grants public access".into(),
            severity: Severity::High,
            tags: vec!["iac".into()],
            path: "infra/main.tf".into(),
            path_bytes: None,
            start_line: 4,
            end_line: 4,
            start_column: 0,
            end_column: 0,
            line: String::new(),
            secret: String::new(),
            entropy: 0.0,
            validated: false,
            fingerprint: Fingerprint::new("iac-s3-public-acl", "infra/main.tf", b"aws_s3_bucket.site"),
            resource: Some("aws_s3_bucket.site".into()),
            message: Some("acl = \"public-read\"".into()),
            commit: None,
        }
    }

    /// Runs `f` with a report over `findings` and the built-in rules.
    pub fn with_report<T>(findings: &[Finding], stats: &ScanStats, f: impl FnOnce(&Report<'_>) -> T) -> T {
        let rules = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        let report = Report {
            findings,
            stats,
            suppressed: Suppressed::default(),
            elapsed: Duration::from_millis(1500),
            rules: &rules,
            strict_gaps: None,
            unlisted: Default::default(),
        };
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
        f.commit = Some(crate::finding::CommitInfo {
            id: "6e6ee6596d337bb656496425fb98644eb62b4a82".into(),
            author_name: "dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: format!("rotate {SECRET} later"),
            further_occurrences: 0,
        });
        for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Csv, Format::Gitlab] {
            let hidden = render(format, std::slice::from_ref(&f), &ScanStats::default(), false);
            assert!(!hidden.contains(SECRET), "{format:?} wrote the secret from the commit subject:\n{hidden}");
            assert!(hidden.contains("rotate ghp_*****"), "{format:?} lost the subject:\n{hidden}");
        }
    }

    #[test]
    fn iac_findings_have_no_secret_to_redact() {
        assert_eq!(presented(&iac_finding(), false).secret, "");
    }

    #[test]
    fn redaction_never_shows_more_than_a_quarter() {
        assert_eq!(redact("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"), "ghp_*****");
        assert_eq!(redact("pyne"), "p*****");
        assert_eq!(redact("abc"), "*****");
    }
}
