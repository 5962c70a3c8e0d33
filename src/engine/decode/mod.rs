//! Secrets inside encoded spans of text: base64 (a Kubernetes Secret's `data:`, a Docker `auth`, an
//! `Authorization: Basic` header), hex, percent-encoding and string escapes (`\u0067hp_…` in JSON or
//! JavaScript). One linear pass finds the spans that could be encoded (runs of at least 20 base64
//! digits, `MIN_HEX` hex digits, or `MIN_ESCAPED` bytes around a `%XX` or a `\u`/`\x`/`\/` escape); each is
//! decoded, kept only if it decodes to text, and that text goes through the keyword prefilter and the
//! *specific* rules (provider formats, private keys) — generic password and entropy rules do not run on decoded
//! text, where every random string would look like a password. Decoded text is searched again for encoded spans,
//! up to `DecodePolicy::depth` layers; the decoded bytes of one piece of content are capped at
//! `DecodePolicy::max_bytes`.
//!
//! A secret found this way is reported at the encoded span in the original content, with the decodings that
//! led to it (outermost first, `["base64", "hex"]`). A secret the plain scan found too is reported once, plain.
pub mod codecs;
mod runs;

use std::ops::Range;

use super::{Candidate, Scanner};
use crate::rules::RuleSet;

/// Default number of decoding layers.
pub const DEFAULT_DEPTH: u8 = 2;
/// The most layers a config or flag may ask for: each layer multiplies what one encoded span can cost.
pub const MAX_DEPTH: u8 = 4;
/// Default cap on the bytes decoded from one piece of content (all layers together).
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;
/// Shortest hex run tried (16 bytes decoded); hex runs shorter than this are ids and colours.
const MIN_HEX: usize = 32;
/// Shortest span around a `%XX` or `\u` escape.
const MIN_ESCAPED: usize = 16;
/// How far a percent- or escape-encoded span is followed from its first escape, each way.
const MAX_ESCAPED_REACH: usize = 64 * 1024;

/// How deep and how much to decode; `depth` 0 turns decoding off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodePolicy {
    pub depth: u8,
    pub max_bytes: usize,
}

impl Default for DecodePolicy {
    fn default() -> Self {
        DecodePolicy { depth: DEFAULT_DEPTH, max_bytes: DEFAULT_MAX_BYTES }
    }
}

impl DecodePolicy {
    pub fn off() -> DecodePolicy {
        DecodePolicy { depth: 0, ..DecodePolicy::default() }
    }

    pub fn enabled(&self) -> bool {
        self.depth > 0 && self.max_bytes > 0
    }
}

/// An encoding a span may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Hex,
    Percent,
    Escapes,
}

impl Encoding {
    /// The name a finding's decoding chain shows.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent",
            Encoding::Escapes => "escape",
        }
    }

    /// The span's text, if it is well formed in this encoding and decodes to text.
    pub fn decode(self, span: &[u8]) -> Option<Vec<u8>> {
        match self {
            Encoding::Base64 => codecs::base64(span),
            Encoding::Hex => codecs::hex(span),
            Encoding::Percent => codecs::percent(span),
            Encoding::Escapes => codecs::escapes(span),
        }
    }
}

/// What a candidate found in decoded text carries: the decodings from the stored bytes to the text it was found
/// in (outermost first) and the secret as decoded. Its offsets are those of the outermost encoded span.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub chain: Vec<&'static str>,
    pub secret: Vec<u8>,
}

/// The spans of `content` that may be encoded, with the encoding each is tried as, in no particular order.
/// Hex runs are tried as hex only (a hex run is also base64, but text is not written as base64 that happens to
/// use only hex digits).
pub fn encoded_spans(content: &[u8]) -> Vec<(Range<usize>, Encoding)> {
    let mut spans = Vec::new();
    digit_runs(content, &mut spans);
    escaped_spans(content, &mut spans);
    spans
}

