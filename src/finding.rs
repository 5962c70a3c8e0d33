//! What the engine reports: `Finding`, its location in the content, and its `Fingerprint` — rule id + path +
//! a hash of the secret, never the line number, so a finding keeps its identity when code above it moves.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::repeats::Assertions;
use crate::engine::Candidate;
use crate::evidence::{Confidence, Evidence};
use crate::rules::{RuleSet, Severity};
pub use crate::source::commits::CommitInfo;
pub use crate::verdict::{Verification, VerifyStatus};

/// Longest line kept in a finding; longer lines (minified code) are cut around the secret.
const MAX_LINE_LEN: usize = 512;

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

/// Turns the engine's byte-offset candidates into findings with lines, columns and fingerprints.
/// Candidates must be sorted by offset (the engine returns them so); lines and columns are counted in one pass
/// over the content, and only a bounded stretch after each secret is searched for its line's end, so a long
/// minified line with thousands of findings costs no more than a short one.
pub fn locate(rules: &RuleSet, content: &[u8], path: &str, candidates: &[Candidate]) -> Vec<Finding> {
    let mut at = Cursor::default();
    let mut out = Vec::with_capacity(candidates.len());
    // One pass over the content, and only where something was found.
    let assertions = if candidates.is_empty() { Assertions::empty() } else { Assertions::find(content) };
    for c in candidates {
        let rule = &rules.rules()[c.rule];
        at.seek(content, c.secret_start);
        // A secret found in decoded text is located at its encoded span, and shown and fingerprinted as decoded.
        let span = &content[c.secret_start..c.secret_end];
        let secret = c.decoded.as_ref().map_or(span, |d| &d.secret[..]);
        let end_column = match memchr::memrchr(b'\n', span) {
            Some(i) => char_count(&span[i + 1..]),
            None if starts_char(content, c.secret_start) => at.column + char_count(span),
            None => char_count(&content[at.line_start..c.secret_end]),
        };
        // Far enough to tell whether the line is longer than an excerpt (see `excerpt`), and no further.
        let reach = (c.secret_start + MAX_LINE_LEN + 1).min(content.len());
        let line_end = memchr::memchr(b'\n', &content[c.secret_start..reach]).map_or(reach, |i| c.secret_start + i);
        out.push(Finding {
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            tags: rule.tags.clone(),
            path: path.to_string(),
            path_bytes: None,
            start_line: at.line,
            end_line: at.line + memchr::memchr_iter(b'\n', span).count(),
            start_column: at.column + 1,
            end_column,
            line: match &c.decoded {
                None => excerpt(content, at.line_start, line_end, c.secret_start),
                Some(_) => masked_excerpt(content, at.line_start, line_end, c),
            },
            fingerprint: Fingerprint::new(&rule.id, path, secret),
            commit: None,
            detail: Detail::Secret(SecretMatch {
                secret: String::from_utf8_lossy(secret).into_owned(),
                entropy: (c.entropy * 100.0).round() / 100.0,
                validated: c.validated,
                confidence: rule.confidence,
                // The scoring step reads this one off the finding: only the engine knows it.
                evidence: engine_evidence(content, c, &assertions),
                decoded: c.decoded.as_ref().map_or_else(Vec::new, |d| d.chain.iter().map(|s| s.to_string()).collect()),
                secret_hash: None,
                verification: None,
                paired: None,
                context: match &c.decoded {
                    // Found in decoded text: the fields beside it are encoded too.
                    Some(_) => Default::default(),
                    None => crate::rules::context::capture(
                        rule.compiled().map(|r| &r.context[..]).unwrap_or_default(),
                        content,
                        c.secret_start,
                        c.secret_end,
                    ),
                },
            }),
        });
    }
    out
}

/// What only the engine, which sees the whole content, can tell about a candidate (`Evidence::is_from_engine`).
fn engine_evidence(content: &[u8], c: &Candidate, assertions: &Assertions) -> Vec<Evidence> {
    let mut out = Vec::new();
    if c.rejected {
        out.push(Evidence::FailedValidation);
    }
    let span = &content[c.secret_start..c.secret_end];
    if c.decoded.is_none() && assertions.cover(content, span, c.secret_start) {
        out.push(Evidence::TestConstant);
    }
    out
}

