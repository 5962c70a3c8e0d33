//! A rule's regex, built twice when it pays: first the cheapest build that searches correctly, then, once the
//! rule has searched enough bytes, a build tuned for throughput.
//!
//! Why: a pre-commit run compiles the regexes of the ~25 rules whose keywords occur in a small change, and
//! compiling was 40 % of its instructions. Most of a default build only pays on large inputs: literal extraction
//! for a prefilter (the keyword automaton has already placed the search next to a keyword), the reverse searchers
//! built from those literals, the lazy DFA with its reverse NFA, a one-pass DFA and a full DFA for small patterns.
//! The quick build leaves them out: 45 M → 16 M instructions to compile on `bench/staged`. It searches with the
//! bounded backtracker, whose cost grows with window length times pattern size (hundreds of instructions a byte
//! where the lazy DFA needs a few), so it only pays for a rule's first few kilobytes: after `TUNE_AFTER_BYTES`
//! the tuned build takes over.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use regex_automata::{meta, util::syntax, PatternID};
use regex_syntax::hir::{Hir, HirKind};

/// Bytes a rule searches with its quick build before the tuned one is built. A tuned build costs about as much
/// as searching a few kilobytes with the quick one. Measured: 2–32 KB all give the same folder-scan time
/// (tree-200: 1.0 s user) and pre-commit cost (67 M instructions); 1 MB made the folder scan 3× slower.
const TUNE_AFTER_BYTES: u64 = 8 * 1024;

#[derive(Debug)]
pub struct RuleRegex {
    source: String,
    quick: meta::Regex,
    tuned: OnceLock<meta::Regex>,
    searched: AtomicU64,
    /// Capture group holding the secret (0 = the whole match).
    pub secret_group: usize,
}

impl RuleRegex {
    /// Builds the quick form. The error is what the user is shown for an invalid pattern.
    pub fn new(source: &str) -> Result<RuleRegex, String> {
        let quick = build(source, false)?;
        let info = quick.group_info();
        let secret_group =
            info.to_index(PatternID::ZERO, "secret").unwrap_or(if info.group_len(PatternID::ZERO) > 1 { 1 } else { 0 });
        Ok(RuleRegex {
            source: source.to_string(),
            quick,
            tuned: OnceLock::new(),
            searched: AtomicU64::new(0),
            secret_group,
        })
    }

    /// The build to search `len` more bytes with. Both builds match exactly the same way.
    pub fn for_search(&self, len: usize) -> &meta::Regex {
        if let Some(tuned) = self.tuned.get() {
            return tuned;
        }
        if self.searched.fetch_add(len as u64, Ordering::Relaxed) + (len as u64) < TUNE_AFTER_BYTES {
            return &self.quick;
        }
        // The pattern already built once; should the tuned build still fail, the quick one stays in use.
        self.tuned.get_or_init(|| build(&self.source, true).unwrap_or_else(|_| self.quick.clone()))
    }
}

/// The parser's own message (it points at the bad spot), not meta's generic "error parsing pattern 0".
fn describe(e: &meta::BuildError) -> String {
    match (e.syntax_error(), e.size_limit()) {
        (Some(syntax), _) => syntax.to_string(),
        (None, Some(limit)) => format!("the compiled regex exceeds size limit of {limit} bytes"),
        (None, None) => e.to_string(),
    }
}

fn build(source: &str, tuned: bool) -> Result<meta::Regex, String> {
    let limit = Some(super::REGEX_SIZE_LIMIT);
    meta::Builder::new()
        // Tokens are ASCII: Unicode-aware classes (`\w`, `(?i)`) would only make the automata larger and slower to
        // build. A rule is tried on a window that starts mid-file, so `^` and `$` must mean line boundaries.
        .syntax(syntax::Config::new().unicode(false).utf8(false).multi_line(true))
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(limit)
                .onepass_size_limit(limit)
                .dfa_size_limit(limit)
                .hybrid_cache_capacity(super::REGEX_SIZE_LIMIT)
                .auto_prefilter(tuned)
                .onepass(tuned)
                .hybrid(tuned)
                .dfa(tuned),
        )
        .build(source)
        .map_err(|e| describe(&e))
}

/// The capture group that holds the secret: named `secret`, or the first group.
pub fn secret_group(hir: &Hir) -> Option<&Hir> {
    fn find<'a>(hir: &'a Hir, first: &mut Option<&'a Hir>) -> Option<&'a Hir> {
        match hir.kind() {
            HirKind::Capture(c) => {
                if c.name.as_deref() == Some("secret") {
                    return Some(&c.sub);
                }
                if c.index == 1 {
                    *first = Some(&c.sub);
                }
                find(&c.sub, first)
            }
            HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().find_map(|s| find(s, first)),
            HirKind::Repetition(r) => find(&r.sub, first),
            _ => None,
        }
    }
    let mut first = None;
    find(hir, &mut first).or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(re: &meta::Regex, group: usize, hay: &[u8]) -> Vec<Option<(usize, usize)>> {
        let mut caps = re.create_captures();
        let mut out = Vec::new();
        let mut at = 0;
        while at <= hay.len() {
            re.search_captures(&regex_automata::Input::new(hay).span(at..hay.len()), &mut caps);
            let Some(whole) = caps.get_group(0) else { break };
            out.push(caps.get_group(group).map(|s| (s.start, s.end)));
            at = whole.end.max(whole.start + 1);
        }
        out
    }

    /// The switch from the quick build to the tuned one must never change what a rule finds.
    #[test]
    fn quick_and_tuned_builds_find_the_same_on_every_example() {
        // The embedded rules carry no examples; the rule files do.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut rules = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                rules.extend(crate::rules::parse_rule_file(&path.display().to_string(), &text).unwrap());
            }
        }
        assert!(rules.iter().map(|r| r.examples.len()).sum::<usize>() > 400);
        for rule in &rules {
            let regex = RuleRegex::new(&rule.regex_source).unwrap();
            let tuned = build(&rule.regex_source, true).unwrap();
            let texts = rule.examples.iter().map(|e| e.text.as_str());
            for text in texts.chain(rule.negative_examples.iter().map(|n| n.text())) {
                // Repeated so the haystack is long enough for the tuned build's prefilter and DFA to engage.
                let hay = format!("{text}\n{}", text.repeat(4));
                let quick = spans(&regex.quick, regex.secret_group, hay.as_bytes());
                assert_eq!(quick, spans(&tuned, regex.secret_group, hay.as_bytes()), "rule {}", rule.id);
            }
        }
    }

    #[test]
    fn the_tuned_build_takes_over_after_enough_bytes() {
        let regex = RuleRegex::new(r"tok_(?P<secret>[a-z0-9]{16})").unwrap();
        assert_eq!(regex.secret_group, 1);
        assert!(std::ptr::eq(regex.for_search(100), &regex.quick));
        let tuned = regex.for_search(TUNE_AFTER_BYTES as usize);
        assert!(!std::ptr::eq(tuned, &regex.quick));
        assert!(std::ptr::eq(regex.for_search(1), tuned));
    }

    #[test]
    fn an_invalid_pattern_is_described_by_the_parser() {
        let message = RuleRegex::new("tok_([").unwrap_err();
        assert!(message.contains("unclosed character class"), "{message}");
    }
}
