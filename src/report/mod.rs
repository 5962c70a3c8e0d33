//! Writers for the scan result. Every format redacts secrets unless `show_secrets` is set: reports end up in CI
//! logs and dashboards.
pub mod json;
pub mod sanitize;
pub mod text;

use std::io::Write;
use std::time::Duration;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::stats::ScanStats;
use crate::suppress::Suppressed;

/// Version of the JSON report shape; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
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
}

pub fn write(
    format: Format,
    report: &Report<'_>,
    opts: &ReportOptions,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, opts, w),
        Format::Json => json::write(report, opts, w),
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

/// A copy of the finding as a report shows it: secret (and its text in the line) redacted unless asked.
pub fn presented(f: &Finding, show_secrets: bool) -> Finding {
    let mut f = f.clone();
    if !show_secrets {
        let masked = redact(&f.secret);
        let first_line = f.secret.lines().next().unwrap_or("").to_string();
        if !first_line.is_empty() {
            f.line = f.line.replace(&first_line, &masked);
        }
        f.secret = masked;
    }
    f
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

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redaction_never_shows_more_than_a_quarter() {
        assert_eq!(
            redact("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"),
            "ghp_*****"
        );
        assert_eq!(redact("pyne"), "p*****");
        assert_eq!(redact("abc"), "*****");
    }
}
