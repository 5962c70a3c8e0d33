//! The matcher: keyword prefilter → rule regex near each keyword → secret → allowlist, placeholder, entropy and
//! validator filters → one candidate per secret (a specific rule wins over a generic one); then the specific
//! rules over the text of the content's encoded spans (`decode`), each secret reported once.
//!
//! The scanner is built once and shared by all threads (`&Scanner` is `Sync`); it keeps no per-scan state.
pub mod decode;
pub mod entropy;
pub mod examples;
pub mod placeholder;
pub mod repeats;
pub mod validate;

use std::collections::BTreeMap;
use std::sync::Arc;

use regex_automata::Input;

use crate::archive::ArchiveLimits;
use crate::rules::rule_regex::RuleRegex;
use crate::rules::{nearby, Allowlist, KeywordHit, Rule, RuleSet, Severity};

/// Fills a vector with the keyword occurrences of some content (see [`Scanner::scan_with`]).
pub type FindKeywords<'a> = dyn FnMut(&[u8], &mut Vec<KeywordHit>) + 'a;

/// How far the regex of a single-line rule may look from its keyword before giving up on line boundaries
/// (minified files put megabytes on one line).
const LINE_REACH: usize = 4096;
/// How far a multiline rule (private keys, JSON key files) may extend past its keyword's line.
const MULTILINE_REACH: usize = 64 * 1024;

/// One secret found by one rule, with byte offsets into the scanned content.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub rule: usize,
    /// The whole regex match.
    pub match_start: usize,
    pub match_end: usize,
    /// The secret inside it.
    pub secret_start: usize,
    pub secret_end: usize,
    pub entropy: f64,
    pub validated: bool,
    /// The rule's validator rejected it (a checksum that does not add up). It keeps generic rules off the same
    /// text, which would otherwise report the fake token that the specific rule saw through, and becomes a
    /// finding of `low` confidence (`Evidence::FailedValidation`): hidden at the default threshold, counted in
    /// the summary, shown with `--confidence low`.
    pub rejected: bool,
    /// Found by the rule's name-nearby form (`crate::rules::nearby`): it gives way to any specific rule that
    /// found the same secret in its own form (a URL rule's `?apiKey=`, say).
    pub nearby: bool,
    /// Found in decoded text: the offsets above are then those of the encoded span in the scanned content.
    pub decoded: Option<Box<decode::Decoded>>,
}

/// What a scan of one piece of content found.
#[derive(Debug, Default)]
pub struct Scanned {
    pub candidates: Vec<Candidate>,
    /// The decoded-size cap stopped decoding before every encoded span was looked at.
    pub decode_limit_hit: bool,
}

#[derive(Debug)]
pub struct Scanner {
    rules: Arc<RuleSet>,
    global_allow: Arc<Allowlist>,
    iac: IacPolicy,
    /// Binary content has its printable strings scanned (`crate::content::strings`); off, it is skipped.
    binary_strings: bool,
    /// How archives are opened (`crate::archive`); `None`: they are not, and count as binary files.
    archives: Option<ArchiveLimits>,
    /// How encoded spans are decoded (`decode`).
    decode: decode::DecodePolicy,
}

/// Whether scans also lint infrastructure files (`crate::iac`), and which checks are turned off.
#[derive(Debug, Clone, Default)]
pub struct IacPolicy {
    pub enabled: bool,
    pub disabled: Vec<String>,
}

impl IacPolicy {
    pub fn runs(&self, check_id: &str) -> bool {
        self.enabled && !self.disabled.iter().any(|d| d == check_id)
    }
}

impl Scanner {
    /// A secret scanner; IaC lint is off until `with_iac`.
    pub fn new(rules: Arc<RuleSet>, global_allow: Arc<Allowlist>) -> Scanner {
        Scanner {
            rules,
            global_allow,
            iac: IacPolicy::default(),
            binary_strings: true,
            archives: Some(ArchiveLimits::default()),
            decode: decode::DecodePolicy::default(),
        }
    }

