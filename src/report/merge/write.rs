//! The merged report ([`Merged`]) in JSON, SARIF or CSV. JSON is the scan report's shape (`version`,
//! `tool`, `findings`, `summary`) with each finding's `repository` and an `incidents` list beside the findings.
//! SARIF has one run per repository, named in `versionControlProvenance` when the repository is a URL. CSV is the
//! scan report's columns after a `repository` column. Findings are written as the reports held them: redacted
//! where those were.
//!
//! A fleet's merge writes a hundred thousand findings: items are rendered in parallel, a batch at a time, and
//! written in order, so the output reads exactly as if written in one pass and is never all in memory.
use std::io::{self, Write};
use std::time::Duration;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{edit, Merged};
use crate::finding::Finding;
use crate::report::{csv, sarif, Report, ReportOptions, JSON_VERSION};
use crate::rules::RuleSet;
use crate::stats::ScanStats;

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

/// Items rendered in parallel at a time; then written.
const BATCH: usize = 8192;
/// Items one thread renders into one buffer.
const CHUNK: usize = 256;

pub fn write_json(merged: &Merged, w: &mut dyn Write) -> io::Result<()> {
    let summary = Summary {
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
    };
    let mut doc = Object::begin(w)?;
    doc.value("version", &JSON_VERSION)?;
    doc.value("tool", &json!({"name": "leakgate", "version": env!("CARGO_PKG_VERSION")}))?;
    doc.value("repositories", &merged.repositories)?;
    // The findings' own text, laid out as their reports laid it out (a pretty report's findings sit at this depth).
    doc.list("findings", &merged.findings, |f, out, _| {
        edit::write_finding(f, out);
        Ok(())
    })?;
    doc.list("incidents", &merged.incidents, pretty_item)?;
    doc.value("summary", &summary)?;
    doc.end()
}

/// A JSON object written one member at a time, laid out as serde_json's pretty printer lays it out (two spaces
/// a level), members being values or lists rendered in parallel.
struct Object<'w> {
    w: &'w mut dyn Write,
    members: usize,
}

impl<'w> Object<'w> {
    fn begin(w: &'w mut dyn Write) -> io::Result<Self> {
        w.write_all(b"{")?;
        Ok(Object { w, members: 0 })
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        self.w.write_all(if self.members == 0 { b"\n  " } else { b",\n  " })?;
        self.members += 1;
        serde_json::to_writer(&mut *self.w, key)?;
        self.w.write_all(b": ")
    }

    fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        let mut out = Vec::new();
        indented(&serde_json::to_vec_pretty(value)?, b"\n  ", &mut out);
        self.w.write_all(&out)
    }

    /// A list whose items `render` writes at the second level (its lines indented by four spaces after the
    /// first); its third argument is a buffer to reuse.
    fn list<T: Sync>(
        &mut self,
        key: &str,
        items: &[T],
        render: impl Fn(&T, &mut Vec<u8>, &mut Vec<u8>) -> io::Result<()> + Sync,
    ) -> io::Result<()> {
        self.key(key)?;
        if items.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[\n")?;
        for (b, batch) in items.chunks(BATCH).enumerate() {
            let parts: Vec<Vec<u8>> = batch
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(c, chunk)| {
                    let (mut out, mut scratch) = (Vec::new(), Vec::new());
                    for (i, item) in chunk.iter().enumerate() {
                        let first = b == 0 && c == 0 && i == 0;
                        out.extend_from_slice(if first { b"    " } else { b",\n    " });
                        render(item, &mut out, &mut scratch)?;
                    }
                    Ok(out)
                })
                .collect::<io::Result<_>>()?;
            for part in parts {
                self.w.write_all(&part)?;
            }
        }
        self.w.write_all(b"\n  ]")
    }

    fn end(self) -> io::Result<()> {
        self.w.write_all(b"\n}\n")
    }
}

/// An item pretty-printed for its place at the second level.
fn pretty_item<T: Serialize>(item: &T, out: &mut Vec<u8>, scratch: &mut Vec<u8>) -> io::Result<()> {
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, item)?;
    indented(scratch, b"\n    ", out);
    Ok(())
}

/// Copies pretty-printed JSON, each line after the first indented: its newlines are all layout (a newline in a
/// string is written `\n`).
fn indented(pretty: &[u8], newline: &[u8], out: &mut Vec<u8>) {
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', pretty) {
        out.extend_from_slice(&pretty[from..at]);
        out.extend_from_slice(newline);
        from = at + 1;
    }
    out.extend_from_slice(&pretty[from..]);
}

/// The findings read whole, in the merged order; an error if the merge was not asked for them
/// ([`super::Need::Typed`]).
fn typed<'m>(merged: &'m Merged) -> io::Result<&'m [Finding]> {
    if merged.typed.len() == merged.findings.len() {
        Ok(&merged.typed)
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "the findings were merged without being read whole"))
    }
}

/// The reports hold findings as they chose to show them: nothing is redacted again.
const AS_HELD: ReportOptions = ReportOptions { show_secrets: true, color: false, quiet: false };

pub fn write_csv(merged: &Merged, w: &mut dyn Write) -> io::Result<()> {
    csv::record(w, std::iter::once("repository".to_string()).chain(csv::HEADER.iter().map(|h| h.to_string())))?;
    let typed = typed(merged)?;
    let rows: Vec<(&str, &Finding)> =
        merged.findings.iter().zip(typed).map(|(f, typed)| (f.repository.as_ref(), typed)).collect();
    for batch in rows.chunks(BATCH) {
        let parts: Vec<Vec<u8>> = batch
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut out = Vec::new();
                for (repository, f) in chunk {
                    csv::record(&mut out, std::iter::once(csv::cell(repository)).chain(csv::row(f, &AS_HELD)))?;
                }
                Ok(out)
            })
            .collect::<io::Result<_>>()?;
        for part in parts {
            w.write_all(&part)?;
        }
    }
    Ok(())
}

/// One SARIF run per repository, a clean one too. `rules` documents the rules (the built-in ones; a custom
/// rule's findings describe it themselves).
pub fn write_sarif(merged: &Merged, rules: &RuleSet, w: &mut dyn Write) -> io::Result<()> {
    let typed = typed(merged)?;
    // Findings are sorted by repository, as the repositories are: each repository's findings are one slice.
    let mut start = 0;
    let runs: Vec<(&str, &[Finding])> = merged
        .repositories
        .iter()
        .map(|repository| {
            let count = merged.findings[start..].iter().take_while(|f| f.repository == repository.as_str()).count();
            start += count;
            (repository.as_str(), &typed[start - count..start])
        })
        .collect();
    let mut doc = Object::begin(w)?;
    doc.value("$schema", sarif::SCHEMA)?;
    doc.list("runs", &runs, |(repository, findings), out, scratch| {
        pretty_item(&run(merged, rules, repository, findings), out, scratch)
    })?;
    doc.value("version", "2.1.0")?;
    doc.end()
}

/// The SARIF run of one repository.
fn run(merged: &Merged, rules: &RuleSet, repository: &str, findings: &[Finding]) -> serde_json::Value {
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
        findings,
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
    let mut run = doc["runs"].as_array_mut().and_then(|r| r.pop()).unwrap_or_default();
    if repository.contains("://") {
        run["versionControlProvenance"] = json!([{ "repositoryUri": repository }]);
    }
    run["properties"] = json!({ "repository": repository });
    run
}
