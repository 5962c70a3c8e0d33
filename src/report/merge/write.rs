//! The merged report ([`Merged`]) in JSON, SARIF or CSV. JSON is the scan report's shape (`version`,
//! `tool`, `findings`, `summary`) with each finding's `repository` and an `incidents` list beside the findings.
//! SARIF has one run per repository, named in `versionControlProvenance` when the repository is a URL. CSV is the
//! scan report's columns after a `repository` column. Findings are written as the reports held them: redacted
//! where those were.
//!
//! A fleet's merge writes a hundred thousand findings: items are rendered in parallel, a batch at a time, and
//! written in order, so the output reads exactly as if written in one pass and is never all in memory.
use std::io::{self, Write};

use rayon::prelude::*;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::{edit, Merged};
use crate::finding::Finding;
use crate::report::sarif::{self, SarifResult};
use crate::report::{csv, Report, ReportOptions, JSON_VERSION};
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

/// Findings (or incidents, or CSV rows) rendered in parallel at a time, then written: some 10 MB.
const BATCH: usize = 8192;
/// SARIF runs rendered at a time: a run holds a repository's findings (a hundred make 15 MB).
const RUN_BATCH: usize = 64;
/// Parts a batch is cut into, each rendered by one thread into one buffer.
const PARTS: usize = 32;

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
    doc.list("findings", &merged.findings, BATCH, |f, out| {
        edit::write_finding(f, out);
        Ok(())
    })?;
    doc.list("incidents", &merged.incidents, BATCH, pretty_item)?;
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
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Deep::at(1)))?;
        self.w.write_all(&out)
    }

    /// A list whose items `render` writes at the second level (its lines indented by four spaces after the
    /// first), rendered `batch` items at a time.
    fn list<T: Sync>(
        &mut self,
        key: &str,
        items: &[T],
        batch: usize,
        render: impl Fn(&T, &mut Vec<u8>) -> io::Result<()> + Sync,
    ) -> io::Result<()> {
        self.key(key)?;
        if items.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[\n")?;
        let render_batch = |b: usize, batch: &[T]| -> io::Result<Vec<Vec<u8>>> {
            batch
                .par_chunks(batch.len().div_ceil(PARTS))
                .enumerate()
                .map(|(c, chunk)| {
                    let mut out = Vec::new();
                    for (i, item) in chunk.iter().enumerate() {
                        let first = b == 0 && c == 0 && i == 0;
                        out.extend_from_slice(if first { b"    " } else { b",\n    " });
                        render(item, &mut out)?;
                    }
                    Ok(out)
                })
                .collect()
        };
        write_rendered(&mut *self.w, items.chunks(batch).enumerate(), |(b, batch)| render_batch(b, batch))?;
        self.w.write_all(b"\n  ]")
    }

    fn end(self) -> io::Result<()> {
        self.w.write_all(b"\n}\n")
    }
}

/// Renders each batch (in parallel: `render` uses the thread pool) while this thread writes the one before, in
/// order.
fn write_rendered<B: Send>(
    w: &mut dyn Write,
    batches: impl Iterator<Item = B>,
    render: impl Fn(B) -> io::Result<Vec<Vec<u8>>> + Sync,
) -> io::Result<()> {
    let mut pending: Vec<Vec<u8>> = Vec::new();
    for batch in batches {
        let mut next = Ok(Vec::new());
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| next = render(batch));
            pending.drain(..).try_for_each(|part| w.write_all(&part))
        })?;
        pending = next?;
    }
    pending.iter().try_for_each(|part| w.write_all(part))
}

/// An item pretty-printed for its place at the second level.
fn pretty_item<T: Serialize>(item: &T, out: &mut Vec<u8>) -> io::Result<()> {
    item.serialize(&mut serde_json::Serializer::with_formatter(out, Deep::at(2)))?;
    Ok(())
}

/// serde_json's pretty layout (two spaces a level) for a value that sits `level` levels deep in the document,
/// so that it is written in place rather than printed and indented again.
struct Deep {
    level: usize,
    has_value: bool,
}

impl Deep {
    fn at(level: usize) -> Deep {
        Deep { level, has_value: false }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w, b"\n")?;
        }
        w.write_all(bracket)
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W, separator: &[u8]) -> io::Result<()> {
        w.write_all(separator)?;
        (0..self.level).try_for_each(|_| w.write_all(b"  "))
    }
}

impl serde_json::ser::Formatter for Deep {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    write_rendered(w, rows.chunks(BATCH), |batch| {
        batch
            .par_chunks(batch.len().div_ceil(PARTS))
            .map(|chunk| {
                let mut out = Vec::new();
                for (repository, f) in chunk {
                    csv::record(&mut out, std::iter::once(csv::cell(repository)).chain(csv::row(f, &AS_HELD)))?;
                }
                Ok(out)
            })
            .collect()
    })
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
    doc.list("runs", &runs, RUN_BATCH, |(repository, findings), out| {
        pretty_item(&run(merged, rules, repository, findings), out)
    })?;
    doc.value("version", "2.1.0")?;
    doc.end()
}

/// The SARIF run of one repository.
fn run(merged: &Merged, rules: &RuleSet, repository: &str, findings: &[Finding]) -> Run {
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
    let report = Report::plain(findings, &stats, rules);
    let (mut run, results) = sarif::run(&report, &AS_HELD);
    if repository.contains("://") {
        run.insert("versionControlProvenance".into(), json!([{ "repositoryUri": repository }]));
    }
    run.insert("properties".into(), json!({ "repository": repository }));
    Run { run, results }
}

/// A run and its typed results, written as one JSON object with `results` where a map's sorted keys put it:
/// as the run read when it was one map.
struct Run {
    run: Map<String, Value>,
    results: Vec<SarifResult>,
}

impl Serialize for Run {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.run.len() + 1))?;
        let mut results = Some(&self.results);
        for (key, value) in &self.run {
            if key.as_str() > "results" {
                if let Some(results) = results.take() {
                    map.serialize_entry("results", results)?;
                }
            }
            map.serialize_entry(key, value)?;
        }
        if let Some(results) = results {
            map.serialize_entry("results", results)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::{json, Serializer};

    use super::Deep;

    #[test]
    fn deep_lays_out_values_as_the_pretty_printer_does_at_their_depth() {
        let v = json!({"a": [], "b": {}, "c": [1, {"d": [[]], "e": "x\ny"}], "f": null, "g": [{}]});
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        for level in 0..3 {
            let mut out = Vec::new();
            v.serialize(&mut Serializer::with_formatter(&mut out, Deep::at(level))).unwrap();
            let expected = pretty.replace('\n', &format!("\n{}", "  ".repeat(level)));
            assert_eq!(String::from_utf8(out).unwrap(), expected, "level {level}");
        }
    }
}
