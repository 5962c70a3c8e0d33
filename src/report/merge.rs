//! `leakgate report merge`: many JSON reports (one per repository, or one per shard of a repository's audit) made
//! into one. Findings are keyed by repository and fingerprint: the same finding in several reports of one
//! repository is listed once, with the earliest commit (by its `order` in the audit's walk, then its position)
//! and its occurrences added up over the shards (the largest count where reports cover the same share), so that N
//! shards merge into what one run reports. Across repositories, secret findings with the same `secret_hash` (and
//! the same key) are one [`Incident`] that lists every place the secret was found. Findings are kept as the JSON
//! the reports hold, untouched but for `repository` and the occurrence count, so nothing a report said is lost.
//! The output formats are in `merge_write`.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::JSON_VERSION;

/// A report to merge: where it came from (for messages) and its bytes.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report that cannot be merged: not JSON, not leakgate's, or of another version.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct MergeError {
    pub name: String,
    pub message: String,
}

/// The merged reports.
#[derive(Debug)]
pub struct Merged {
    /// Each finding once per repository, sorted by repository, path, position and rule; each carries `repository`.
    pub findings: Vec<Map<String, Value>>,
    /// Secrets found (by keyed hash), most repositories first.
    pub incidents: Vec<Incident>,
    /// The repositories, each once, sorted.
    pub repositories: Vec<String>,
    pub reports: usize,
    /// Reports whose scan left input unread (or failed `--strict`), as (repository, report): the merged audit
    /// is not complete.
    pub incomplete: Vec<(String, String)>,
    /// Unread inputs the reports counted, added up, and the lines they kept, as (repository, `report: line`).
    pub error_count: u64,
    pub errors: Vec<(String, String)>,
    /// Secret findings without a `secret_hash` (their reports were made without a key): in no incident.
    pub unhashed: u64,
    pub notes: Vec<String>,
}

/// One secret, by keyed hash, and every place it was found.
#[derive(Debug, serde::Serialize)]
pub struct Incident {
    pub secret_hash: String,
    pub secret_hash_key_id: String,
    pub rule_ids: BTreeSet<String>,
    /// How many repositories hold it.
    pub repositories: usize,
    pub places: Vec<Place>,
}

/// Where an incident's secret was found.
#[derive(Debug, serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub repository: String,
    pub path: String,
    pub start_line: u64,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Deserialize)]
struct Incoming {
    version: u32,
    tool: IncomingTool,
    repository: Option<String>,
    shard: Option<String>,
    secret_hash_key_id: Option<String>,
    findings: Vec<Map<String, Value>>,
    #[serde(default)]
    summary: IncomingSummary,
}

#[derive(Deserialize)]
struct IncomingTool {
    name: String,
}

#[derive(Deserialize, Default)]
struct IncomingSummary {
    #[serde(default)]
    error_count: u64,
    #[serde(default)]
    errors: Vec<String>,
    strict_gaps: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
}

/// One finding of one repository, as merged so far.
struct Group {
    best: Map<String, Value>,
    /// Occurrences (the finding and its further occurrences) per share of the audit that reported it: `None`
    /// for a report of the whole audit.
    counts: Vec<(Option<Arc<str>>, u64)>,
}

/// Only errors this many are kept as lines (the count is exact).
const MAX_KEPT_ERRORS: usize = 100;

