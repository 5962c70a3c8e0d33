//! SARIF 2.1.0, the format GitHub code scanning and most SARIF viewers read: one run, the rules that have
//! findings in `tool.driver.rules` (documentation from [`super::rule_meta`]), one result per finding with its
//! region, a redacted message and snippet, and the stable fingerprint in `partialFingerprints` so a dashboard
//! keeps a result's identity when code above it moves. Unread input makes `executionSuccessful` false, with one
//! `toolExecutionNotifications` entry per error. Validated against the OASIS schema in tests.
use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Map, Value};

mod result;

use super::{meta_for, security_severity, Report, ReportOptions, RuleMeta};
use crate::rules::Severity;
use result::result;
pub use result::SarifResult;

/// The schema's own identifier (an identifier, not a download: no viewer needs to fetch it).
pub const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Key of our fingerprint in `partialFingerprints`; the version is bumped if the fingerprint ever changes.
pub const FINGERPRINT_KEY: &str = "leakgate/v1";

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report, opts))?;
    writeln!(w)
}

/// The SARIF log as a JSON value.
pub fn document(report: &Report<'_>, opts: &ReportOptions) -> Value {
    let (mut run, results) = run(report, opts);
    run.insert("results".into(), serde_json::to_value(results).expect("SARIF results are JSON"));
    json!({ "$schema": SCHEMA, "version": "2.1.0", "runs": [run] })
}

/// The report's run without its `results`, and its results, typed ([`SarifResult`]): `report merge` writes a
/// fleet's runs and their hundred thousand results without making them JSON values first.
pub fn run(report: &Report<'_>, opts: &ReportOptions) -> (Map<String, Value>, Vec<SarifResult>) {
    // Rules in id order, each once: `ruleIndex` points into this list.
    let mut metas: BTreeMap<&str, RuleMeta> = BTreeMap::new();
    for f in report.findings {
        metas.entry(f.rule_id.as_str()).or_insert_with(|| meta_for(report, f));
    }
    let index: BTreeMap<&str, usize> = metas.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = metas.values().map(rule_descriptor).collect();
    let results: Vec<SarifResult> =
        report.findings.iter().map(|f| result(f, index[f.rule_id.as_str()], opts.show_secrets)).collect();

    let s = report.stats;
    let mut notifications: Vec<Value> =
        s.errors.iter().map(|e| notification("error", &format!("not scanned: {e}"))).collect();
    if s.error_count > s.errors.len() as u64 {
        notifications.push(notification(
            "error",
            &format!("… and {} more unreadable inputs", s.error_count - s.errors.len() as u64),
        ));
    }
    notifications.extend(report.strict_message().map(|m| notification("error", &m)));
    notifications
        .extend(report.unlisted.lines(usize::MAX).iter().map(|n| notification("warning", &format!("not listed: {n}"))));
    notifications.extend(s.notes.iter().map(|n| notification("note", n)));

    let mut invocation = json!({
        "executionSuccessful": report.complete(),
        "properties": {
            "filesScanned": s.files_scanned,
            "bytesScanned": s.bytes_scanned,
            "skipped": s.skipped.iter().map(|(r, c)| (r.as_str().replace(' ', "_"), json!(c))).collect::<Map<_, _>>(),
            "unreadInputs": s.error_count,
            "suppressed": report.suppressed,
        },
    });
    if report.unlisted.total() > 0 {
        invocation["properties"]["unlistedFindings"] = json!(report.unlisted.total());
    }
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }

    let mut run = Map::new();
    let driver = json!({
        "name": "leakgate",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    run.insert("tool".into(), json!({ "driver": driver }));
    run.insert("invocations".into(), json!([invocation]));
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    (run, results)
}

/// SARIF's three levels: a finding at `critical`/`high` is an error, `medium` a warning, the rest notes.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let mut tags: Vec<String> = vec!["security".to_string()];
    for t in &m.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let mut descriptor = json!({
        "id": m.id,
        "name": pascal_case(&m.id),
        "shortDescription": { "text": m.title },
        "fullDescription": { "text": m.full_description },
        "help": { "text": m.remediation, "markdown": m.help_markdown },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(m.severity),
            "severity": m.severity.as_str(),
        },
    });
    if let Some(uri) = &m.help_uri {
        descriptor["helpUri"] = json!(uri);
    }
    descriptor
}

fn notification(level: &str, text: &str) -> Value {
    json!({ "level": level, "message": { "text": text } })
}

