//! Reading one report for the merge. A report's findings are kept as the text the report holds (borrowed
//! `RawValue`s, never a tree of maps): the merge reads only the keys it groups, orders and links findings by
//! (`fingerprint`, `repository`, position, rule, `secret_hash`, `commit.order` ...), and remembers where the
//! three values it may rewrite sit in that text (`repository`, `secret_hash_key_id`, `commit.further_occurrences`).
//! Strings are borrowed from the report's bytes unless they hold escapes. Keys a finding lacks (a report from an
//! older leakgate) read as empty or zero, as they always did.
use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{Input, MergeError};
use crate::finding::Finding;
use crate::report::JSON_VERSION;

/// One report, read.
pub(super) struct Report<'a> {
    pub repository: Option<Cow<'a, str>>,
    pub shard: Option<Cow<'a, str>>,
    pub secret_hash_key_id: Option<Cow<'a, str>>,
    pub findings: Vec<Held<'a>>,
    pub summary: Summary,
}

#[derive(Deserialize, Default)]
pub(super) struct Summary {
    #[serde(default)]
    pub error_count: u64,
    #[serde(default)]
    pub errors: Vec<String>,
    pub strict_gaps: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A finding as a report holds it, and the keys the merge reads from it.
pub struct Held<'a> {
    /// The finding's JSON text, exactly as in the report.
    pub raw: &'a str,
    /// Where the finding's own `repository` value is in `raw` (a merged report's findings name theirs), and what
    /// it says when it is a string.
    pub repository_at: Option<Range<usize>>,
    pub repository: Option<Cow<'a, str>>,
    pub kind: Cow<'a, str>,
    pub rule_id: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub fingerprint: Cow<'a, str>,
    pub start_line: u64,
    pub start_column: u64,
    pub end_line: u64,
    pub end_column: u64,
    /// The finding has a `secret_hash` key (any value); its value when that is a string.
    pub has_secret_hash: bool,
    pub secret_hash: Option<Cow<'a, str>>,
    /// The finding has a `secret_hash_key_id` key (any value); its value when that is a string.
    pub has_key_id: bool,
    pub key_id: Option<Cow<'a, str>>,
    pub commit: Option<Commit<'a>>,
    /// The finding read whole, for the writers that need every field (CSV, SARIF); taken into
    /// [`super::Merged::typed`].
    pub typed: Option<Box<Finding>>,
}

/// The keys the merge reads from a finding's `commit` object.
pub struct Commit<'a> {
    /// Where the object is in the finding's text.
    pub at: Range<usize>,
    pub id: Option<Cow<'a, str>>,
    pub order: Option<u64>,
    pub further_occurrences: u64,
    /// Where the `further_occurrences` value is in the finding's text.
    pub further_at: Option<Range<usize>>,
}

#[derive(Deserialize)]
struct Incoming<'a> {
    version: u32,
    tool: IncomingTool,
    #[serde(borrow)]
    repository: Option<Cow<'a, str>>,
    #[serde(borrow)]
    shard: Option<Cow<'a, str>>,
    #[serde(borrow)]
    secret_hash_key_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    findings: Vec<&'a RawValue>,
    #[serde(default)]
    summary: Summary,
}

#[derive(Deserialize)]
struct IncomingTool {
    name: String,
}

/// The keys of a finding, each value still as text where the merge needs its place or its presence.
#[derive(Deserialize)]
struct Keys<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    repository: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    rule_id: Cow<'a, str>,
    #[serde(borrow, default)]
    path: Cow<'a, str>,
    #[serde(borrow, default)]
    fingerprint: Cow<'a, str>,
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    start_column: u64,
    #[serde(default)]
    end_line: u64,
    #[serde(default)]
    end_column: u64,
    #[serde(borrow, default, deserialize_with = "present")]
    secret_hash: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    secret_hash_key_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    commit: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct CommitKeys<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    order: Option<u64>,
    #[serde(borrow, default, deserialize_with = "present")]
    further_occurrences: Option<&'a RawValue>,
}

/// A string or null, borrowed where it has no escapes.
#[derive(Deserialize)]
#[serde(transparent)]
struct MaybeText<'a>(#[serde(borrow)] Option<Cow<'a, str>>);

/// A key that is there, whatever its value (`null` too): `Option` alone would read `null` as absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

/// Reads one report; with `typed`, also each finding whole.
pub(super) fn report(input: &Input, typed: bool) -> Result<Report<'_>, MergeError> {
    let fail = |message: String| MergeError { name: input.name.clone(), message };
    let report: Incoming = serde_json::from_slice(&input.bytes)
        .map_err(|e| fail(format!("not a leakgate JSON report ({e}); write reports with --format json")))?;
    if report.tool.name != "leakgate" {
        return Err(fail(format!("a report of `{}`, not of leakgate", report.tool.name)));
    }
    if report.version != JSON_VERSION {
        return Err(fail(format!("JSON report version {} (this leakgate reads {JSON_VERSION})", report.version)));
    }
    let findings = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            held(raw.get(), typed).map_err(|e| fail(format!("finding {} is not a leakgate finding ({e})", i + 1)))
        })
        .collect::<Result<_, _>>()?;
    Ok(Report {
        repository: report.repository,
        shard: report.shard,
        secret_hash_key_id: report.secret_hash_key_id,
        findings,
        summary: report.summary,
    })
}

fn held(raw: &str, typed: bool) -> serde_json::Result<Held<'_>> {
    if !raw.starts_with('{') {
        return Err(serde::de::Error::custom("not a JSON object"));
    }
    let keys: Keys = serde_json::from_str(raw)?;
    let commit = match keys.commit {
        // A commit that is not an object says nothing the merge reads, as before.
        Some(c) if c.get().starts_with('{') => {
            let k: CommitKeys = serde_json::from_str(c.get())?;
            let further_occurrences = match k.further_occurrences {
                Some(n) => serde_json::from_str::<Option<u64>>(n.get())?.unwrap_or(0),
                None => 0,
            };
            Some(Commit {
                at: span(raw, c.get()),
                id: k.id,
                order: k.order,
                further_occurrences,
                further_at: k.further_occurrences.map(|n| span(raw, n.get())),
            })
        }
        _ => None,
    };
    Ok(Held {
        raw,
        repository_at: keys.repository.map(|r| span(raw, r.get())),
        repository: text(keys.repository)?,
        kind: keys.kind,
        rule_id: keys.rule_id,
        path: keys.path,
        fingerprint: keys.fingerprint,
        start_line: keys.start_line,
        start_column: keys.start_column,
        end_line: keys.end_line,
        end_column: keys.end_column,
        has_secret_hash: keys.secret_hash.is_some(),
        secret_hash: text(keys.secret_hash)?,
        has_key_id: keys.secret_hash_key_id.is_some(),
        key_id: text(keys.secret_hash_key_id)?,
        commit,
        typed: if typed { Some(serde_json::from_str(raw)?) } else { None },
    })
}

/// A string value's text (`None` for any other value).
fn text(value: Option<&RawValue>) -> serde_json::Result<Option<Cow<'_, str>>> {
    match value {
        Some(v) if v.get().starts_with('"') => serde_json::from_str::<MaybeText>(v.get()).map(|t| t.0),
        _ => Ok(None),
    }
}

/// Where `part` (a slice of `whole`) sits in `whole`.
fn span(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}