pub fn merge(inputs: Vec<Input>) -> Result<Merged, MergeError> {
    let parsed: Vec<(String, Incoming)> = inputs
        .into_par_iter()
        .map(|input| {
            let incoming = parse(&input)?;
            Ok((input.name, incoming))
        })
        .collect::<Result<_, MergeError>>()?;
    let reports = parsed.len();
    let mut groups: HashMap<(Arc<str>, String), Group> = HashMap::new();
    let mut repositories: BTreeSet<Arc<str>> = BTreeSet::new();
    let (mut incomplete, mut errors, mut error_count, mut notes) = (Vec::new(), Vec::new(), 0u64, BTreeSet::new());
    let mut key_ids: BTreeSet<String> = BTreeSet::new();
    let mut unnamed = 0usize;
    for (name, report) in parsed {
        let Incoming { repository, shard, secret_hash_key_id, findings, summary, .. } = report;
        if repository.is_none() {
            unnamed += 1;
        }
        // A report without a repository (a folder scan, or an older report) stands for itself.
        let own: Arc<str> = repository.unwrap_or_else(|| name.clone()).into();
        // A repository with nothing found was audited too.
        repositories.insert(own.clone());
        if summary.error_count > 0 || summary.strict_gaps.is_some() {
            incomplete.push((own.to_string(), name.clone()));
        }
        error_count += summary.error_count;
        for e in summary.errors {
            if errors.len() < MAX_KEPT_ERRORS {
                errors.push((own.to_string(), format!("{name}: {e}")));
            }
        }
        notes.extend(summary.notes.into_iter().filter(|n| n.starts_with("shallow clone")));
        let shard: Option<Arc<str>> = shard.map(Into::into);
        let key_id = secret_hash_key_id.map(|id| {
            key_ids.insert(id.clone());
            Value::String(id)
        });
        for mut finding in findings {
            // A merged report merged again: its findings name their repository.
            let repository: Arc<str> = match finding.get("repository").and_then(Value::as_str) {
                Some(r) if *r != *own => r.into(),
                _ => own.clone(),
            };
            repositories.insert(repository.clone());
            if let (Some(id), true) = (&key_id, finding.contains_key("secret_hash")) {
                finding.entry("secret_hash_key_id").or_insert_with(|| id.clone());
            }
            let fingerprint = str_field(&finding, "fingerprint").to_string();
            let count = occurrences(&finding);
            match groups.entry((repository, fingerprint)) {
                std::collections::hash_map::Entry::Occupied(mut slot) => {
                    let group = slot.get_mut();
                    match group.counts.iter_mut().find(|(s, _)| *s == shard) {
                        Some((_, n)) => *n = (*n).max(count),
                        None => group.counts.push((shard.clone(), count)),
                    }
                    if earliest(&finding) < earliest(&group.best) {
                        group.best = finding;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(Group { best: finding, counts: vec![(shard.clone(), count)] });
                }
            }
        }
    }
    if unnamed > 0 {
        notes.insert(format!(
            "{unnamed} reports name no repository (folder scans, or reports from an older leakgate): each is \
             listed under its file name"
        ));
    }
    if key_ids.len() > 1 {
        notes.insert(format!(
            "the reports' secret hashes were made with {} different keys: a secret is only recognised across \
             reports made with the same key",
            key_ids.len()
        ));
    }
    let mut findings: Vec<Map<String, Value>> = groups
        .into_iter()
        .map(|((repository, _), group)| {
            let Group { mut best, counts } = group;
            // Shares of one audit hold different blobs, so their counts add up; a report of the whole audit
            // already counts everything.
            let total = if counts.iter().any(|(s, _)| s.is_none()) {
                counts.iter().map(|(_, n)| *n).max().unwrap_or(1)
            } else {
                counts.iter().map(|(_, n)| *n).sum()
            };
            if let Some(Value::Object(commit)) = best.get_mut("commit") {
                commit.insert("further_occurrences".into(), Value::from(total.saturating_sub(1)));
            }
            best.insert("repository".into(), Value::String(repository.to_string()));
            best
        })
        .collect();
    // Keys looked up once per finding, not once per comparison.
    findings.par_sort_by_cached_key(|f| {
        let (repository, path, line, column, rule, fingerprint) = sort_key(f);
        (repository.to_string(), path.to_string(), line, column, rule.to_string(), fingerprint.to_string())
    });
    let (incidents, unhashed) = incidents(&findings);
    Ok(Merged {
        findings,
        incidents,
        repositories: repositories.iter().map(|r| r.to_string()).collect(),
        reports,
        incomplete,
        error_count,
        errors,
        unhashed,
        notes: notes.into_iter().collect(),
    })
}

fn parse(input: &Input) -> Result<Incoming, MergeError> {
    let fail = |message: String| MergeError { name: input.name.clone(), message };
    let report: Incoming = serde_json::from_slice(&input.bytes)
        .map_err(|e| fail(format!("not a leakgate JSON report ({e}); write reports with --format json")))?;
    if report.tool.name != "leakgate" {
        return Err(fail(format!("a report of `{}`, not of leakgate", report.tool.name)));
    }
    if report.version != JSON_VERSION {
        return Err(fail(format!("JSON report version {} (this leakgate reads {JSON_VERSION})", report.version)));
    }
    Ok(report)
}

fn str_field<'a>(f: &'a Map<String, Value>, key: &str) -> &'a str {
    f.get(key).and_then(Value::as_str).unwrap_or("")
}