/// Runs of base64 digits (with up to two `=` after them) long enough to try.
fn digit_runs(content: &[u8], out: &mut Vec<(Range<usize>, Encoding)>) {
    runs::long_runs(content, |start, end| {
        let digits = &content[start..end];
        let padded = end + content[end..].iter().take(2).take_while(|&&b| b == b'=').count();
        if padded == end && digits.iter().all(u8::is_ascii_hexdigit) {
            if digits.len() >= MIN_HEX {
                out.push((start..end, Encoding::Hex));
            }
        } else {
            out.push((start..padded, Encoding::Base64));
        }
    });
}

/// Ends a percent- or escape-encoded span: whitespace and what delimits strings and arguments in code.
fn ends_span(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(b, b'"' | b'\'' | b'`' | b',' | b';' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}')
}

/// Spans around `%XX` sequences or `\u`, `\x`, `\/` escapes: from the first escape back to the start of the
/// string or word, and on to its end, stepping over escaped quotes. One pass looks for both markers.
fn escaped_spans(content: &[u8], out: &mut Vec<(Range<usize>, Encoding)>) {
    let starts_escape = |at: usize| match content[at] {
        b'%' => content.get(at + 1..at + 3).is_some_and(|d| d.iter().all(u8::is_ascii_hexdigit)),
        _ => matches!(content.get(at + 1), Some(b'u' | b'x' | b'/')),
    };
    // Where the search goes on, and where the last span ended (no span starts before it).
    let (mut from, mut last_end) = (0, 0);
    while let Some(i) = memchr::memchr2(b'%', b'\\', &content[from..]).map(|i| from + i) {
        if !starts_escape(i) {
            from = i + 1;
            continue;
        }
        let escapes = content[i] == b'\\';
        let floor = i.saturating_sub(MAX_ESCAPED_REACH).max(last_end);
        let mut start = i;
        while start > floor {
            if escapes && start - 1 > floor && content[start - 2] == b'\\' {
                start -= 2;
            } else if ends_span(content[start - 1]) {
                break;
            } else {
                start -= 1;
            }
        }
        let ceiling = (i + MAX_ESCAPED_REACH).min(content.len());
        let mut end = i;
        while end < ceiling {
            match content[end] {
                // An escaped character (a quote, a backslash) belongs to the string.
                b'\\' if escapes && end + 1 < ceiling => end += 2,
                b if ends_span(b) => break,
                _ => end += 1,
            }
        }
        let end = end.min(ceiling);
        if end - start >= MIN_ESCAPED {
            out.push((start..end, if escapes { Encoding::Escapes } else { Encoding::Percent }));
        }
        from = end.max(i + 1);
        last_end = end;
    }
}

/// One piece of content's decoding: the candidates found in decoded text, and whether the size cap stopped it.
pub(super) struct DecodeRun<'a> {
    scanner: &'a Scanner,
    path: &'a str,
    budget: usize,
    pub(super) limit_hit: bool,
    pub(super) found: Vec<Candidate>,
}

impl<'a> DecodeRun<'a> {
    pub(super) fn new(scanner: &'a Scanner, path: &'a str, policy: DecodePolicy) -> Self {
        DecodeRun { scanner, path, budget: policy.max_bytes, limit_hit: false, found: Vec::new() }
    }

    /// Decodes the encoded spans of `content` and scans their text, then searches that text again while
    /// `depth` allows. `outer` is the span of the original content that `content` was decoded from.
    pub(super) fn layer(
        &mut self,
        content: &[u8],
        depth: u8,
        chain: &mut Vec<&'static str>,
        outer: Option<&Range<usize>>,
    ) {
        for (span, encoding) in encoded_spans(content) {
            if self.limit_hit {
                return;
            }
            let Some(text) = encoding.decode(&content[span.clone()]) else { continue };
            if text.len() > self.budget {
                self.limit_hit = true;
                return;
            }
            self.budget -= text.len();
            let at = outer.unwrap_or(&span).clone();
            chain.push(encoding.name());
            for c in self.scanner.scan_decoded(&text, self.path) {
                let secret = text[c.secret_start..c.secret_end].to_vec();
                self.found.push(Candidate {
                    match_start: at.start,
                    match_end: at.end,
                    secret_start: at.start,
                    secret_end: at.end,
                    decoded: Some(Box::new(Decoded { chain: chain.clone(), secret })),
                    ..c
                });
            }
            if depth > 1 {
                self.layer(&text, depth - 1, chain, Some(&at));
            }
            chain.pop();
        }
    }
}

