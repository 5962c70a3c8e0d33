//! What the engine reports: `Finding`, its location in the content, and its `Fingerprint` — rule id + path +
//! a hash of the secret, never the line number, so a finding keeps its identity when code above it moves.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::evidence::{Confidence, Evidence};
use crate::rules::Severity;
pub use crate::source::commits::CommitInfo;
pub use crate::verdict::{Verification, VerifyStatus};
pub use locate::locate;

mod locate;

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A credential in the content ([`Detail::Secret`]).
    Secret,
    /// An infrastructure-as-code misconfiguration ([`Detail::Iac`]).
    Iac,
    /// A change to leakgate's own configuration that weakens detection (`config-weakened`, PR checks only,
    /// [`Detail::Policy`]).
    Config,
}

/// One thing a scan reports: a common core (rule, location, provenance, fingerprint, severity) and the part
/// that only its kind has ([`Detail`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub description: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub path: String,
    /// The exact file name, base64, when it is not valid UTF-8 (`path` then shows U+FFFD for each invalid byte).
    pub path_bytes: Option<String>,
    /// 1-based; columns count characters (0 where a finding has no column: IaC and policy findings).
    pub start_line: usize,
    pub end_line: usize,
    pub start_column: usize,
    pub end_column: usize,
    /// The line the finding starts on (cut around a secret when very long).
    pub line: String,
    pub fingerprint: Fingerprint,
    /// The commit that introduced it (history and range scans).
    pub commit: Option<CommitInfo>,
    pub detail: Detail,
}

/// What only one kind of finding has.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Secret(SecretMatch),
    Iac(Misconfiguration),
    Policy(PolicyChange),
}

/// A credential the engine matched.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretMatch {
    pub secret: String,
    /// Shannon entropy of the secret, bits per character, two decimals.
    pub entropy: f64,
    /// The rule's offline validator accepted the secret (checksum, structure).
    pub validated: bool,
    /// How sure the scan is that this is a live credential (set by `crate::confidence::score_all`).
    pub confidence: Confidence,
    /// Why it has that confidence.
    pub evidence: Vec<Evidence>,
    /// How the scanned text was got from the stored bytes, outermost first (`["base64"]`, `["utf-16le"]`);
    /// empty for plain text. The finding's position is that of the encoded span in the stored content.
    pub decoded: Vec<String>,
    /// The secret's keyed hash, carried by a finding read back (from a report or the audit state) whose secret is
    /// redacted; a report otherwise computes it from the secret (`crate::report::secret_hash`).
    pub secret_hash: Option<String>,
    /// What the provider said about the secret (`scan --verify` only). Not part of the fingerprint: a baseline
    /// matches a finding whatever its verification says.
    pub verification: Option<Verification>,
    /// The secret's other half found beside it (an access key id for its secret key; `crate::scan::pairs`).
    pub paired: Option<Box<PairedId>>,
    /// Facts beside the secret that its verifier needs (`crate::rules::context`); never reported.
    pub context: std::collections::BTreeMap<String, String>,
}

/// The id half of a credential pair, reported with its secret as one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedId {
    /// The rule that found the id.
    pub rule_id: String,
    /// The id as found (reports redact it as they do secrets).
    pub value: String,
    /// Where the id is: 1-based line and column in the same file.
    pub line: usize,
    pub column: usize,
}

/// An infrastructure setting an IaC check flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct Misconfiguration {
    /// The resource the check fired on (`aws_s3_bucket.site`, `Deployment/web container app`).
    pub resource: String,
    /// What exactly is wrong, with the offending value.
    pub message: String,
}

/// A change to leakgate's own settings that hides findings.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange {
    /// The setting that changed (`disable`, `.leakgateignore`, ...).
    pub setting: String,
    /// What the change weakens.
    pub message: String,
}

impl Finding {
    pub fn kind(&self) -> FindingKind {
        match self.detail {
            Detail::Secret(_) => FindingKind::Secret,
            Detail::Iac(_) => FindingKind::Iac,
            Detail::Policy(_) => FindingKind::Config,
        }
    }

