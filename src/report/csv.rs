//! CSV for spreadsheets and ad-hoc triage: a header row, then one row per finding in report order.
//! Quoting follows RFC 4180 (fields holding a comma, quote, CR or LF are quoted, quotes doubled; records end in
//! CRLF). Because people open these files in spreadsheets, a text cell that starts with `=`, `+`, `-`, `@`, tab
//! or CR — which a spreadsheet would run as a formula — gets a leading `'` (OWASP's advice against CSV
//! injection). File names, commit authors and subjects are written by whoever made the repository.
use std::io::Write;

use super::{finding_message, presented, scrub, Report, ReportOptions};
use crate::finding::{Finding, FindingKind};

pub const HEADER: &[&str] = &[
    "kind",
    "rule_id",
    "severity",
    "path",
    "start_line",
    "start_column",
    "end_line",
    "end_column",
    "secret",
    "fingerprint",
    "commit",
    "author",
    "date",
    "message",
    "verification",
    "verified_identity",
];

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    record(w, HEADER.iter().map(|h| h.to_string()))?;
    for f in report.findings {
        record(w, row(f, opts))?;
    }
    Ok(())
}

/// One finding's cells, in [`HEADER`]'s order.
pub(super) fn row(f: &Finding, opts: &ReportOptions) -> [String; 16] {
    let shown = presented(f, opts.show_secrets);
    let (commit, author, date) = match &f.commit {
        Some(c) => (c.id.clone(), format!("{} <{}>", c.author_name, c.author_email), c.date.clone()),
        None => Default::default(),
    };
    let mut message = finding_message(&shown);
    if let Some(c) = &f.commit {
        message.push_str(&format!(" [commit: {}]", scrub(&c.subject, f, opts.show_secrets)));
    }
    [
        match f.kind() {
            FindingKind::Secret => "secret".to_string(),
            FindingKind::Iac => "iac".to_string(),
            FindingKind::Config => "config".to_string(),
        },
        cell(&f.rule_id),
        f.severity.as_str().to_string(),
        cell(&f.path),
        f.start_line.to_string(),
        f.start_column.to_string(),
        f.end_line.to_string(),
        f.end_column.to_string(),
        cell(shown.secret()),
        cell(&f.fingerprint.0),
        cell(&commit),
        cell(&author),
        cell(&date),
        cell(&message),
        f.verification().map_or_else(String::new, |v| v.status.as_str().to_string()),
        // `login=octocat;scopes=repo`: the provider's words, so neutralised like any other text cell.
        cell(&f.verification().map_or_else(String::new, |v| {
            v.identity.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
        })),
    ]
}

/// Neutralises a text cell a spreadsheet would evaluate as a formula.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Writes one RFC 4180 record.
pub(super) fn record(w: &mut dyn Write, fields: impl IntoIterator<Item = String>) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&field);
        }
    }
    line.push_str("\r\n");
    w.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{cell, HEADER};
    use crate::finding::CommitInfo;
    use crate::report::test_support::{iac_finding, render, secret_finding, SECRET};
    use crate::report::Format;
    use crate::stats::ScanStats;

    fn parse(out: &str) -> Vec<Vec<String>> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "'\rx");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn rows_round_trip_through_a_csv_parser() {
        let mut f = secret_finding("dir/we\"ird, name\n=cmd.env");
        f.commit = Some(CommitInfo {
            id: "abc123".into(),
            author_name: "=Mallory".into(),
            author_email: "m@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: format!("oops, {SECRET}"),
            further_occurrences: 0,
            order: 0,
        });
        let out = render(Format::Csv, &[f, iac_finding()], &ScanStats::default(), false);
        assert!(!out.contains(SECRET));
        assert!(out.ends_with("\r\n"));
        let rows = parse(&out);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], HEADER);
        assert_eq!(rows[1][0], "secret");
        assert_eq!(rows[1][3], "dir/we\"ird, name\n=cmd.env");
        assert_eq!(rows[1][8], "ghp_*****");
        assert_eq!(rows[1][11], "'=Mallory <m@example.com>");
        assert!(rows[1][13].ends_with("[commit: oops, ghp_*****]"));
        assert_eq!(rows[2][0], "iac");
        assert_eq!(rows[2][8], "");
    }

    #[test]
    fn no_findings_is_just_the_header() {
        let out = render(Format::Csv, &[], &ScanStats::default(), false);
        assert_eq!(out, format!("{}\r\n", HEADER.join(",")));
    }
}