/// The excerpt of a secret found in decoded text, with its encoded span cut to its first characters: the
/// report's masking looks for the decoded secret, which the line does not show, and base64 hides nothing.
fn masked_excerpt(content: &[u8], line_start: usize, line_end: usize, c: &Candidate) -> String {
    let line_end = line_end.max(c.secret_start);
    let span_end = c.secret_end.min(line_end);
    let encoded = String::from_utf8_lossy(&content[c.secret_start..span_end]);
    let shown: String = encoded.chars().take((encoded.chars().count() / 4).min(4)).collect();
    let mut line = content[line_start..c.secret_start].to_vec();
    line.extend_from_slice(shown.as_bytes());
    line.extend_from_slice(b"*****");
    line.extend_from_slice(&content[span_end..line_end]);
    excerpt(&line, 0, line.len(), c.secret_start - line_start)
}

/// A position in the content with its 1-based line, the offset where that line starts, and the characters
/// between the two. Moving forward counts only the bytes passed over.
struct Cursor {
    pos: usize,
    line: usize,
    line_start: usize,
    column: usize,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor { pos: 0, line: 1, line_start: 0, column: 0 }
    }
}

impl Cursor {
    fn seek(&mut self, content: &[u8], to: usize) {
        if to < self.pos {
            *self = Cursor::default();
        }
        let passed = &content[self.pos..to];
        match memchr::memrchr(b'\n', passed) {
            Some(i) => {
                self.line += memchr::memchr_iter(b'\n', passed).count();
                self.line_start = self.pos + i + 1;
                self.column = char_count(&content[self.line_start..to]);
            }
            // Counting on from here gives the same as counting from the line start only where no character
            // is split (the engine's byte regexes may start a secret inside one).
            None if starts_char(content, self.pos) => self.column += char_count(passed),
            None => self.column = char_count(&content[self.line_start..to]),
        }
        self.pos = to;
    }
}

/// True when `pos` is not inside a UTF-8 sequence, so decoding before and after it apart gives the same
/// characters as decoding across it.
fn starts_char(content: &[u8], pos: usize) -> bool {
    content.get(pos).is_none_or(|&b| b & 0xC0 != 0x80)
}

