//! Reports in gitleaks' own shapes, for scripts written against gitleaks' output (`leakgate detect -f json`, the
//! gitleaks front end): its JSON report (an array of objects with gitleaks' field names: `RuleID`, `File`,
//! `StartLine`, `Secret`, `Fingerprint`, ...) and its CSV columns. Fields leakgate has no value for are written
//! empty rather than left out, so a parser that expects every field keeps working.
//!
//! `Match` holds the secret's own text: leakgate locates the secret, not the whole text its rule's regex
//! matched. `Fingerprint` is gitleaks' `[commit:]path:rule-id:line`, the form `.gitleaksignore` lists, so a team
//! can keep copying it there (leakgate reads `.gitleaksignore`). `Message` is the commit's subject line.
//!
//! The rest follows what gitleaks 8 writes, byte for byte where a script could tell: `Date` in UTC with `Z`
//! (Go's `time.Time` in JSON), and for a finding in a change not yet committed (`protect`) Go's zero time
//! `0001-01-01T00:00:00Z`, as gitleaks writes it there; `File` empty for standard input (fingerprint
//! `:rule-id:line`); the JSON indented by one space; and a CSV report with no findings is an empty file.
use std::io::Write;

use serde::Serialize;

use super::{csv, Report};
use crate::finding::{Detail, Finding};

/// How much of each secret a gitleaks-shaped report shows (gitleaks' `--redact[=N]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// leakgate's own redaction (the first characters, at most a quarter): what a report shows when no
    /// `--redact` is given, since leakgate never writes a secret in full unless asked.
    Leakgate,
    /// The secret in full (`--redact=0`).
    None,
    /// gitleaks' `--redact=N`: N percent of the secret hidden (the rest of its characters, rounded half to even,
    /// then `...`); 100 writes `REDACTED`.
    Percent(u8),
}

impl Redaction {
    /// What the report shows of `secret`.
    pub fn apply(self, secret: &str) -> String {
        if secret.is_empty() {
            return String::new();
        }
        match self {
            Redaction::None => secret.to_string(),
            Redaction::Leakgate => super::redact(secret),
            Redaction::Percent(p) if p >= 100 => "REDACTED".to_string(),
            Redaction::Percent(p) => {
                let n = secret.chars().count() as f64;
                let keep = (n * f64::from(100 - p) / 100.0).round_ties_even() as usize;
                let kept: String = secret.chars().take(keep).collect();
                format!("{kept}...")
            }
        }
    }

    /// `text` with every copy of the raw secret replaced by what the report shows of it (a commit subject that
    /// quotes the token).
    fn scrub(self, text: &str, secret: &str) -> String {
        if secret.is_empty() || self == Redaction::None {
            return text.to_string();
        }
        text.replace(secret, &self.apply(secret))
    }
}

/// What a gitleaks-shaped report was scanned from: it decides what gitleaks writes where leakgate has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// Files and folders, or git history.
    Files,
    /// Standard input: gitleaks names no file.
    Stdin,
    /// A change not yet committed (the staged change, or the working tree's): gitleaks dates its findings with
    /// Go's zero time.
    Uncommitted,
}

/// How a gitleaks-shaped report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub redaction: Redaction,
    pub scanned: Scanned,
}

/// Go's zero `time.Time` in JSON: what gitleaks writes as the `Date` of a finding in an uncommitted change.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// One finding as gitleaks reports it; field names and order are gitleaks'.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    #[serde(rename = "RuleID")]
    rule_id: String,
    description: String,
    start_line: usize,
    end_line: usize,
    start_column: usize,
    end_column: usize,
    #[serde(rename = "Match")]
    matched: String,
    secret: String,
    file: String,
    symlink_file: String,
    commit: String,
    entropy: f64,
    author: String,
    email: String,
    date: String,
    message: String,
    tags: Vec<String>,
    fingerprint: String,
}

