//! `leakgate report merge`: many JSON reports (one per repository, or one per shard of a repository's audit) made
//! into one. Findings are keyed by repository and fingerprint: the same finding in several reports of one
//! repository is listed once, with the earliest commit (by its `order` in the audit's walk, then its position)
//! and its occurrences added up over the shards (the largest count where reports cover the same share), so that N
//! shards merge into what one run reports. Across repositories, secret findings with the same `secret_hash` (and
//! the same key) are one [`Incident`] that lists every place the secret was found. Findings are kept as the JSON
//! text the reports hold (`read`), written back untouched but for `repository`, `secret_hash_key_id` and the
//! occurrence count (`edit`), so nothing a report said is lost. The output formats are in [`mod@write`].
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use crate::finding::Finding;

mod edit;
mod read;
pub mod write;

pub use read::{Commit, Held};

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

/// What the writer will need besides the keys the merge reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The findings' text, and the incidents (the JSON output).
    Text,
    /// Each finding read whole, and no incidents (CSV and SARIF list findings only). A finding that cannot be
    /// read whole is then reported, naming its file, before anything is written.
    Typed,
}

/// The merged reports. Borrows the reports' bytes.
pub struct Merged<'a> {
    /// Each finding once per repository, sorted by repository, path, position and rule.
    pub findings: Vec<MergedFinding<'a>>,
    /// With [`Need::Typed`], each of `findings` read whole, in the same order (its occurrences merged); else
    /// empty.
    pub typed: Vec<Finding>,
    /// With [`Need::Text`], the secrets found (by keyed hash), most repositories first; else empty.
    pub incidents: Vec<Incident<'a>>,
    /// The repositories, each once, sorted.
    pub repositories: Vec<String>,
    pub reports: usize,
    /// Reports whose scan left input unread (or failed `--strict`), as (repository, report): the merged audit
    /// is not complete.
    pub incomplete: Vec<(String, String)>,
    /// Unread inputs the reports counted, added up, and the lines they kept, as (repository, `report: line`).
    pub error_count: u64,
    pub errors: Vec<(String, String)>,
    /// With [`Need::Text`], secret findings without a `secret_hash` (their reports were made without a key): in no
    /// incident.
    pub unhashed: u64,
    pub notes: Vec<String>,
}

/// One finding of the merged report: the version kept ([`Held`]), its repository and its occurrences over
/// every report.
pub struct MergedFinding<'a> {
    pub repository: Cow<'a, str>,
    pub held: Held<'a>,
    /// Further occurrences, added up over the shards that reported the finding.
    pub further_occurrences: u64,
    /// The key id of its `secret_hash`: its own, else its report's (then added to its text).
    pub key_id: Option<Cow<'a, str>>,
    /// Whether `key_id` came from its report (and so is added to its text).
    pub key_id_added: bool,
}

/// One secret, by keyed hash, and every place it was found.
#[derive(Debug, serde::Serialize)]
pub struct Incident<'a> {
    pub secret_hash: Cow<'a, str>,
    pub secret_hash_key_id: Cow<'a, str>,
    pub rule_ids: BTreeSet<Cow<'a, str>>,
    /// How many repositories hold it.
    pub repositories: usize,
    pub places: Vec<Place<'a>>,
}

/// Where an incident's secret was found.
#[derive(Debug, serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place<'a> {
    pub repository: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub start_line: u64,
    pub fingerprint: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<Cow<'a, str>>,
}

/// Occurrences of one finding (the finding and its further occurrences) per share of the audit that reported
/// it: `None` for a report of the whole audit.
type Counts<'a> = Vec<(Option<Cow<'a, str>>, u64)>;

/// Only errors this many are kept as lines (the count is exact).
const MAX_KEPT_ERRORS: usize = 100;

