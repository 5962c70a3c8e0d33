//! GitLab's secret-detection report (security report schema 15.x, `secret-detection-report-format.json`), the
//! file a job publishes as `artifacts: reports: secret_detection` for the merge-request widget, the pipeline's
//! security tab and the vulnerability report.
//!
//! What the schema asks and how leakgate fills it:
//! - `scan`: analyzer and scanner (`id`, `name`, `version`, `vendor.name`), `type: secret_detection`,
//!   `start_time`/`end_time` (UTC, `YYYY-MM-DDTHH:MM:SS`, the only timestamps leakgate writes anywhere) and
//!   `status`: `failure` when input went unread, the same runs that exit 2. `messages` carries the unread
//!   inputs, how many IaC findings were left out, and the files whose findings past the per-file cap were not
//!   listed.
//! - each vulnerability: a stable `id` (UUID-shaped, from the SHA-256 of the fingerprint, so the same finding
//!   keeps its id across pipelines), `category`, `name`, `description`, `severity` (`Critical` … `Info`),
//!   `solution`, `identifiers` (the rule id) and `location` with `file`, lines and `commit.sha` — required by
//!   the schema; findings from a working tree have no commit and get `0000000`, as GitLab's own analyzer
//!   writes.
//! - IaC findings are left out: this report type has no category for them, and a misconfiguration filed as a
//!   leaked secret would be triaged as one. The count is in `scan.messages`; use SARIF or JSON for them.
//!   `config-weakened` findings (a PR check's config change that hides secrets) are included: they are about
//!   secret detection, and a merge request is where they must be seen.
//! - the raw secret goes into `raw_source_code_extract` only with `--show-secrets`.
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{finding_message, meta_for, presented, scrub, Report, ReportOptions};
use crate::finding::{Finding, FindingKind};
use crate::rules::Severity;

/// The security report schema version the output follows.
pub const SCHEMA_VERSION: &str = "15.0.7";
/// `location.commit.sha` for findings that are not in a commit (working tree, staged changes, stdin).
pub const NO_COMMIT: &str = "0000000";
const NAME_MAX: usize = 255;
const SOLUTION_MAX: usize = 7000;

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report, opts, SystemTime::now()))?;
    writeln!(w)
}

/// The report as a JSON value, with the scan ending at `end`.
pub fn document(report: &Report<'_>, opts: &ReportOptions, end: SystemTime) -> Value {
    let start = end.checked_sub(report.elapsed).unwrap_or(end);
    let s = report.stats;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut vulnerabilities = Vec::new();
    let mut iac_skipped = 0usize;
    for f in report.findings {
        if f.kind() == FindingKind::Iac {
            iac_skipped += 1;
            continue;
        }
        let n = seen.entry(f.fingerprint.0.as_str()).or_default();
        vulnerabilities.push(vulnerability(report, f, *n, opts.show_secrets));
        *n += 1;
    }

    let mut messages: Vec<Value> =
        s.errors.iter().map(|e| json!({ "level": "warning", "value": format!("not scanned: {e}") })).collect();
    if s.error_count > s.errors.len() as u64 {
        messages.push(json!({
            "level": "warning",
            "value": format!("… and {} more unreadable inputs", s.error_count - s.errors.len() as u64),
        }));
    }
    if let Some(m) = report.strict_message() {
        messages.push(json!({ "level": "fatal", "value": m }));
    }
    for n in report.unlisted.lines(usize::MAX) {
        messages.push(json!({ "level": "warning", "value": format!("not listed: {n}") }));
    }
    if iac_skipped > 0 {
        messages.push(json!({
            "level": "info",
            "value": format!(
                "{iac_skipped} IaC finding{} not included: a secret-detection report has no category for \
                 them (use --format sarif or json)",
                if iac_skipped == 1 { " is" } else { "s are" }
            ),
        }));
    }
    let tool = json!({
        "id": "leakgate",
        "name": "leakgate",
        "version": env!("CARGO_PKG_VERSION"),
        "vendor": { "name": "leakgate" },
    });
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": "secret_detection",
        "start_time": timestamp(start),
        "end_time": timestamp(end),
        "status": if report.complete() { "success" } else { "failure" },
    });
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    json!({
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    })
}