/// Joins the plain candidates of some content with those found in its encoded spans, reporting each secret
/// once: a decoded candidate goes where the plain scan found the same secret (same rule and secret anywhere in
/// the content, or the same rule over the encoded span); a plain candidate goes where it only reported the
/// encoded span itself (a generic password rule that matched the base64, a Kubernetes Secret's value, a Basic
/// header) and the decoded text told what it holds.
pub(super) fn merge(
    rules: &RuleSet,
    content: &[u8],
    plain: Vec<Candidate>,
    mut decoded: Vec<Candidate>,
) -> Vec<Candidate> {
    if decoded.is_empty() {
        return plain;
    }
    let overlaps = |a: &Candidate, b: &Candidate| a.secret_start < b.secret_end && b.secret_start < a.secret_end;
    // Plain candidates that only stand for an encoded span whose secret decoding found (its own rule's plain
    // finding of that secret aside), judged against every decoded candidate, duplicates of plain ones included:
    // the base64 of a key reported on another line is no second finding.
    let explained = |p: &Candidate| {
        decoded.iter().any(|d| {
            let inside = d.secret_start <= p.secret_start && p.secret_end <= d.secret_end;
            let whole = p.secret_start == d.secret_start && p.secret_end == d.secret_end;
            p.rule != d.rule && inside && (whole || rules.rules()[p.rule].generic)
        })
    };
    let (dropped, mut kept): (Vec<Candidate>, Vec<Candidate>) = plain.into_iter().partition(explained);
    decoded.retain(|d| {
        let secret = decoded_secret(d);
        !kept
            .iter()
            .chain(&dropped)
            .any(|p| p.rule == d.rule && (overlaps(p, d) || content[p.secret_start..p.secret_end] == secret[..]))
    });
    decoded
        .sort_by(|a, b| (a.secret_start, a.rule, decoded_secret(a)).cmp(&(b.secret_start, b.rule, decoded_secret(b))));
    decoded.dedup_by(|a, b| a.secret_start == b.secret_start && a.rule == b.rule && a.decoded == b.decoded);
    kept.extend(decoded);
    kept.sort_by_key(|c| (c.secret_start, c.rule));
    kept
}

fn decoded_secret(c: &Candidate) -> &[u8] {
    c.decoded.as_ref().map_or(&[][..], |d| &d.secret[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(&str, Encoding)> {
        let mut s: Vec<_> = encoded_spans(text.as_bytes()).into_iter().map(|(r, e)| (&text[r], e)).collect();
        s.sort_by_key(|(t, _)| t.as_ptr());
        s
    }

    #[test]
    fn spans_of_each_encoding() {
        let text = "a: QUtJQVFZTE5ENlBKM0xNVUhIVFY=\nkey=6b65793d4142434445464748494a4b4c\n\
                    u = \"https%3A%2F%2Fhooks.example%2Fx\"\nj = {\"k\": \"\\u0041\\u0042CDEFGHIJKLMNOP\"}";
        assert_eq!(
            spans(text),
            vec![
                ("QUtJQVFZTE5ENlBKM0xNVUhIVFY=", Encoding::Base64),
                ("6b65793d4142434445464748494a4b4c", Encoding::Hex),
                ("https%3A%2F%2Fhooks.example%2Fx", Encoding::Percent),
                ("\\u0041\\u0042CDEFGHIJKLMNOP", Encoding::Escapes),
            ]
        );
    }

    #[test]
    fn short_runs_and_words_are_not_spans() {
        assert!(spans("token=abcdEFGH1234 id: 0123456789abcdef 50% off\\n").is_empty());
        // `key=` does not join the base64 after it.
        assert_eq!(spans("key=QUtJQVFZTE5ENlBKM0xNVUhI")[0].0, "QUtJQVFZTE5ENlBKM0xNVUhI");
    }

    #[test]
    fn escaped_quotes_stay_inside_the_span() {
        assert_eq!(spans(r#"x = "a\"b\u0063defghijklmnop\"" y"#)[0].0, r#"a\"b\u0063defghijklmnop\""#);
    }
}