fn num_field(f: &Map<String, Value>, key: &str) -> u64 {
    f.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn commit_field(f: &Map<String, Value>, key: &str) -> Option<u64> {
    f.get("commit").and_then(|c| c.get(key)).and_then(Value::as_u64)
}

/// The finding and its further occurrences.
fn occurrences(f: &Map<String, Value>) -> u64 {
    commit_field(f, "further_occurrences").unwrap_or(0) + 1
}

/// What one run keeps of several versions of a finding: the earliest commit's, then the first in the file.
fn earliest(f: &Map<String, Value>) -> (u64, u64, u64, u64, u64) {
    let order = commit_field(f, "order").unwrap_or(u64::MAX);
    let at = |k| num_field(f, k);
    (order, at("start_line"), at("start_column"), at("end_line"), at("end_column"))
}

/// The order of a scan's own report within each repository: path, position, rule, fingerprint.
fn sort_key(f: &Map<String, Value>) -> (&str, &str, u64, u64, &str, &str) {
    let at = |k| num_field(f, k);
    let text = |k| str_field(f, k);
    (text("repository"), text("path"), at("start_line"), at("start_column"), text("rule_id"), text("fingerprint"))
}

/// Secret findings grouped by keyed hash; and how many secret findings had none.
fn incidents(findings: &[Map<String, Value>]) -> (Vec<Incident>, u64) {
    let mut by_hash: BTreeMap<(&str, &str), Incident> = BTreeMap::new();
    let mut unhashed = 0;
    for f in findings.iter().filter(|f| str_field(f, "kind") == "secret") {
        let Some(hash) = f.get("secret_hash").and_then(Value::as_str) else {
            unhashed += 1;
            continue;
        };
        let key_id = str_field(f, "secret_hash_key_id");
        let incident = by_hash.entry((key_id, hash)).or_insert_with(|| Incident {
            secret_hash: hash.to_string(),
            secret_hash_key_id: key_id.to_string(),
            rule_ids: BTreeSet::new(),
            repositories: 0,
            places: Vec::new(),
        });
        incident.rule_ids.insert(str_field(f, "rule_id").to_string());
        incident.places.push(Place {
            repository: str_field(f, "repository").to_string(),
            path: str_field(f, "path").to_string(),
            start_line: num_field(f, "start_line"),
            fingerprint: str_field(f, "fingerprint").to_string(),
            commit: f.get("commit").and_then(|c| c.get("id")).and_then(Value::as_str).map(str::to_string),
        });
    }
    let mut incidents: Vec<Incident> = by_hash
        .into_values()
        .map(|mut i| {
            i.places.sort();
            i.repositories = i.places.iter().map(|p| &p.repository).collect::<BTreeSet<_>>().len();
            i
        })
        .collect();
    incidents.sort_by(|a, b| b.repositories.cmp(&a.repositories).then(b.places.len().cmp(&a.places.len())));
    (incidents, unhashed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{merge, Input};

    fn report(repository: &str, shard: Option<&str>, findings: serde_json::Value) -> Input {
        let mut doc = json!({
            "version": 1, "tool": {"name": "leakgate", "version": "0"}, "repository": repository,
            "secret_hash_key_id": "k", "findings": findings, "summary": {"error_count": 0, "errors": []},
        });
        if let Some(s) = shard {
            doc["shard"] = json!(s);
        }
        Input { name: format!("{repository}-{shard:?}.json"), bytes: serde_json::to_vec(&doc).unwrap() }
    }

    fn finding(fp: &str, order: u64, further: u64, hash: &str) -> serde_json::Value {
        json!({"kind": "secret", "rule_id": "r", "path": "a", "start_line": 1, "start_column": 1, "end_line": 1,
               "end_column": 2, "fingerprint": fp, "secret_hash": hash,
               "commit": {"id": format!("c{order}"), "order": order, "further_occurrences": further}})
    }

    #[test]
    fn shards_add_up_and_the_earliest_commit_wins() {
        let merged = merge(vec![
            report("r1", Some("1/2"), json!([finding("f", 5, 1, "h")])),
            report("r1", Some("2/2"), json!([finding("f", 2, 0, "h")])),
            // The same shard reported twice is one share.
            report("r1", Some("2/2"), json!([finding("f", 2, 0, "h")])),
        ])
        .unwrap();
        assert_eq!(merged.findings.len(), 1);
        assert_eq!(merged.findings[0]["commit"]["order"], 2);
        assert_eq!(merged.findings[0]["commit"]["further_occurrences"], 2);
    }

    #[test]
    fn one_secret_in_two_repositories_is_one_incident() {
        let merged = merge(vec![
            report("r1", None, json!([finding("f1", 0, 0, "h")])),
            report("r2", None, json!([finding("f2", 0, 0, "h"), finding("f3", 0, 0, "other")])),
        ])
        .unwrap();
        assert_eq!(merged.findings.len(), 3);
        assert_eq!(merged.incidents.len(), 2);
        assert_eq!(merged.incidents[0].repositories, 2);
        assert_eq!(merged.incidents[0].places.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_a_report_is_named() {
        let bad = Input { name: "x.json".into(), bytes: b"{\"version\": 1}".to_vec() };
        let e = merge(vec![bad]).unwrap_err();
        assert_eq!(e.name, "x.json");
    }
}
