//! The JSON report: `{"version", "tool", "findings": [...], "summary": {...}}`. The shape is documented in the
//! README and versioned by `JSON_VERSION`.
use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{presented, Report, ReportOptions, JSON_VERSION};
use crate::finding::{Detail, Finding};
use crate::stats::ScanStats;
use crate::suppress::Suppressed;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_hash_key_id: Option<String>,
    findings: Vec<Hashed>,
    summary: Summary<'a>,
}

/// A finding with its secret's keyed hash, when the report has a key.
#[derive(Serialize)]
struct Hashed {
    #[serde(flatten)]
    finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_hash: Option<String>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    findings: usize,
    suppressed: Suppressed,
    #[serde(flatten)]
    stats: &'a ScanStats,
    elapsed_ms: u128,
    /// Findings past the per-file cap: counted here, not in `findings`. Present only when there are some.
    #[serde(skip_serializing_if = "is_zero")]
    unlisted: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unlisted_by_path: BTreeMap<&'a str, u64>,
    /// Secrets under the confidence threshold, not listed.
    below_confidence: u64,
    confidence_threshold: crate::evidence::Confidence,
    /// Candidates a validator rejected (a checksum that does not add up), not listed: `--confidence low` lists
    /// them.
    failed_validation: u64,
    /// Findings at this severity and above fail the scan; `below_fail_on` of the listed ones are under it
    /// (warnings: reported, not failing).
    fail_on: crate::rules::Severity,
    below_fail_on: usize,
    /// Present only when `--strict` failed the scan: what was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    strict_gaps: Option<&'a str>,
}

pub fn write(report: &Report<'_>, opts: &ReportOptions, w: &mut dyn Write) -> std::io::Result<()> {
    let doc = JsonReport {
        version: JSON_VERSION,
        tool: Tool { name: "leakgate", version: env!("CARGO_PKG_VERSION") },
        repository: report.scope.repository,
        shard: report.scope.shard.map(|s| s.to_string()),
        secret_hash_key_id: report.scope.secret_hash_key.map(|k| k.id()),
        findings: report
            .findings
            .iter()
            .map(|f| Hashed { finding: presented(f, opts.show_secrets), secret_hash: secret_hash(f, report) })
            .collect(),
        summary: Summary {
            findings: report.findings.len(),
            suppressed: report.suppressed,
            stats: report.stats,
            elapsed_ms: report.elapsed.as_millis(),
            unlisted: report.unlisted.total(),
            unlisted_by_path: report.unlisted.by_path.iter().map(|(p, n)| (p.as_str(), *n)).collect(),
            strict_gaps: report.strict_gaps.as_deref(),
            below_confidence: report.below_confidence,
            confidence_threshold: report.threshold,
            failed_validation: report.failed_validation,
            fail_on: report.fail_on,
            below_fail_on: report.warning_count(),
        },
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The secret's keyed hash: carried by a finding read back with its secret redacted (which has none if it was
/// made without the key: a hash of the redacted text would name no secret), else made with the report's key.
fn secret_hash(f: &Finding, report: &Report<'_>) -> Option<String> {
    let Detail::Secret(m) = &f.detail else { return None };
    if m.secret_hash.is_some() || crate::redact::is_redacted(&m.secret) {
        return m.secret_hash.clone();
    }
    report.scope.secret_hash_key.map(|k| k.hash(&m.secret))
}
