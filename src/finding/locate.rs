//! From the engine's byte offsets to lines, columns and excerpts: one pass over the content, however many
//! findings it has.
use crate::engine::repeats::Assertions;
use crate::engine::Candidate;
use crate::evidence::Evidence;
use crate::rules::RuleSet;

use super::{Detail, Finding, Fingerprint, SecretMatch};

/// Longest line kept in a finding; longer lines (minified code) are cut around the secret.
const MAX_LINE_LEN: usize = 512;

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

#[cfg(test)]
mod tests {
    use super::{excerpt, locate, MAX_LINE_LEN};
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
}