    pub fn with_iac(mut self, iac: IacPolicy) -> Scanner {
        self.iac = iac;
        self
    }

    pub fn set_iac_enabled(&mut self, enabled: bool) {
        self.iac.enabled = enabled;
    }

    /// Opens archives within `limits`, or not at all (`None`).
    pub fn set_archives(&mut self, limits: Option<ArchiveLimits>) {
        self.archives = limits;
    }

    /// The limits archives are opened within; `None` when they are not opened.
    pub fn archives(&self) -> Option<&ArchiveLimits> {
        self.archives.as_ref()
    }

    /// How encoded spans are decoded (on, two layers deep, by default).
    pub fn set_decode(&mut self, decode: decode::DecodePolicy) {
        self.decode = decode;
    }

    pub fn decode(&self) -> decode::DecodePolicy {
        self.decode
    }

    pub fn iac(&self) -> &IacPolicy {
        &self.iac
    }

    /// Scan the printable strings of binary content (on by default) rather than skip it.
    pub fn set_binary_strings(&mut self, on: bool) {
        self.binary_strings = on;
    }

    pub fn binary_strings(&self) -> bool {
        self.binary_strings
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans one piece of content for the candidates that pass every filter (those a validator rejected are
    /// left out; [`scan_with`](Self::scan_with) keeps them). `path` is used for path-restricted rules and path
    /// allowlists. A rule whose regex fails to compile (only possible for custom rules loaded without
    /// validation) is skipped here; config loading compiles custom rules eagerly so users see that error first.
    pub fn scan(&self, content: &[u8], path: &str) -> Vec<Candidate> {
        let mut found = self.scan_with(content, path, &mut |content, hits| self.rules.keyword_hits(content, hits));
        found.retain(|c| !c.rejected);
        found
    }

    /// The candidates of one piece of content, including those a validator rejected ([`Candidate::rejected`]),
    /// with the keyword search left to `find_keywords`, which must fill its vector with what
    /// [`RuleSet::keyword_hits`] would: a caller that knows them from similar content supplies them for less.
    /// It is not called for content that is not scanned.
    pub fn scan_with(&self, content: &[u8], path: &str, find_keywords: &mut FindKeywords<'_>) -> Vec<Candidate> {
        self.scan_detailed(content, path, find_keywords).candidates
    }

    /// [`scan_with`](Self::scan_with) with only the rules `runs` accepts and no decoding (the strings of a binary
    /// file are scanned with the specific high-confidence rules alone, see [`Rule::strings_safe`]).
    pub fn scan_rules(
        &self,
        content: &[u8],
        path: &str,
        find_keywords: &mut FindKeywords<'_>,
        runs: &dyn Fn(&Rule) -> bool,
    ) -> Vec<Candidate> {
        if self.global_allow.allows_path(path) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        find_keywords(content, &mut hits);
        self.scan_hits(content, path, &hits, runs)
    }

    /// [`scan_with`](Self::scan_with), also telling whether decoding stopped at its size cap.
    pub fn scan_detailed(&self, content: &[u8], path: &str, find_keywords: &mut FindKeywords<'_>) -> Scanned {
        if self.global_allow.allows_path(path) {
            return Scanned::default();
        }
        let mut hits = Vec::new();
        find_keywords(content, &mut hits);
        let plain = self.scan_hits(content, path, &hits, &|_| true);
        if !self.decode.enabled() {
            return Scanned { candidates: plain, decode_limit_hit: false };
        }
        let mut run = decode::DecodeRun::new(self, path, self.decode);
        run.layer(content, self.decode.depth, &mut Vec::new(), None);
        let decode_limit_hit = run.limit_hit;
        Scanned { candidates: decode::merge(&self.rules, content, plain, run.found), decode_limit_hit }
    }

    /// Decoded text: its keywords, and only the specific rules (see [`decode`]).
    fn scan_decoded(&self, text: &[u8], path: &str) -> Vec<Candidate> {
        let mut hits = Vec::new();
        self.rules.keyword_hits(text, &mut hits);
        self.scan_hits(text, path, &hits, &|rule| !rule.generic)
    }

    /// Runs the rules whose keywords occur (and the rules without keywords) around their keywords, and keeps
    /// one candidate per secret; only the rules `runs` accepts.
    fn scan_hits(
        &self,
        content: &[u8],
        path: &str,
        hits: &[KeywordHit],
        runs: &dyn Fn(&Rule) -> bool,
    ) -> Vec<Candidate> {
        let windows = self.keyword_windows(content, hits);
        let mut found = Vec::new();
        let rules = self.rules.rules();
        for run in windows.chunk_by(|a, b| a.0 == b.0).filter(|run| runs(&rules[run[0].0 as usize])) {
            let spans = run.iter().map(|&(_, start, end)| (start, end));
            self.run_rule(run[0].0 as usize, content, path, spans, &mut found);
        }
        for &r in self.rules.unkeyed().iter().filter(|&&r| runs(&rules[r as usize])) {
            self.run_rule(r as usize, content, path, std::iter::once((0, content.len())), &mut found);
        }
        resolve_overlaps(&self.rules, found)
    }

    /// The merged byte ranges around keyword occurrences where each rule's regex is tried, as (rule, start, end)
    /// sorted by rule, then position. A list of the rules that have windows, not a slot per rule: a slot per rule
    /// would mean clearing and freeing one vector per rule for every file, most of them empty.
    fn keyword_windows(&self, content: &[u8], hits: &[KeywordHit]) -> Vec<(u32, usize, usize)> {
        let mut windows: Vec<(u32, usize, usize)> = Vec::with_capacity(hits.len());
        for hit in hits {
            for &r in self.rules.rules_for_pattern(hit.pattern as usize) {
                let (start, end) = window(content, hit.start, hit.end, self.rules.rules()[r as usize].multiline);
                windows.push((r, start, end));
            }
        }
        // Stable: each rule's windows stay in the order of their keywords' ends, which the merge below relies on.
        windows.sort_by_key(|w| w.0);
        windows.dedup_by(|next, kept| {
            let overlaps = next.0 == kept.0 && next.1 <= kept.2;
            if overlaps {
                kept.1 = kept.1.min(next.1);
                kept.2 = kept.2.max(next.2);
            }
            overlaps
        });
        windows
    }

    fn run_rule(
        &self,
        rule_idx: usize,
        content: &[u8],
        path: &str,
        spans: impl Iterator<Item = (usize, usize)>,
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules.rules()[rule_idx];
        let Ok(compiled) = rule.compiled() else {
            return;
        };
        if let Some(p) = &compiled.path {
            if !p.is_match(path.as_bytes()) {
                return;
            }
        }
        for (start, end) in spans {
            let before = out.len();
            self.search_window(rule_idx, (&compiled.regex, Form::Own), content, path, (start, end), out);
            // The name-nearby form only where the usual one found nothing: it would find the same value again.
            if out.len() == before {
                if let Some(nearby) = rule.nearby() {
                    self.search_window(rule_idx, (nearby, Form::Nearby), content, path, (start, end), out);
                }
            }
        }
    }

    /// Every match of `regex` (the rule's own or its name-nearby form) in one window that passes the filters.
    fn search_window(
        &self,
        rule_idx: usize,
        (rule_regex, form): (&RuleRegex, Form),
        content: &[u8],
        path: &str,
        (start, end): (usize, usize),
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules.rules()[rule_idx];
        // Searching `content[..end]` from `start` (rather than slicing both ends) lets `\b` and `^` see the byte
        // before the window.
        let hay = &content[..end];
        let regex = rule_regex.for_search(end - start);
        let mut caps = regex.create_captures();
        let mut at = start;
        while at <= end {
            regex.search_captures(&Input::new(hay).span(at..hay.len()), &mut caps);
            let Some(whole) = caps.get_group(0) else { break };
            let secret = caps.get_group(rule_regex.secret_group).filter(|m| !m.is_empty());
            // Resume after the secret rather than the whole match: a rule that consumes a delimiter after its
            // token must still see a second token that starts right there.
            at = secret.map_or(whole.end, |m| m.end).max(whole.start + 1);
            let Some(secret) = secret else { continue };
            if let Some(name) = caps.get_group_by_name("name") {
                if nearby::names_something_else(&content[name.end..secret.start]) {
                    continue;
                }
            }
            let secret = if rule.generic { without_trailing_escapes(content, secret.range()) } else { secret.range() };
            if let Some(mut candidate) = self.judge(rule_idx, content, path, whole.range(), secret) {
                candidate.nearby = form == Form::Nearby;
                out.push(candidate);
            }
        }
    }

    /// The candidate a match makes, unless an allowlist, the placeholder check or the entropy floor drops it.
    fn judge(
        &self,
        rule_idx: usize,
        content: &[u8],
        path: &str,
        whole: std::ops::Range<usize>,
        secret: std::ops::Range<usize>,
    ) -> Option<Candidate> {
        let rule = &self.rules.rules()[rule_idx];
        if secret.is_empty() {
            return None;
        }
        let bytes = &content[secret.clone()];
        let text = String::from_utf8_lossy(bytes);
        // A broken allowlist was reported when the rules were checked; here it allows nothing.
        let own = rule.allowlist().ok();
        if own.is_some_and(|a| a.allows_path(path) || a.allows_secret(&text)) || self.global_allow.allows_secret(&text)
        {
            return None;
        }
        if placeholder::placeholder_reason(&text).is_some() {
            return None;
        }
        let entropy = entropy::shannon_bits(bytes);
        if rule.entropy.is_some_and(|min| entropy < min) {
            return None;
        }
        let (validated, rejected) = match rule.validator {
            Some(v) if !validate::validate(v, bytes) => (false, true),
            Some(_) => (true, false),
            None => (false, false),
        };
        Some(Candidate {
            rule: rule_idx,
            match_start: whole.start,
            match_end: whole.end,
            secret_start: secret.start,
            secret_end: secret.end,
            entropy,
            validated,
            rejected,
            nearby: false,
            decoded: None,
        })
    }
}

/// Which of a rule's regexes found a candidate.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Own,
    /// The name-nearby form (`crate::rules::nearby`).
    Nearby,
}

/// The range a rule's regex is tried on for one keyword occurrence: the keyword's line with one line either
/// side, or for multiline rules from the keyword's line up to `MULTILINE_REACH` further. Long lines are cut at
/// `LINE_REACH` bytes from the keyword.
fn window(content: &[u8], hit_start: usize, hit_end: usize, multiline: bool) -> (usize, usize) {
    let floor = hit_start.saturating_sub(LINE_REACH);
    let line_start = |pos: usize| memchr::memrchr(b'\n', &content[floor..pos]).map_or(floor, |i| floor + i + 1);
    let this_line = line_start(hit_start);
    let start = if this_line > floor { line_start(this_line - 1) } else { this_line };
    let end = if multiline {
        (this_line + MULTILINE_REACH).min(content.len())
    } else {
        let ceiling = (hit_end + LINE_REACH).min(content.len());
        let line_end = |pos: usize| memchr::memchr(b'\n', &content[pos..ceiling]).map_or(ceiling, |i| pos + i);
        let this_end = line_end(hit_end);
        if this_end < ceiling {
            line_end(this_end + 1)
        } else {
            this_end
        }
    };
    (start, end.max(hit_end))
}

/// Higher wins where candidates overlap (see `resolve_overlaps`).
fn rank(rules: &RuleSet, c: &Candidate) -> (u8, usize, bool, Severity, std::cmp::Reverse<usize>) {
    let r = &rules.rules()[c.rule];
    let class = match (r.generic, c.rejected, c.nearby) {
        (false, false, false) => 3,
        (false, false, true) => 2,
        (false, true, _) => 1,
        (true, _, _) => 0,
    };
    (class, c.secret_end - c.secret_start, c.validated, r.severity, std::cmp::Reverse(c.rule))
}

/// A generic rule's match that runs into a string escape (`password bbbb\n` inside `f.write("…\n")`) ends
/// where the language's string ends: the `\n`, `\r`, `\t` written at the end of a literal are not part of it.
fn without_trailing_escapes(content: &[u8], mut range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    while range.len() > 2
        && content[range.end - 2] == b'\\'
        && matches!(content[range.end - 1], b'n' | b'r' | b't')
        && (range.end < 3 || content[range.end - 3] != b'\\')
    {
        range.end -= 2;
    }
    range
}

/// Keeps one candidate per secret: where spans overlap, a specific (non-generic) rule wins over a generic one,
/// then the longer secret (a GitLab token that embeds a JWT is a GitLab token), then a validated one, then
/// the more severe; ties go to the rule listed first. A candidate its validator rejected ranks below every
/// specific one and above every generic one, so it silences generic rules; it is kept, marked, for the count
/// and for `--confidence low`.
fn resolve_overlaps(rules: &RuleSet, mut found: Vec<Candidate>) -> Vec<Candidate> {
    if found.len() < 2 {
        return found;
    }
    found.sort_by_key(|c| std::cmp::Reverse(rank(rules, c)));
    // Kept spans never overlap, so their ends rise with their starts: a new span overlaps one of them exactly
    // when it overlaps the last kept span starting before its end. A map finds that one in log time, where a
    // scan of every kept span made a file with tens of thousands of candidates take minutes.
    let mut spans: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<Candidate> = Vec::with_capacity(found.len());
    for c in found {
        let overlaps = spans.range(..c.secret_end).next_back().is_some_and(|(_, &end)| c.secret_start < end);
        if !overlaps {
            spans.insert(c.secret_start, c.secret_end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| (c.secret_start, c.rule));
    kept
}

#[cfg(test)]
mod tests {
    use super::{rank, resolve_overlaps, window, Candidate};
    use crate::rules::{builtin_rules, RuleSet};

    /// `resolve_overlaps` finds an overlapping kept span by lookup; it must keep exactly what comparing every
    /// candidate with every kept one keeps.
    #[test]
    fn overlap_lookup_keeps_what_pairwise_comparison_keeps() {
        let rules = RuleSet::new(builtin_rules().unwrap()).unwrap();
        let mut rng = crate::test_rng::TestRng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| rng.below(n);
        for round in 0..50 {
            let found: Vec<Candidate> = (0..5 + round * 4)
                .map(|_| {
                    let start = next(400);
                    let end = start + 1 + next(40);
                    Candidate {
                        rule: next(rules.rules().len()),
                        match_start: start,
                        match_end: end,
                        secret_start: start,
                        secret_end: end,
                        entropy: 3.0,
                        validated: next(2) == 0,
                        rejected: next(4) == 0,
                        nearby: next(3) == 0,
                        decoded: None,
                    }
                })
                .collect();
            let mut by_rank = found.clone();
            by_rank.sort_by_key(|c| std::cmp::Reverse(rank(&rules, c)));
            let mut want: Vec<Candidate> = Vec::new();
            for c in by_rank {
                if !want.iter().any(|k| c.secret_start < k.secret_end && k.secret_start < c.secret_end) {
                    want.push(c);
                }
            }
            want.sort_by_key(|c| (c.secret_start, c.rule));
            assert_eq!(resolve_overlaps(&rules, found), want, "round {round}");
        }
    }

    #[test]
    fn window_covers_neighbour_lines() {
        let text = b"one\ntwo KEY here\nthree\nfour";
        let (s, e) = window(text, 8, 11, false);
        assert_eq!(&text[s..e], b"one\ntwo KEY here\nthree");
    }

    #[test]
    fn window_is_bounded_on_long_lines() {
        let text = vec![b'a'; 100_000];
        let (s, e) = window(&text, 50_000, 50_003, false);
        assert!(s >= 50_000 - super::LINE_REACH && e <= 50_003 + super::LINE_REACH);
    }
}
