//! One SARIF result ([`sarif`](super)), typed: its region, redacted message and snippet, stable
//! fingerprint, and leakgate's own facts in `properties`. A result written from structs costs a fraction of one
//! built as a map of maps, and a fleet's `report merge` writes a hundred thousand. Fields are declared in the byte
//! order of their JSON names, the order a `serde_json` map keeps: results read exactly as they did when they were
//! built as maps (the snapshot tests hold them to it).
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{level, path_to_uri, FINGERPRINT_KEY};
use crate::evidence::{Confidence, Evidence};
use crate::finding::{Detail, Finding, FindingKind};
use crate::report::{finding_message, presented, scrub};

#[derive(Serialize)]
pub struct SarifResult {
    level: &'static str,
    locations: [Location; 1],
    message: Text,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Fingerprints,
    properties: Properties,
    rank: f64,
    #[serde(rename = "ruleId")]
    rule_id: String,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Location {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct PhysicalLocation {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "endColumn", skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(rename = "endLine")]
    end_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
    #[serde(rename = "startColumn", skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(rename = "startLine")]
    start_line: usize,
}

/// `{ "leakgate/v1": fingerprint }`.
struct Fingerprints(String);

impl Serialize for Fingerprints {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(FINGERPRINT_KEY, &self.0)?;
        map.end()
    }
}

#[derive(Serialize)]
struct Properties {
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Commit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<Confidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    decoded: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<Evidence>,
    kind: &'static str,
    /// Rare (and nested): kept as maps, whose key order is the one these always had.
    #[serde(rename = "pairedWith", skip_serializing_if = "Option::is_none")]
    paired_with: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<Value>,
}

#[derive(Serialize)]
struct Commit {
    author: String,
    date: String,
    email: String,
    #[serde(rename = "furtherOccurrences")]
    further_occurrences: usize,
    id: String,
    subject: String,
}

/// The result for one finding of the rule at `rule_index` in the run's rules.
pub fn result(f: &Finding, rule_index: usize, show_secrets: bool) -> SarifResult {
    let shown = presented(f, show_secrets);
    // SARIF's endColumn is the column after the region; ours is the region's last character.
    let single_line = f.end_line <= f.start_line;
    let has_end = f.end_column >= 1 && f.start_column >= 1 && (!single_line || f.end_column >= f.start_column);
    let message = Text { text: finding_message(&shown) };
    let paired_with = shown.paired().and_then(|id| serde_json::to_value(id).ok());
    let region = Region {
        end_column: has_end.then_some(f.end_column + 1),
        end_line: f.end_line.max(f.start_line).max(1),
        snippet: (!shown.line.is_empty()).then_some(Text { text: shown.line }),
        start_column: (f.start_column >= 1).then_some(f.start_column),
        start_line: f.start_line.max(1),
    };
    let secret = match &f.detail {
        Detail::Secret(m) => Some(m),
        _ => None,
    };
    let properties = Properties {
        commit: f.commit.as_ref().map(|c| Commit {
            author: c.author_name.clone(),
            date: c.date.clone(),
            email: c.author_email.clone(),
            further_occurrences: c.further_occurrences,
            id: c.id.clone(),
            subject: scrub(&c.subject, f, show_secrets),
        }),
        confidence: secret.map(|m| m.confidence),
        decoded: secret.map(|m| m.decoded.clone()).unwrap_or_default(),
        evidence: secret.map(|m| m.evidence.clone()).unwrap_or_default(),
        kind: match f.kind() {
            FindingKind::Secret => "secret",
            FindingKind::Iac => "iac",
            FindingKind::Config => "config",
        },
        // The id is redacted as the secret is.
        paired_with,
        resource: f.resource().map(str::to_string),
        severity: f.severity.as_str(),
        validated: secret.map(|m| m.validated),
        verification: secret.and_then(|m| m.verification.as_ref()).and_then(|v| serde_json::to_value(v).ok()),
    };
    SarifResult {
        level: level(f.severity),
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: path_to_uri(&f.path) },
                region,
            },
        }],
        message,
        partial_fingerprints: Fingerprints(f.fingerprint.0.clone()),
        properties,
        // SARIF's rank (0-100) orders results by how sure the tool is.
        rank: rank(f.confidence()),
        rule_id: f.rule_id.clone(),
        rule_index,
    }
}

fn rank(c: Confidence) -> f64 {
    match c {
        Confidence::High => 90.0,
        Confidence::Medium => 60.0,
        Confidence::Low => 30.0,
    }
}
