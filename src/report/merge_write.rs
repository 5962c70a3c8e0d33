//! The merged report ([`Merged`]) in JSON, SARIF or CSV. JSON is the scan report's shape (`version`,
//! `tool`, `findings`, `summary`) with each finding's `repository` and an `incidents` list beside the findings.
//! SARIF has one run per repository, named in `versionControlProvenance` when the repository is a URL. CSV is the
//! scan report's columns after a `repository` column. Findings are written as the reports held them: redacted
//! where those were.
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::merge::Merged;
use super::{csv, sarif, Report, ReportOptions, JSON_VERSION};
use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::stats::ScanStats;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Value,
    repositories: &'a [String],
    findings: Vec<Box<RawValue>>,
    incidents: Vec<Box<RawValue>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Summary<'a> {
    findings: usize,
    reports: usize,
    repositories: usize,
    incidents: usize,
    /// Secrets found in more than one repository.
    cross_repository_incidents: usize,
    /// Secret findings without a `secret_hash`: their reports were made without `LEAKGATE_SECRET_HASH_KEY`.
    #[serde(skip_serializing_if = "is_zero")]
    unhashed_secrets: u64,
    /// Reports whose scan did not read all its input (or failed `--strict`).
    incomplete_reports: Vec<&'a str>,
    error_count: u64,
    errors: Vec<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub fn write_json(merged: &Merged, w: &mut dyn Write) -> std::io::Result<()> {
    let doc = Doc {
        version: JSON_VERSION,
        tool: json!({"name": "leakgate", "version": env!("CARGO_PKG_VERSION")}),
        repositories: &merged.repositories,
        findings: rendered(&merged.findings)?,
        incidents: rendered(&merged.incidents)?,
        summary: Summary {
            findings: merged.findings.len(),
            reports: merged.reports,
            repositories: merged.repositories.len(),
            incidents: merged.incidents.len(),
            cross_repository_incidents: merged.incidents.iter().filter(|i| i.repositories > 1).count(),
            unhashed_secrets: merged.unhashed,
            incomplete_reports: merged.incomplete.iter().map(|(_, report)| report.as_str()).collect(),
            error_count: merged.error_count,
            errors: merged.errors.iter().map(|(_, e)| e.as_str()).collect(),
            notes: &merged.notes,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// Items of one of the document's lists, pretty-printed in parallel and indented for their place (two levels
/// deep), to be written as they are: a fleet's hundred thousand findings took a one-threaded writer a third of
/// the merge. The document reads exactly as if written in one pass.
fn rendered<T: Serialize + Sync>(items: &[T]) -> serde_json::Result<Vec<Box<RawValue>>> {
    items
        .par_iter()
        .map(|item| RawValue::from_string(serde_json::to_string_pretty(item)?.replace('\n', "\n    ")))
        .collect()
}

/// The findings of each repository (none for a clean one) as [`Finding`]s, for the writers that take them.
fn by_repository(merged: &Merged) -> serde_json::Result<BTreeMap<&str, Vec<Finding>>> {
    // Every repository audited, those with nothing found too.
    let mut out: BTreeMap<&str, Vec<Finding>> = merged.repositories.iter().map(|r| (r.as_str(), Vec::new())).collect();
    for f in &merged.findings {
        let repository = f.get("repository").and_then(Value::as_str).unwrap_or("");
        let finding: Finding = serde_json::from_value(Value::Object(f.clone()))?;
        out.entry(repository).or_default().push(finding);
    }
    Ok(out)
}

/// The reports hold findings as they chose to show them: nothing is redacted again.
const AS_HELD: ReportOptions = ReportOptions { show_secrets: true, color: false, quiet: false };

pub fn write_csv(merged: &Merged, w: &mut dyn Write) -> std::io::Result<()> {
    csv::record(w, std::iter::once("repository".to_string()).chain(csv::HEADER.iter().map(|h| h.to_string())))?;
    for (repository, findings) in by_repository(merged)? {
        for f in &findings {
            csv::record(w, std::iter::once(csv::cell(repository)).chain(csv::row(f, &AS_HELD)))?;
        }
    }
    Ok(())
}

/// One SARIF run per repository, a clean one too. `rules` documents the rules (the built-in ones; a custom rule's findings
/// describe it themselves).
pub fn write_sarif(merged: &Merged, rules: &RuleSet, w: &mut dyn Write) -> std::io::Result<()> {
    let mut runs = Vec::new();
    for (repository, findings) in by_repository(merged)? {
        let mut stats = ScanStats::default();
        for (_, e) in merged.errors.iter().filter(|(r, _)| r == repository) {
            stats.error(e.clone());
        }
        // A report that failed `--strict`, or counted more errors than it kept, still makes the run unsuccessful.
        for (_, report) in merged.incomplete.iter().filter(|(r, _)| r == repository) {
            if !merged.errors.iter().any(|(r, e)| r == repository && e.starts_with(report.as_str())) {
                stats.error(format!("{report}: its scan did not read all its input"));
            }
        }
        let report = Report {
            findings: &findings,
            stats: &stats,
            suppressed: Default::default(),
            elapsed: Duration::ZERO,
            rules,
            strict_gaps: None,
            unlisted: Default::default(),
            below_confidence: 0,
            failed_validation: 0,
            threshold: Default::default(),
            scope: Default::default(),
            fail_on: crate::rules::Severity::Info,
        };
        let mut doc = sarif::document(&report, &AS_HELD);
        let Some(mut run) = doc["runs"].as_array_mut().and_then(|r| r.pop()) else { continue };
        if repository.contains("://") {
            run["versionControlProvenance"] = json!([{ "repositoryUri": repository }]);
        }
        run["properties"] = json!({ "repository": repository });
        runs.push(run);
    }
    let doc = json!({ "$schema": sarif::SCHEMA, "version": "2.1.0", "runs": runs });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