/// `github-pat` → `GithubPat`: SARIF's `name` is a readable identifier, by convention in Pascal case.
fn pascal_case(id: &str) -> String {
    id.split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|first| first.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// A finding's path as a URI reference: relative paths stay relative (GitHub resolves them against the
/// repository root), absolute ones become `file://` URIs; every byte outside the unreserved set and `/` is
/// percent-encoded (RFC 3986), so spaces, `#`, `?`, `%` and non-ASCII names survive the round trip.
pub fn path_to_uri(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let bytes = p.as_bytes();
    let windows_drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (prefix, body) = if p.starts_with('/') {
        ("file://", p.as_str())
    } else if windows_drive {
        ("file:///", p.as_str())
    } else {
        ("", p.as_str())
    };
    let mut out = String::with_capacity(prefix.len() + body.len());
    out.push_str(prefix);
    for (i, b) in body.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (windows_drive && i == 1 && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A relative reference whose first segment holds a `:` would read as a scheme; `%3A` above prevents it.
    out
}

/// The tests' SARIF schema validator, shared with the integration tests.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/cli/json_schema.rs"]
mod json_schema;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CommitInfo, Finding};
    use crate::report::test_support::{iac_finding, secret_finding, with_report, SECRET};
    use crate::stats::ScanStats;

    fn doc(findings: &[Finding], stats: &ScanStats, show: bool) -> Value {
        with_report(findings, stats, |report| {
            document(report, &ReportOptions { show_secrets: show, ..Default::default() })
        })
    }

    #[test]
    fn results_point_at_their_rule_and_hide_the_secret() {
        let mut history = secret_finding("a b/c.env");
        history.commit = Some(CommitInfo {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            author_name: "Dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: format!("add {SECRET}"),
            further_occurrences: 0,
            order: 0,
        });
        let findings = vec![iac_finding(), history];
        let d = doc(&findings, &ScanStats::default(), false);
        let text = d.to_string();
        assert!(!text.contains(SECRET), "raw secret in SARIF: {text}");
        let run = &d["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
        let secret = &run["results"][1];
        assert_eq!(secret["level"], "error");
        assert_eq!(secret["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a%20b/c.env");
        let region = &secret["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startColumn"], 9);
        assert_eq!(region["endColumn"], 49);
        assert_eq!(region["snippet"]["text"], "token = ghp_*****");
        assert_eq!(secret["properties"]["commit"]["subject"], "add ghp_*****");
        assert!(secret["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap().starts_with("github-pat:a b/c.env:"));
        let iac = &run["results"][0];
        assert_eq!(
            iac["message"]["text"],
            "S3 bucket ACL grants public access: acl = \"public-read\" (aws_s3_bucket.site)"
        );
        assert!(iac["locations"][0]["physicalLocation"]["region"].get("startColumn").is_none());
        let iac_rule = &rules[iac["ruleIndex"].as_u64().unwrap() as usize];
        assert!(iac_rule["help"]["markdown"].as_str().unwrap().contains("### Fix"));
        assert_eq!(iac_rule["properties"]["security-severity"], "8.0");
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn iac_history_and_error_results_validate_against_the_schema() {
        let mut history = secret_finding("odd name #1?.env");
        history.commit = Some(CommitInfo {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            author_name: "Dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject: "add".into(),
            further_occurrences: 1,
            order: 0,
        });
        let mut stats = ScanStats::default();
        stats.error("x: unreadable".into());
        stats.notes.push("a note".into());
        let d = doc(&[iac_finding(), history], &stats, false);
        let errors = super::json_schema::Schema::sarif().errors(&d);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn show_secrets_shows_them() {
        let d = doc(&[secret_finding("x")], &ScanStats::default(), true);
        assert!(d.to_string().contains(SECRET));
    }

    #[test]
    fn unread_input_is_an_unsuccessful_execution_with_one_notification_per_error() {
        let mut stats = ScanStats::default();
        stats.error("a.txt: permission denied".into());
        stats.error("b.txt: permission denied".into());
        let d = doc(&[], &stats, false);
        let inv = &d["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(inv["toolExecutionNotifications"].as_array().unwrap().len(), 2);
        assert_eq!(d["runs"][0]["results"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(path_to_uri("src/main.rs"), "src/main.rs");
        assert_eq!(path_to_uri("./a dir/x#1?.txt"), "a%20dir/x%231%3F.txt");
        assert_eq!(path_to_uri("100%.env"), "100%25.env");
        assert_eq!(path_to_uri("c:d"), "c%3Ad");
        assert_eq!(path_to_uri("é.txt"), "%C3%A9.txt");
        assert_eq!(path_to_uri("/abs/p q"), "file:///abs/p%20q");
        assert_eq!(path_to_uri("C:\\x\\y.txt"), "file:///C:/x/y.txt");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("github-pat"), "GithubPat");
        assert_eq!(pascal_case("iac-s3-public-acl"), "IacS3PublicAcl");
    }
}