    /// The matched secret; empty for findings that are not secrets.
    pub fn secret(&self) -> &str {
        match &self.detail {
            Detail::Secret(m) => &m.secret,
            _ => "",
        }
    }

    /// A secret's confidence; infrastructure and policy checks are exact, so `high`.
    pub fn confidence(&self) -> Confidence {
        match &self.detail {
            Detail::Secret(m) => m.confidence,
            _ => Confidence::High,
        }
    }

    /// A secret the rule's validator rejected (a made-up token whose checksum does not add up).
    pub fn failed_validation(&self) -> bool {
        matches!(&self.detail, Detail::Secret(m) if m.evidence.contains(&Evidence::FailedValidation))
    }

    /// The id found beside the secret, when the two are one finding.
    pub fn paired(&self) -> Option<&PairedId> {
        match &self.detail {
            Detail::Secret(m) => m.paired.as_deref(),
            _ => None,
        }
    }

    /// The secret's verification result, if it was verified.
    pub fn verification(&self) -> Option<&Verification> {
        match &self.detail {
            Detail::Secret(m) => m.verification.as_ref(),
            _ => None,
        }
    }

    /// The resource (IaC) or setting (policy) a finding is about.
    pub fn resource(&self) -> Option<&str> {
        match &self.detail {
            Detail::Secret(_) => None,
            Detail::Iac(m) => Some(&m.resource),
            Detail::Policy(c) => Some(&c.setting),
        }
    }

    /// What is wrong, for IaC and policy findings.
    pub fn message(&self) -> Option<&str> {
        match &self.detail {
            Detail::Secret(_) => None,
            Detail::Iac(m) => Some(&m.message),
            Detail::Policy(c) => Some(&c.message),
        }
    }
}

/// The JSON report's finding object (version 1): one flat shape for every kind, with `secret`, `entropy` and
/// `validated` present (empty, 0, false) for findings that are not secrets, as they always were.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            kind: FindingKind,
            rule_id: &'a str,
            description: &'a str,
            severity: Severity,
            tags: &'a [String],
            path: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            path_bytes: Option<&'a str>,
            start_line: usize,
            end_line: usize,
            start_column: usize,
            end_column: usize,
            line: &'a str,
            secret: &'a str,
            entropy: f64,
            validated: bool,
            confidence: Confidence,
            #[serde(skip_serializing_if = "<[Evidence]>::is_empty")]
            evidence: &'a [Evidence],
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            decoded: &'a [String],
            fingerprint: &'a Fingerprint,
            #[serde(skip_serializing_if = "Option::is_none")]
            resource: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            commit: Option<&'a CommitInfo>,
            #[serde(skip_serializing_if = "Option::is_none")]
            verification: Option<&'a Verification>,
            #[serde(skip_serializing_if = "Option::is_none")]
            paired_with: Option<&'a PairedId>,
        }
        let (entropy, validated, evidence, decoded) = match &self.detail {
            Detail::Secret(m) => (m.entropy, m.validated, m.evidence.as_slice(), m.decoded.as_slice()),
            _ => (0.0, false, &[][..], &[][..]),
        };
        Flat {
            kind: self.kind(),
            rule_id: &self.rule_id,
            description: &self.description,
            severity: self.severity,
            tags: &self.tags,
            path: &self.path,
            path_bytes: self.path_bytes.as_deref(),
            start_line: self.start_line,
            end_line: self.end_line,
            start_column: self.start_column,
            end_column: self.end_column,
            line: &self.line,
            secret: self.secret(),
            entropy,
            validated,
            confidence: self.confidence(),
            evidence,
            decoded,
            fingerprint: &self.fingerprint,
            resource: self.resource(),
            message: self.message(),
            commit: self.commit.as_ref(),
            verification: self.verification(),
            paired_with: self.paired(),
        }
        .serialize(serializer)
    }
}

