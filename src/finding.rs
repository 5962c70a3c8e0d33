//! What the engine reports: `Finding`, its location in the content, and its `Fingerprint` — rule id + path +
//! a hash of the secret, never the line number, so a finding keeps its identity when code above it moves.
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Candidate;
use crate::rules::{RuleSet, Severity};

/// Longest line kept in a finding; longer lines (minified code) are cut around the secret.
const MAX_LINE_LEN: usize = 512;

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A credential in the content (`secret` holds it).
    Secret,
    /// An infrastructure-as-code misconfiguration (`resource` and `message` say where and what; `secret` is empty).
    Iac,
    /// A change to leakgate's own configuration that weakens detection (`config-weakened`, PR checks only):
    /// `resource` names the setting and `message` what was weakened; `secret` is empty.
    Config,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    pub rule_id: String,
    pub description: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub path: String,
    /// The exact file name, base64, when it is not valid UTF-8 (`path` then shows U+FFFD for each invalid byte).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// 1-based; columns count characters.
    pub start_line: usize,
    pub end_line: usize,
    pub start_column: usize,
    pub end_column: usize,
    /// The line holding the start of the secret (cut around the secret when very long).
    pub line: String,
    pub secret: String,
    pub entropy: f64,
    /// The rule's offline validator accepted the secret (checksum, structure).
    pub validated: bool,
    pub fingerprint: Fingerprint,
    /// IaC: the resource the check fired on (`aws_s3_bucket.site`, `Deployment/web container app`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// IaC: what exactly is wrong, with the offending value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
}

/// The commit that introduced a finding (history and range scans).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// RFC 3339.
    pub date: String,
    pub subject: String,
    /// Further commits that carry the same secret at the same path.
    pub further_occurrences: usize,
}

/// `rule-id:path:hash`, where hash is the first 16 hex digits of SHA-256 over rule id, path and secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
/// Candidates must be sorted by offset (the engine returns them so). Minified files put many secrets on one
/// line of many megabytes, so the line number, the line's bounds and the column are carried from one candidate
/// to the next: each byte of the content is looked at a bounded number of times, however many findings it has.
pub fn locate(rules: &RuleSet, content: &[u8], path: &str, candidates: &[Candidate]) -> Vec<Finding> {
    let mut line_no = 1;
    let mut line_start = 0;
    // Where the line holding `counted_to` ends, once looked up.
    let mut line_end: Option<usize> = None;
    let mut counted_to = 0;
    // Characters from `line_start` to `counted_to`.
    let mut column = 0;
    let mut out = Vec::with_capacity(candidates.len());
    for c in candidates {
        let rule = &rules.rules()[c.rule];
        if c.secret_start < counted_to {
            (line_no, line_start, line_end, counted_to, column) = (1, 0, None, 0, 0);
        }
        let gap = &content[counted_to..c.secret_start];
        match memchr::memrchr(b'\n', gap) {
            Some(last) => {
                line_no += memchr::memchr_iter(b'\n', gap).count();
                line_start = counted_to + last + 1;
                line_end = None;
                column = char_count(&content[line_start..c.secret_start]);
            }
            None => column += char_count(gap),
        }
        counted_to = c.secret_start;
        let secret = &content[c.secret_start..c.secret_end];
        let this_line_end = *line_end.get_or_insert_with(|| {
            memchr::memchr(b'\n', &content[c.secret_start..]).map_or(content.len(), |i| c.secret_start + i)
        });
        let (end_line, end_column) = match memchr::memrchr(b'\n', secret) {
            Some(last) => (
                line_no + memchr::memchr_iter(b'\n', secret).count(),
                char_count(&content[c.secret_start + last + 1..c.secret_end]),
            ),
            None => (line_no, column + char_count(secret)),
        };
        out.push(Finding {
            kind: FindingKind::Secret,
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            tags: rule.tags.clone(),
            path: path.to_string(),
            path_bytes: None,
            start_line: line_no,
            end_line,
            start_column: column + 1,
            end_column,
            line: excerpt(content, line_start, this_line_end, c.secret_start),
            secret: String::from_utf8_lossy(secret).into_owned(),
            entropy: (c.entropy * 100.0).round() / 100.0,
            validated: c.validated,
            fingerprint: Fingerprint::new(&rule.id, path, secret),
            resource: None,
            message: None,
            commit: None,
        });
    }
    out
}

fn char_count(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

fn excerpt(content: &[u8], line_start: usize, line_end: usize, secret_start: usize) -> String {
    let line_end = line_end.max(secret_start);
    let (mut from, mut to) = (line_start, line_end);
    if to - from > MAX_LINE_LEN {
        from = secret_start.saturating_sub(MAX_LINE_LEN / 4).max(line_start);
        to = (from + MAX_LINE_LEN).min(line_end);
    }
    String::from_utf8_lossy(&content[from..to]).trim_end_matches('\r').to_string()
}

#[cfg(test)]
mod tests {
    use super::{locate, Fingerprint};
    use crate::engine::Candidate;
    use crate::rules::RuleSet;

    /// Line and columns the slow way: counting from the start of the content for every candidate.
    fn naive(content: &[u8], start: usize, end: usize) -> (usize, usize, usize, usize) {
        let lines = |upto: usize| 1 + content[..upto].iter().filter(|&&b| b == b'\n').count();
        let col = |upto: usize| {
            let from = content[..upto].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            String::from_utf8_lossy(&content[from..upto]).chars().count()
        };
        (lines(start), lines(end), col(start) + 1, col(end))
    }

    #[test]
    fn carried_positions_match_counting_from_the_start() {
        let content = "é x=AAAA y=BBBB\n\nz=CC\nDD ✓ w=EEEE\n".as_bytes();
        let spans: Vec<(usize, usize)> = ["AAAA", "BBBB", "CC\nDD", "EEEE"]
            .iter()
            .map(|s| {
                let at = content.windows(s.len()).position(|w| w == s.as_bytes()).unwrap();
                (at, at + s.len())
            })
            .collect();
        let candidates: Vec<Candidate> = spans
            .iter()
            .map(|&(a, b)| Candidate {
                rule: 0,
                match_start: a,
                match_end: b,
                secret_start: a,
                secret_end: b,
                entropy: 0.0,
                validated: false,
            })
            .collect();
        let rules = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        // In order, and out of order (which restarts the count).
        for order in [vec![0, 1, 2, 3], vec![2, 0, 3, 1]] {
            let cands: Vec<Candidate> = order.iter().map(|&i| candidates[i].clone()).collect();
            for (f, c) in locate(&rules, content, "x", &cands).iter().zip(&cands) {
                let got = (f.start_line, f.end_line, f.start_column, f.end_column);
                assert_eq!(got, naive(content, c.secret_start, c.secret_end), "{:?}", f.secret);
            }
        }
        let found = locate(&rules, content, "x", &candidates);
        assert_eq!(found[3].line, "DD ✓ w=EEEE");
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