pub fn merge(inputs: &[Input], need: Need) -> Result<Merged<'_>, MergeError> {
    let parsed: Vec<read::Report> =
        inputs.par_iter().map(|input| read::report(input, need == Need::Typed)).collect::<Result<_, _>>()?;
    let reports = parsed.len();
    // Each finding of each repository once (the version kept so far), found by repository and fingerprint;
    // findings are moved once, into `kept`, and compared there.
    let total: usize = parsed.iter().map(|r| r.findings.len()).sum();
    let mut index: HashMap<(Cow<str>, Cow<str>), usize> = HashMap::with_capacity(total);
    let (mut kept, mut counts): (Vec<MergedFinding>, Vec<Counts>) = (Vec::with_capacity(total), Vec::new());
    let mut repositories: BTreeSet<Cow<str>> = BTreeSet::new();
    let (mut incomplete, mut errors, mut error_count, mut notes) = (Vec::new(), Vec::new(), 0u64, BTreeSet::new());
    let mut key_ids: BTreeSet<Cow<str>> = BTreeSet::new();
    let mut unnamed = 0usize;
    for (input, report) in inputs.iter().zip(parsed) {
        let name = input.name.as_str();
        let read::Report { repository, shard, secret_hash_key_id, findings, summary } = report;
        if repository.is_none() {
            unnamed += 1;
        }
        // A report without a repository (a folder scan, or an older report) stands for itself.
        let own: Cow<str> = repository.unwrap_or(Cow::Borrowed(name));
        // A repository with nothing found was audited too.
        repositories.insert(own.clone());
        if summary.error_count > 0 || summary.strict_gaps.is_some() {
            incomplete.push((own.to_string(), name.to_string()));
        }
        error_count += summary.error_count;
        for e in summary.errors {
            if errors.len() < MAX_KEPT_ERRORS {
                errors.push((own.to_string(), format!("{name}: {e}")));
            }
        }
        notes.extend(summary.notes.into_iter().filter(|n| n.starts_with("shallow clone")));
        if let Some(id) = &secret_hash_key_id {
            key_ids.insert(id.clone());
        }
        for held in findings {
            // A merged report merged again: its findings name their repository.
            let repository = match &held.repository {
                Some(r) if *r != own => {
                    repositories.insert(r.clone());
                    r.clone()
                }
                _ => own.clone(),
            };
            let key_id_added = held.has_secret_hash && !held.has_key_id && secret_hash_key_id.is_some();
            let key_id = if key_id_added { secret_hash_key_id.clone() } else { held.key_id.clone() };
            let count = held.commit.as_ref().map_or(0, |c| c.further_occurrences) + 1;
            let key = (repository.clone(), held.fingerprint.clone());
            let finding = MergedFinding { repository, held, further_occurrences: 0, key_id, key_id_added };
            match index.entry(key) {
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let i = *slot.get();
                    match counts[i].iter_mut().find(|(s, _)| *s == shard) {
                        Some((_, n)) => *n = (*n).max(count),
                        None => counts[i].push((shard.clone(), count)),
                    }
                    if earliest(&finding.held) < earliest(&kept[i].held) {
                        kept[i] = finding;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(kept.len());
                    kept.push(finding);
                    counts.push(vec![(shard.clone(), count)]);
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
    drop(index);
    for (best, counts) in kept.iter_mut().zip(counts) {
        // Shares of one audit hold different blobs, so their counts add up; a report of the whole audit already
        // counts everything.
        let total = if counts.iter().any(|(s, _)| s.is_none()) {
            counts.iter().map(|(_, n)| *n).max().unwrap_or(1)
        } else {
            counts.iter().map(|(_, n)| *n).sum()
        };
        best.further_occurrences = total.saturating_sub(1);
        if let Some(commit) = best.held.typed.as_mut().and_then(|f| f.commit.as_mut()) {
            commit.further_occurrences = best.further_occurrences as usize;
        }
    }
    let mut findings = kept;
    // In the order of a scan's own report within each repository: path, position, rule, fingerprint. Keys are
    // cheap to copy (they borrow the reports' bytes) and findings are large: sorted by cached keys, each finding
    // is moved once. Keys are unique (repository and fingerprint are), so there is one order.
    findings.par_sort_by_cached_key(|f| {
        let h = &f.held;
        (f.repository.clone(), h.path.clone(), h.start_line, h.start_column, h.rule_id.clone(), h.fingerprint.clone())
    });
    let typed = findings.iter_mut().filter_map(|f| f.held.typed.take()).map(|f| *f).collect();
    let (incidents, unhashed) = match need {
        Need::Text => incidents(&findings),
        Need::Typed => (Vec::new(), 0),
    };
    Ok(Merged {
        findings,
        typed,
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

/// What one run keeps of several versions of a finding: the earliest commit's, then the first in the file.
fn earliest(f: &Held) -> (u64, u64, u64, u64, u64) {
    let order = f.commit.as_ref().and_then(|c| c.order).unwrap_or(u64::MAX);
    (order, f.start_line, f.start_column, f.end_line, f.end_column)
}

/// Secret findings grouped by keyed hash; and how many secret findings had none.
fn incidents<'a>(findings: &[MergedFinding<'a>]) -> (Vec<Incident<'a>>, u64) {
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut incidents: Vec<Incident<'a>> = Vec::new();
    let mut unhashed = 0;
    for f in findings.iter().filter(|f| f.held.kind == "secret") {
        let Some(hash) = &f.held.secret_hash else {
            unhashed += 1;
            continue;
        };
        let i = *index.entry((f.key_id.as_deref().unwrap_or(""), hash)).or_insert_with(|| {
            incidents.push(Incident {
                secret_hash: hash.clone(),
                secret_hash_key_id: f.key_id.clone().unwrap_or_default(),
                rule_ids: BTreeSet::new(),
                repositories: 0,
                places: Vec::new(),
            });
            incidents.len() - 1
        });
        let incident = &mut incidents[i];
        incident.rule_ids.insert(f.held.rule_id.clone());
        incident.places.push(Place {
            repository: f.repository.clone(),
            path: f.held.path.clone(),
            start_line: f.held.start_line,
            fingerprint: f.held.fingerprint.clone(),
            commit: f.held.commit.as_ref().and_then(|c| c.id.clone()),
        });
    }
    incidents.par_iter_mut().for_each(|i| {
        i.places.sort();
        // Places are sorted by repository first.
        i.repositories = 1 + i.places.windows(2).filter(|w| w[0].repository != w[1].repository).count();
    });
    // Most repositories first, then most places; then by key and hash (unique), so there is one order.
    incidents.par_sort_unstable_by(|a, b| {
        (b.repositories, b.places.len(), &a.secret_hash_key_id, &a.secret_hash).cmp(&(
            a.repositories,
            a.places.len(),
            &b.secret_hash_key_id,
            &b.secret_hash,
        ))
    });
    (incidents, unhashed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{merge, Input, Need};

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
        let inputs = vec![
            report("r1", Some("1/2"), json!([finding("f", 5, 1, "h")])),
            report("r1", Some("2/2"), json!([finding("f", 2, 0, "h")])),
            // The same shard reported twice is one share.
            report("r1", Some("2/2"), json!([finding("f", 2, 0, "h")])),
        ];
        let merged = merge(&inputs, Need::Text).unwrap();
        assert_eq!(merged.findings.len(), 1);
        assert_eq!(merged.findings[0].held.commit.as_ref().unwrap().order, Some(2));
        assert_eq!(merged.findings[0].further_occurrences, 2);
    }

    #[test]
    fn one_secret_in_two_repositories_is_one_incident() {
        let inputs = vec![
            report("r1", None, json!([finding("f1", 0, 0, "h")])),
            report("r2", None, json!([finding("f2", 0, 0, "h"), finding("f3", 0, 0, "other")])),
        ];
        let merged = merge(&inputs, Need::Text).unwrap();
        assert_eq!(merged.findings.len(), 3);
        assert_eq!(merged.incidents.len(), 2);
        assert_eq!(merged.incidents[0].repositories, 2);
        assert_eq!(merged.incidents[0].places.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_a_report_is_named() {
        let bad = Input { name: "x.json".into(), bytes: b"{\"version\": 1}".to_vec() };
        let e = merge(&[bad], Need::Text).err().unwrap();
        assert_eq!(e.name, "x.json");
    }
}
