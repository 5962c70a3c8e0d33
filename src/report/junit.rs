//! JUnit XML, for CI systems that show test results (GitLab, Jenkins, Azure Pipelines, CircleCI): one
//! `<testsuite name="leakgate">`, one failing `<testcase>` per finding (classname = path, name = rule id and
//! line) with a `<failure>` whose body says where, what and how to fix it. A clean run has one passing test case
//! (`leakgate` / `scan`) so CI shows that the scan ran and found nothing; unread input adds one `<error>` test
//! case, matching exit code 2. No durations or timestamps: the same scan gives the same file.
//!
//! Scanned content (paths, lines, commit subjects) is escaped for XML, and characters XML 1.0 cannot carry at
//! all (control characters other than tab, newline and carriage return) are dropped.
use std::io::Write;

use super::{finding_message, meta_for, presented, scrub, Report, ReportOptions};
use crate::finding::FindingKind;

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    let s = report.stats;
    let failures = report.findings.len();
    let errors = usize::from(s.has_unread_input()) + usize::from(report.strict_gaps.is_some());
    let tests = (failures + errors).max(1);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<testsuites name="leakgate" tests="{tests}" failures="{failures}" errors="{errors}">"#)?;
    writeln!(
        w,
        r#"  <testsuite name="leakgate" tests="{tests}" failures="{failures}" errors="{errors}" skipped="0">"#
    )?;
    writeln!(w, "    <properties>")?;
    for (name, value) in [
        ("leakgate.version", env!("CARGO_PKG_VERSION").to_string()),
        ("files_scanned", s.files_scanned.to_string()),
        ("bytes_scanned", s.bytes_scanned.to_string()),
        ("suppressed", report.suppressed.total().to_string()),
        ("unread_inputs", s.error_count.to_string()),
    ]
    .into_iter()
    .chain((report.unlisted.total() > 0).then(|| ("unlisted", report.unlisted.total().to_string())))
    {
        writeln!(w, r#"      <property name="{}" value="{}"/>"#, attr(name), attr(&value))?;
    }
    writeln!(w, "    </properties>")?;

    for f in report.findings {
        let shown = presented(f, opts.show_secrets);
        let meta = meta_for(report, f);
        let mut body = format!(
            "{}\nrule: {} ({})\nseverity: {}\nlocation: {}:{}:{}\n",
            finding_message(&shown),
            f.rule_id,
            meta.title,
            f.severity.as_str(),
            f.path,
            f.start_line,
            f.start_column
        );
        if f.kind() == FindingKind::Secret && !shown.line.is_empty() {
            body.push_str(&format!("line: {}\n", shown.line.trim()));
        }
        if let Some(r) = f.resource() {
            body.push_str(&format!("resource: {r}\n"));
        }
        if let Some(c) = &f.commit {
            body.push_str(&format!(
                "commit: {} by {} <{}> on {}: {}\n",
                c.id,
                c.author_name,
                c.author_email,
                c.date,
                scrub(&c.subject, f, opts.show_secrets)
            ));
        }
        body.push_str(&format!("fingerprint: {}\nfix: {}\n", f.fingerprint, meta.remediation));
        writeln!(
            w,
            r#"    <testcase classname="{}" name="{}" file="{}" line="{}">"#,
            attr(&f.path),
            attr(&format!("{}:{}", f.rule_id, f.start_line)),
            attr(&f.path),
            f.start_line
        )?;
        writeln!(
            w,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            attr(&finding_message(&shown)),
            attr(&f.rule_id),
            text(&body)
        )?;
        writeln!(w, "    </testcase>")?;
    }

    if s.has_unread_input() {
        let mut body: String = s.errors.iter().map(|e| format!("{e}\n")).collect();
        if s.error_count > s.errors.len() as u64 {
            body.push_str(&format!("… and {} more\n", s.error_count - s.errors.len() as u64));
        }
        writeln!(w, r#"    <testcase classname="leakgate" name="unread input">"#)?;
        writeln!(
            w,
            r#"      <error message="{}" type="unread-input">{}</error>"#,
            attr(&format!(
                "{} input{} could not be read, so the scan is incomplete",
                s.error_count,
                if s.error_count == 1 { "" } else { "s" }
            )),
            text(&body)
        )?;
        writeln!(w, "    </testcase>")?;
    }
    if let Some(m) = report.strict_message() {
        writeln!(w, r#"    <testcase classname="leakgate" name="strict">"#)?;
        writeln!(w, r#"      <error message="{}" type="strict"/>"#, attr(&m))?;
        writeln!(w, "    </testcase>")?;
    }
    if report.complete() && report.findings.is_empty() {
        writeln!(w, r#"    <testcase classname="leakgate" name="scan"/>"#)?;
    }

    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// Can XML 1.0 carry this character at all? (`Char` production: tab, LF, CR, and everything from U+0020 except
/// the non-characters U+FFFE and U+FFFF; Rust `char`s are never surrogates.)
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes element text. `\r` is written as a reference so parsers do not normalise it away.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (double-quoted). Tab, newline and CR are written as references, which attribute
/// value normalisation would otherwise turn into spaces.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{attr, text};
    use crate::report::test_support::{iac_finding, render, secret_finding, SECRET};
    use crate::report::Format;
    use crate::stats::ScanStats;

    #[test]
    fn escaping_covers_markup_quotes_and_forbidden_characters() {
        assert_eq!(attr("a&b<c>d\"e'f\tg\nh\ri"), "a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i");
        assert_eq!(text("x]]>y & <z>"), "x]]&gt;y &amp; &lt;z&gt;");
        assert_eq!(text("bell\u{7}esc\u{1b}nul\u{0}ok\u{FFFF}"), "bellescnulok");
        assert_eq!(text("del\u{7f} é ✓"), "del\u{7f} é ✓");
    }

    #[test]
    fn one_failing_test_case_per_finding() {
        let out = render(Format::Junit, &[secret_finding("a.env"), iac_finding()], &ScanStats::default(), false);
        assert!(!out.contains(SECRET));
        assert!(out.contains(r#"<testsuite name="leakgate" tests="2" failures="2" errors="0""#));
        assert!(out.contains(r#"<testcase classname="a.env" name="github-pat:3" file="a.env" line="3">"#));
        assert!(out.contains(r#"type="iac-s3-public-acl""#));
        assert!(out.contains("fix: "));
    }

    #[test]
    fn a_clean_run_has_one_passing_test_case() {
        let out = render(Format::Junit, &[], &ScanStats::default(), false);
        assert!(out.contains(r#"tests="1" failures="0" errors="0""#));
        assert!(out.contains(r#"<testcase classname="leakgate" name="scan"/>"#));
    }

    #[test]
    fn unread_input_is_an_error_test_case() {
        let mut stats = ScanStats::default();
        stats.error("locked.txt: permission denied".into());
        let out = render(Format::Junit, &[], &stats, false);
        assert!(out.contains(r#"errors="1""#));
        assert!(out.contains(r#"<error message="1 input could not be read"#));
        assert!(!out.contains(r#"name="scan""#));
    }
}