fn vulnerability(report: &Report<'_>, f: &Finding, occurrence: usize, show_secrets: bool) -> Value {
    let shown = presented(f, show_secrets);
    let meta = meta_for(report, f);
    let mut commit = Map::new();
    match &f.commit {
        Some(c) => {
            commit.insert("sha".into(), json!(c.id));
            commit.insert("author".into(), json!(format!("{} <{}>", c.author_name, c.author_email)));
            commit.insert("date".into(), json!(c.date));
            commit.insert("message".into(), json!(scrub(&c.subject, f, show_secrets)));
        }
        None => {
            commit.insert("sha".into(), json!(NO_COMMIT));
        }
    }
    let mut v = json!({
        "id": stable_id(&f.fingerprint.0, occurrence),
        "category": "secret_detection",
        "name": truncate(&meta.title, NAME_MAX),
        "description": format!("{}\n\n{}", finding_message(&shown), meta.full_description),
        "severity": severity(f.severity),
        "solution": truncate(&meta.remediation, SOLUTION_MAX),
        "identifiers": [{
            "type": "leakgate_rule_id",
            "name": format!("leakgate rule ID {}", f.rule_id),
            "value": f.rule_id,
        }],
        "location": {
            "file": f.path,
            "start_line": f.start_line.max(1),
            "end_line": f.end_line.max(f.start_line).max(1),
            "commit": commit,
        },
    });
    if show_secrets && !f.secret().is_empty() {
        v["raw_source_code_extract"] = json!(f.secret());
    }
    v
}

/// GitLab's severity words.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// A UUID-shaped id from the SHA-256 of the fingerprint (and, for a second finding with the same fingerprint —
/// the same secret twice in one file — its occurrence number), with the RFC 9562 version-8 and variant bits set.
pub fn stable_id(fingerprint: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    h.update(fingerprint.as_bytes());
    if occurrence > 0 {
        h.update([0]);
        h.update(occurrence.to_string().as_bytes());
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the form the schema's pattern requires.
pub fn timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    crate::date::utc_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::finding::CommitInfo;
    use crate::report::test_support::{iac_finding, secret_finding, with_report, SECRET};
    use crate::stats::ScanStats;

    fn doc(findings: &[Finding], stats: &ScanStats, show: bool) -> Value {
        with_report(findings, stats, |report| {
            document(
                report,
                &ReportOptions { show_secrets: show, ..Default::default() },
                UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            )
        })
    }

    #[test]
    fn timestamps_are_utc_without_zone() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00");
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(1_700_000_000)), "2023-11-14T22:13:20");
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00");
    }

    #[test]
    fn ids_are_stable_uuid_shaped_and_distinct_per_occurrence() {
        let a = stable_id("github-pat:a.env:0011223344556677", 0);
        assert_eq!(a, stable_id("github-pat:a.env:0011223344556677", 0));
        assert_ne!(a, stable_id("github-pat:a.env:0011223344556677", 1));
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('8'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn secrets_are_reported_and_iac_findings_counted() {
        let mut hist = secret_finding("b.env");
        hist.commit = Some(CommitInfo {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            author_name: "Dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: format!("add {SECRET}"),
            further_occurrences: 2,
            order: 0,
        });
        let findings = [secret_finding("a.env"), iac_finding(), hist];
        let d = doc(&findings, &ScanStats::default(), false);
        assert!(!d.to_string().contains(SECRET));
        assert_eq!(d["version"], SCHEMA_VERSION);
        assert_eq!(d["scan"]["type"], "secret_detection");
        assert_eq!(d["scan"]["status"], "success");
        assert_eq!(d["scan"]["end_time"], "2023-11-14T22:13:20");
        assert_eq!(d["scan"]["start_time"], "2023-11-14T22:13:18");
        let v = d["vulnerabilities"].as_array().unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0]["severity"], "Critical");
        assert_eq!(v[0]["location"]["commit"]["sha"], NO_COMMIT);
        assert_eq!(v[0]["identifiers"][0]["value"], "github-pat");
        assert_eq!(v[1]["location"]["commit"]["sha"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(v[1]["location"]["commit"]["message"], "add ghp_*****");
        assert!(v[0].get("raw_source_code_extract").is_none());
        let msgs = d["scan"]["messages"].as_array().unwrap();
        assert!(msgs[0]["value"].as_str().unwrap().starts_with("1 IaC finding is"));
    }

    #[test]
    fn unread_input_fails_the_scan() {
        let mut stats = ScanStats::default();
        stats.error("x: permission denied".into());
        let d = doc(&[], &stats, false);
        assert_eq!(d["scan"]["status"], "failure");
        assert_eq!(d["scan"]["messages"][0]["level"], "warning");
    }

    #[test]
    fn show_secrets_adds_the_raw_extract() {
        let d = doc(&[secret_finding("a.env")], &ScanStats::default(), true);
        assert_eq!(d["vulnerabilities"][0]["raw_source_code_extract"], SECRET);
    }
}