/// A finding read back from a JSON report (`leakgate report merge`): the shape [`Finding`]'s `Serialize` writes.
/// The secret is what the report held (redacted unless it was written with `--show-secrets`).
impl<'de> Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            kind: FindingKind,
            rule_id: String,
            description: String,
            severity: Severity,
            #[serde(default)]
            tags: Vec<String>,
            path: String,
            path_bytes: Option<String>,
            start_line: usize,
            end_line: usize,
            start_column: usize,
            end_column: usize,
            line: String,
            #[serde(default)]
            secret: String,
            #[serde(default)]
            entropy: f64,
            #[serde(default)]
            validated: bool,
            #[serde(default)]
            confidence: Confidence,
            #[serde(default)]
            evidence: Vec<Evidence>,
            #[serde(default)]
            decoded: Vec<String>,
            fingerprint: Fingerprint,
            resource: Option<String>,
            message: Option<String>,
            commit: Option<CommitInfo>,
            secret_hash: Option<String>,
            verification: Option<Verification>,
            paired_with: Option<PairedId>,
        }
        let f = Flat::deserialize(deserializer)?;
        let detail = match f.kind {
            FindingKind::Secret => Detail::Secret(SecretMatch {
                secret: f.secret,
                entropy: f.entropy,
                validated: f.validated,
                confidence: f.confidence,
                evidence: f.evidence,
                decoded: f.decoded,
                secret_hash: f.secret_hash,
                verification: f.verification,
                paired: f.paired_with.map(Box::new),
                context: Default::default(),
            }),
            FindingKind::Iac => Detail::Iac(Misconfiguration {
                resource: f.resource.unwrap_or_default(),
                message: f.message.unwrap_or_default(),
            }),
            FindingKind::Config => Detail::Policy(PolicyChange {
                setting: f.resource.unwrap_or_default(),
                message: f.message.unwrap_or_default(),
            }),
        };
        Ok(Finding {
            rule_id: f.rule_id,
            description: f.description,
            severity: f.severity,
            tags: f.tags,
            path: f.path,
            path_bytes: f.path_bytes,
            start_line: f.start_line,
            end_line: f.end_line,
            start_column: f.start_column,
            end_column: f.end_column,
            line: f.line,
            fingerprint: f.fingerprint,
            commit: f.commit,
            detail,
        })
    }
}

/// `rule-id:path:hash`, where hash is the first 16 hex digits of SHA-256 over rule id, path and secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    pub fn new(rule_id: &str, path: &str, secret: &[u8]) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(rule_id.as_bytes());
        h.update([0]);
        h.update(path.as_bytes());
        h.update([0]);
        h.update(secret);
        let digest = h.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Fingerprint(format!("{rule_id}:{path}:{hex}"))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Findings to test reports and suppressors with.
#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::Fingerprint;

    /// A verified finding reads back from its JSON (`report merge`) with its verification, and its fingerprint
    /// is the unverified finding's.
    #[test]
    fn verification_round_trips_through_json_and_leaves_the_fingerprint_alone() {
        let plain = super::test_support::secret_finding("a.env");
        let mut verified = plain.clone();
        if let super::Detail::Secret(m) = &mut verified.detail {
            m.verification = Some(super::Verification {
                status: super::VerifyStatus::Revoked,
                verifier: "github".into(),
                identity: [("login".to_string(), "octocat".to_string())].into(),
                checked_at: "2026-12-07T10:00:00Z".into(),
                detail: Some("HTTP 401".into()),
            });
        }
        let json = serde_json::to_value(&verified).unwrap();
        assert_eq!(json["verification"]["status"], "revoked");
        assert!(serde_json::to_value(&plain).unwrap().get("verification").is_none());
        let back: super::Finding = serde_json::from_value(json).unwrap();
        assert_eq!(back, verified);
        assert_eq!(back.fingerprint, plain.fingerprint);
    }

    #[test]
    fn fingerprint_ignores_line_but_not_path_rule_or_secret() {
        let a = Fingerprint::new("r", "src/a.rs", b"s3cr3t");
        assert_eq!(a, Fingerprint::new("r", "src/a.rs", b"s3cr3t"));
        assert_ne!(a, Fingerprint::new("r", "src/b.rs", b"s3cr3t"));
        assert_ne!(a, Fingerprint::new("q", "src/a.rs", b"s3cr3t"));
        assert_ne!(a, Fingerprint::new("r", "src/a.rs", b"other"));
        assert!(a.0.starts_with("r:src/a.rs:") && a.0.len() == "r:src/a.rs:".len() + 16);
    }
}
