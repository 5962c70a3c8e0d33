//! Human output: one block per finding (where, which rule, the line with the secret marked, how to fix it) and
//! one closing summary line. Everything from scanned content passes through `sanitize::for_terminal`.
use std::io::Write;

use super::sanitize::for_terminal;
use super::{human_bytes, presented, Report, ReportOptions};
use crate::finding::{Detail, VerifyStatus};
use crate::rules::Severity;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const HIGHLIGHT: &str = "\x1b[1;31m";
/// Files over the per-file cap named in the summary; past them, only how many more.
const UNLISTED_FILES_NAMED: usize = 10;

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    let paint = |code: &'static str| if opts.color { code } else { "" };
    let reset = paint(RESET);
    for f in report.findings {
        let shown = presented(f, opts.show_secrets);
        let sev_color = match f.severity {
            Severity::Critical | Severity::High => paint(RED),
            Severity::Medium => paint(YELLOW),
            Severity::Low | Severity::Info => paint(CYAN),
        };
        let column = if f.start_column > 0 { format!(":{}", f.start_column) } else { String::new() };
        writeln!(
            w,
            "{}{}:{}{column}{reset}  {sev_color}{}{reset}  {}{}{}{}",
            paint(BOLD),
            for_terminal(&f.path),
            f.start_line,
            f.rule_id,
            f.severity.as_str(),
            if matches!(&f.detail, Detail::Secret(m) if m.validated) { ", validated" } else { "" },
            match &f.detail {
                Detail::Secret(m) if m.decoded.is_empty() => format!(", {} confidence", m.confidence),
                Detail::Secret(m) =>
                    format!(", {} confidence, decoded: {}", m.confidence, for_terminal(&m.decoded.join(" → "))),
                _ => String::new(),
            },
            if report.is_warning(f) {
                format!(", warning (under fail-on {})", report.fail_on.as_str())
            } else {
                String::new()
            },
        )?;
        // Descriptions and fixes of custom rules come from a config file, which may be the scanned repository's.
        writeln!(w, "  {}", for_terminal(&f.description))?;
        if let (Some(resource), Some(message)) = (f.resource(), f.message()) {
            writeln!(w, "  {}: {}", for_terminal(resource), for_terminal(message))?;
        }
        if let Some(c) = &shown.commit {
            writeln!(
                w,
                "  commit {} by {} <{}> on {}: {}",
                c.id.chars().take(12).collect::<String>(),
                for_terminal(&c.author_name),
                for_terminal(&c.author_email),
                c.date,
                for_terminal(&c.subject)
            )?;
        }
        if let Some(id) = shown.paired() {
            writeln!(w, "  with its id: {} {} (line {})", id.rule_id, for_terminal(&id.value), id.line)?;
        }
        if let Some(v) = f.verification() {
            // A live credential is the one to act on first: it stands out.
            let color = if v.status == VerifyStatus::Live { paint(HIGHLIGHT) } else { "" };
            writeln!(
                w,
                "  {color}verified: {}{reset} via {} at {}",
                for_terminal(&v.summary()),
                v.verifier,
                v.checked_at
            )?;
        }
        let line = for_terminal(&shown.line);
        let secret = for_terminal(shown.secret());
        let marked = if opts.color && !secret.is_empty() {
            line.replacen(&secret, &format!("{}{secret}{reset}", paint(HIGHLIGHT)), 1)
        } else {
            line
        };
        writeln!(w, "  {}{:>5} |{reset} {}", paint(DIM), f.start_line, marked.trim_start())?;
        writeln!(w, "  {}fingerprint: {}{reset}", paint(DIM), for_terminal(&f.fingerprint.0))?;
        writeln!(w, "  {}fix: {}{reset}", paint(DIM), for_terminal(&super::meta_for(report, f).remediation))?;
        writeln!(w)?;
    }
    if !opts.quiet || !report.findings.is_empty() {
        writeln!(w, "{}", summary_line(report))?;
    }
    Ok(())
}

/// Archive members named under the summary when a limit or a broken archive kept them from being scanned.
const ARCHIVE_SKIPS_NAMED: usize = 3;