fn char_count(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

/// The line holding the secret, or `MAX_LINE_LEN` bytes of it around the secret when it is longer. `line_end`
/// need only be exact up to `secret_start + MAX_LINE_LEN`: past that the line is cut anyway.
fn excerpt(content: &[u8], line_start: usize, line_end: usize, secret_start: usize) -> String {
    let line_end = line_end.max(secret_start);
    let (mut from, mut to) = (line_start, line_end);
    if to - from > MAX_LINE_LEN {
        from = secret_start.saturating_sub(MAX_LINE_LEN / 4).max(line_start);
        to = (from + MAX_LINE_LEN).min(line_end);
    }
    String::from_utf8_lossy(&content[from..to]).trim_end_matches('\r').to_string()
}

/// Findings to test reports and suppressors with.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Detail, Finding, Fingerprint, Misconfiguration, SecretMatch};
    use crate::rules::Severity;

    /// A real GitHub token shape (valid checksum) that must never appear in a redacted report.
    pub const SECRET: &str = "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";

    /// A commit whose subject is `subject` (report tests put the secret in it, to see that it is hidden there too).
    pub fn commit_with_subject(subject: String) -> super::CommitInfo {
        super::CommitInfo {
            id: "6e6ee6596d337bb656496425fb98644eb62b4a82".into(),
            author_name: "dev".into(),
            author_email: "dev@example.com".into(),
            date: "2024-01-02T03:04:05Z".into(),
            subject,
            further_occurrences: 0,
            order: 0,
        }
    }

    pub fn secret_finding(path: &str) -> Finding {
        Finding {
            rule_id: "github-pat".into(),
            description: "GitHub personal access token".into(),
            severity: Severity::Critical,
            tags: vec!["vcs".into(), "github".into()],
            path: path.into(),
            path_bytes: None,
            start_line: 3,
            end_line: 3,
            start_column: 9,
            end_column: 48,
            line: format!("token = {SECRET}"),
            fingerprint: Fingerprint::new("github-pat", path, SECRET.as_bytes()),
            commit: None,
            detail: Detail::Secret(SecretMatch {
                secret: SECRET.into(),
                entropy: 4.8,
                validated: true,
                confidence: crate::evidence::Confidence::High,
                secret_hash: None,
                evidence: Vec::new(),
                decoded: Vec::new(),
                verification: None,
                paired: None,
                context: Default::default(),
            }),
        }
    }

    pub fn iac_finding() -> Finding {
        Finding {
            rule_id: "iac-s3-public-acl".into(),
            description: "S3 bucket ACL grants public access".into(),
            severity: Severity::High,
            tags: vec!["iac".into()],
            path: "infra/main.tf".into(),
            path_bytes: None,
            start_line: 4,
            end_line: 4,
            start_column: 0,
            end_column: 0,
            line: String::new(),
            fingerprint: Fingerprint::new("iac-s3-public-acl", "infra/main.tf", b"aws_s3_bucket.site"),
            commit: None,
            detail: Detail::Iac(Misconfiguration {
                resource: "aws_s3_bucket.site".into(),
                message: "acl = \"public-read\"".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{excerpt, locate, Fingerprint, MAX_LINE_LEN};
    use crate::engine::Candidate;
    use crate::rules::{builtin_rules, RuleSet};

    /// Where each candidate is, counted the slow and obvious way: from the start of the content every time.
    fn located_from_scratch(content: &[u8], c: &Candidate) -> (usize, usize, usize, usize, String) {
        let count = |b: &[u8]| String::from_utf8_lossy(b).chars().count();
        let newlines = |b: &[u8]| b.iter().filter(|&&x| x == b'\n').count();
        let line_start = content[..c.secret_start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let end_line_start = content[..c.secret_end].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line_end =
            content[c.secret_start..].iter().position(|&b| b == b'\n').map_or(content.len(), |i| c.secret_start + i);
        let start_line = 1 + newlines(&content[..c.secret_start]);
        (
            start_line,
            start_line + newlines(&content[c.secret_start..c.secret_end]),
            count(&content[line_start..c.secret_start]) + 1,
            count(&content[end_line_start..c.secret_end]),
            excerpt(content, line_start, line_end, c.secret_start),
        )
    }

    /// `locate` counts lines and columns in one pass and looks only a bounded way past each secret; it must
    /// agree with counting from scratch, with multi-byte and invalid UTF-8, secrets starting inside a character,
    /// lines longer than an excerpt, and candidates out of order.
    #[test]
    fn one_pass_location_agrees_with_counting_from_scratch() {
        let rules = RuleSet::new(builtin_rules().unwrap()).unwrap();
        let mut content = Vec::new();
        for i in 0..40 {
            content.extend_from_slice("key = é日本🔑 ".as_bytes());
            content.extend_from_slice(if i % 3 == 0 { b"\xff\x80 tok\r\n" } else { b"tok " });
            if i % 7 == 0 {
                content.extend(std::iter::repeat_n(b'x', MAX_LINE_LEN + i));
            }
        }
        let mut rng = crate::test_rng::TestRng::new(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng.below(n);
        let mut candidates: Vec<Candidate> = (0..300)
            .map(|_| {
                let start = next(content.len() - 1);
                let end = (start + 1 + next(700)).min(content.len());
                Candidate {
                    rule: 0,
                    match_start: start,
                    match_end: end,
                    secret_start: start,
                    secret_end: end,
                    entropy: 3.0,
                    validated: false,
                    rejected: false,
                    nearby: false,
                    decoded: None,
                }
            })
            .collect();
        candidates.sort_by_key(|c| c.secret_start);
        candidates.swap(100, 200);
        let found = locate(&rules, &content, "a.txt", &candidates);
        for (c, f) in candidates.iter().zip(&found) {
            let got = (f.start_line, f.end_line, f.start_column, f.end_column, f.line.clone());
            assert_eq!(got, located_from_scratch(&content, c), "secret at {}..{}", c.secret_start, c.secret_end);
        }
    }

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