impl Record {
    fn of(f: &Finding, shape: Shape) -> Record {
        let redaction = shape.redaction;
        let raw = f.secret();
        let shown = redaction.apply(raw);
        let entropy = match &f.detail {
            Detail::Secret(m) => m.entropy,
            _ => 0.0,
        };
        let commit = f.commit.as_ref();
        let text = |pick: fn(&crate::finding::CommitInfo) -> &str| {
            commit.map(|c| redaction.scrub(pick(c), raw)).unwrap_or_default()
        };
        Record {
            rule_id: f.rule_id.clone(),
            description: f.description.clone(),
            start_line: f.start_line,
            end_line: f.end_line,
            start_column: f.start_column,
            end_column: f.end_column,
            matched: shown.clone(),
            secret: shown,
            file: if shape.scanned == Scanned::Stdin { String::new() } else { f.path.clone() },
            symlink_file: String::new(),
            commit: commit.map(|c| c.id.clone()).unwrap_or_default(),
            entropy,
            author: text(|c| &c.author_name),
            email: text(|c| &c.author_email),
            date: match commit {
                // leakgate's dates carry the author's offset; gitleaks writes them in UTC.
                Some(c) => crate::date::to_utc_z(&c.date).unwrap_or_else(|| c.date.clone()),
                None if shape.scanned == Scanned::Uncommitted => GO_ZERO_TIME.to_string(),
                None => String::new(),
            },
            message: text(|c| &c.subject),
            tags: f.tags.clone(),
            fingerprint: match shape.scanned {
                Scanned::Stdin => format!(":{}:{}", f.rule_id, f.start_line),
                _ => fingerprint(f),
            },
        }
    }
}

/// gitleaks' fingerprint: `commit:path:rule-id:line` for a finding in history, `path:rule-id:line` otherwise.
pub fn fingerprint(f: &Finding) -> String {
    match &f.commit {
        Some(c) => format!("{}:{}:{}:{}", c.id, f.path, f.rule_id, f.start_line),
        None => format!("{}:{}:{}", f.path, f.rule_id, f.start_line),
    }
}

/// The JSON report: an array of gitleaks-shaped findings (`[]` when there are none), indented by one space as
/// gitleaks indents it. `report` must hold the raw findings: `shape.redaction` decides what is shown of each secret.
pub fn write_json(report: &Report<'_>, shape: Shape, w: &mut dyn Write) -> std::io::Result<()> {
    let records: Vec<Record> = report.findings.iter().map(|f| Record::of(f, shape)).collect();
    let mut json = serde_json::Serializer::with_formatter(&mut *w, serde_json::ser::PrettyFormatter::with_indent(b" "));
    records.serialize(&mut json)?;
    writeln!(w)
}

/// gitleaks' CSV columns, in its order.
const CSV_HEADER: [&str; 16] = [
    "RuleID",
    "Commit",
    "File",
    "SymlinkFile",
    "Secret",
    "Match",
    "StartLine",
    "EndLine",
    "StartColumn",
    "EndColumn",
    "Author",
    "Message",
    "Date",
    "Email",
    "Fingerprint",
    "Tags",
];