/// `leakgate: 2 findings (1 suppressed) in 120 files (4.1 MB) in 0.21s; 3 binary, strings scanned; skipped: 1 too large`
pub fn summary_line(report: &Report<'_>) -> String {
    let s = report.stats;
    let n = report.findings.len() as u64 + report.unlisted.total();
    let mut line = format!("leakgate: {n} finding{}", if n == 1 { "" } else { "s" });
    if report.unlisted.total() > 0 {
        line.push_str(&format!(
            " ({} not listed: more than {} in a file)",
            report.unlisted.total(),
            report.unlisted.max_per_file
        ));
    }
    let warnings = report.warning_count();
    if warnings > 0 {
        line.push_str(&format!(
            " ({warnings} {} under fail-on {}: reported, not failing)",
            if warnings == 1 { "warning" } else { "warnings" },
            report.fail_on.as_str()
        ));
    }
    if report.suppressed.total() > 0 {
        line.push_str(&format!(" ({} suppressed)", report.suppressed.total()));
    }
    if report.below_confidence > 0 {
        line.push_str(&format!(
            " ({} more below {} confidence: `--confidence low` shows them)",
            report.below_confidence, report.threshold
        ));
    }
    if report.failed_validation > 0 {
        let n = report.failed_validation;
        let (noun, verb, it) =
            if n == 1 { ("candidate", "failed its", "it") } else { ("candidates", "failed their", "them") };
        line.push_str(&format!(" ({n} {noun} {verb} format check: `--confidence low` shows {it})"));
    }
    line.push_str(&format!(
        " in {} file{} ({}) in {:.2}s",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" },
        human_bytes(s.bytes_scanned),
        report.elapsed.as_secs_f64()
    ));
    if s.binary_strings_scanned > 0 {
        line.push_str(&format!("; {} binary, strings scanned", s.binary_strings_scanned));
    }
    if s.total_skipped() > 0 {
        let parts: Vec<String> = s.skipped.iter().map(|(r, c)| format!("{c} {}", r.as_str())).collect();
        line.push_str(&format!("; skipped: {}", parts.join(", ")));
    }
    for a in s.archive_skips.iter().take(ARCHIVE_SKIPS_NAMED) {
        line.push_str(&format!(
            "\nleakgate: archive content skipped: {} ({})",
            for_terminal(&a.path),
            for_terminal(&a.why)
        ));
    }
    if s.archive_skips.len() > ARCHIVE_SKIPS_NAMED {
        line.push_str("\nleakgate: … and more archive content skipped (`--format json` lists up to 100)");
    }
    for n in report.unlisted.lines(UNLISTED_FILES_NAMED) {
        line.push_str(&format!("\nleakgate: not listed: {}", for_terminal(&n)));
    }
    for n in &s.notes {
        line.push_str(&format!("\nleakgate: note: {}", for_terminal(n)));
    }
    for w in &s.warnings {
        line.push_str(&format!("\nleakgate: warning: cannot lint {}", for_terminal(w)));
    }
    for p in &s.iac_not_linted {
        line.push_str(&format!("\nleakgate: not IaC-linted: {}", for_terminal(p)));
    }
    for e in &s.errors {
        line.push_str(&format!("\nleakgate: not scanned: {}", for_terminal(e)));
    }
    if s.error_count > s.errors.len() as u64 {
        line.push_str(&format!("\nleakgate: … and {} more unreadable inputs", s.error_count - s.errors.len() as u64));
    }
    line
}

#[cfg(test)]
mod tests {
    use crate::finding::CommitInfo;
    use crate::report::test_support::{render, secret_finding};
    use crate::report::Format;
    use crate::stats::ScanStats;

    /// Found by the `report_writers` fuzz target: the short commit id was cut at byte 12, which panics inside a
    /// multi-byte character. Ids from git are hex, but the writer must not depend on what a caller put there.
    #[test]
    fn short_commit_id_is_cut_at_a_character_boundary() {
        let mut f = secret_finding("a.env");
        f.commit = Some(CommitInfo {
            id: "0123456789aé0123".into(),
            author_name: "dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: "add config".into(),
            further_occurrences: 0,
            order: 0,
        });
        let out = render(Format::Text, &[f], &ScanStats::default(), false);
        assert!(out.contains("  commit 0123456789aé by dev <dev@example.com>"), "{out}");
    }
}