/// The CSV report: a header row and one row per finding, text cells that a spreadsheet would run as a formula
/// neutralised as in leakgate's own CSV. With no findings the file is empty, as gitleaks leaves it.
pub fn write_csv(report: &Report<'_>, shape: Shape, w: &mut dyn Write) -> std::io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    csv::record(w, CSV_HEADER.iter().map(|h| h.to_string()))?;
    for f in report.findings {
        let r = Record::of(f, shape);
        let numbers = [r.start_line, r.end_line, r.start_column, r.end_column].map(|n| n.to_string());
        let [start_line, end_line, start_column, end_column] = numbers;
        let row = [
            csv::cell(&r.rule_id),
            csv::cell(&r.commit),
            csv::cell(&r.file),
            r.symlink_file,
            csv::cell(&r.secret),
            csv::cell(&r.matched),
            start_line,
            end_line,
            start_column,
            end_column,
            csv::cell(&r.author),
            csv::cell(&r.message),
            csv::cell(&r.date),
            csv::cell(&r.email),
            csv::cell(&r.fingerprint),
            csv::cell(&r.tags.join(" ")),
        ];
        csv::record(w, row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{write_csv, write_json, Redaction, Scanned, Shape};
    use crate::report::test_support::{secret_finding, with_report, SECRET};
    use crate::stats::ScanStats;

    #[test]
    fn percent_redaction_keeps_the_rest_rounded_half_to_even() {
        // 10 characters: 50 % hidden keeps 5; 25 % hidden keeps 7.5, rounded to the even 8; 100 % is REDACTED.
        assert_eq!(Redaction::Percent(50).apply("0123456789"), "01234...");
        assert_eq!(Redaction::Percent(25).apply("0123456789"), "01234567...");
        assert_eq!(Redaction::Percent(35).apply("0123456789"), "012345...");
        assert_eq!(Redaction::Percent(100).apply("0123456789"), "REDACTED");
        assert_eq!(Redaction::None.apply("0123456789"), "0123456789");
        assert_eq!(Redaction::Percent(100).apply(""), "");
    }

    #[test]
    fn json_has_gitleaks_field_names_and_hides_the_secret_in_every_field() {
        let mut f = secret_finding("a.env");
        f.commit = Some(crate::finding::test_support::commit_with_subject(format!("add {SECRET}")));
        let out = with_report(std::slice::from_ref(&f), &ScanStats::default(), |r| {
            let mut out = Vec::new();
            write_json(r, Shape { redaction: Redaction::Percent(100), scanned: Scanned::Files }, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        });
        assert!(!out.contains(SECRET), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let o = v[0].as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        for k in ["RuleID", "File", "StartLine", "Secret", "Match", "Commit", "Message", "Fingerprint", "Tags"] {
            assert!(keys.contains(&k), "{k} missing: {keys:?}");
        }
        assert_eq!(o["Secret"], "REDACTED");
        assert_eq!(o["Message"], "add REDACTED");
        let fp = format!("6e6ee6596d337bb656496425fb98644eb62b4a82:a.env:{}:{}", f.rule_id, f.start_line);
        assert_eq!(o["Fingerprint"], fp.as_str());
    }

    #[test]
    fn csv_has_gitleaks_columns() {
        let f = secret_finding("=cmd.env");
        let out = with_report(std::slice::from_ref(&f), &ScanStats::default(), |r| {
            let mut out = Vec::new();
            write_csv(r, Shape { redaction: Redaction::Leakgate, scanned: Scanned::Files }, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        });
        let mut lines = out.lines();
        assert!(lines.next().unwrap().starts_with("RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine"));
        let row = lines.next().unwrap();
        assert!(row.contains(",'=cmd.env,") && !row.contains(SECRET), "{row}");
    }

    /// The JSON of one finding (at `path`, with an author date of `date` when given) as `scanned` writes it.
    fn one_record(path: &str, date: Option<&str>, scanned: Scanned) -> (String, serde_json::Value) {
        let mut f = secret_finding(path);
        if let Some(date) = date {
            let mut commit = crate::finding::test_support::commit_with_subject("add".into());
            commit.date = date.into();
            f.commit = Some(commit);
        }
        let out = with_report(std::slice::from_ref(&f), &ScanStats::default(), |r| {
            let mut out = Vec::new();
            write_json(r, Shape { redaction: Redaction::Leakgate, scanned }, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        });
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (out, v[0].clone())
    }

    #[test]
    fn dates_files_and_layout_are_what_gitleaks_writes() {
        let (text, o) = one_record("a.env", Some("2024-03-05T10:11:12+02:00"), Scanned::Files);
        assert_eq!(o["Date"], "2024-03-05T08:11:12Z");
        assert!(text.starts_with("[\n {\n  \"RuleID\": "), "one space per level: {text}");
        let (_, o) = one_record("a.env", None, Scanned::Files);
        assert_eq!((&o["Date"], &o["File"]), (&"".into(), &"a.env".into()));
        let (_, o) = one_record("a.env", None, Scanned::Uncommitted);
        assert_eq!(o["Date"], "0001-01-01T00:00:00Z");
        let (_, o) = one_record("-", None, Scanned::Stdin);
        assert_eq!(o["File"], "");
        assert_eq!(o["Fingerprint"], format!(":{}:{}", o["RuleID"].as_str().unwrap(), o["StartLine"]).as_str());
    }

    #[test]
    fn csv_without_findings_is_empty() {
        let out = with_report(&[], &ScanStats::default(), |r| {
            let mut out = Vec::new();
            write_csv(r, Shape { redaction: Redaction::Leakgate, scanned: Scanned::Files }, &mut out).unwrap();
            out
        });
        assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    }
}
