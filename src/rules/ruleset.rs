//! The set of active rules and the one Aho-Corasick automaton over all their keywords: a single pass over the
//! content tells which rules can possibly match and where.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::keyword_dfa::{KeywordDfa, KeywordHit};
use super::rule::Rule;
use crate::error::{Error, Result};

/// Keywords longer than this are cut to their first bytes in the automaton. The rule's regex still decides, so
/// a shorter literal only means a few more windows tried; in exchange the automaton stays small enough to sit in
/// cache (700 full keywords made a 2 MB DFA that spent most of the scan on cache misses).
const MAX_AUTOMATON_KEYWORD: usize = 8;

fn automaton_prefix(keyword: &str) -> String {
    let mut end = keyword.len().min(MAX_AUTOMATON_KEYWORD);
    while !keyword.is_char_boundary(end) {
        end -= 1;
    }
    keyword[..end].to_string()
}

/// Content scanned with the NFA before the DFA is built. The DFA scans several times faster but takes ~10 ms
/// to build, which is most of a pre-commit run over a few files; past about a megabyte it pays for itself.
const DFA_AFTER_BYTES: u64 = 1 << 20;

#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Automaton patterns: each keyword cut to `MAX_AUTOMATON_KEYWORD` bytes, deduplicated.
    patterns: Vec<String>,
    /// Cheap to build, slower to run: used first.
    nfa: Option<AhoCorasick>,
    /// Built once the content scanned so far shows the run is big enough to repay it.
    dfa: OnceLock<Option<KeywordDfa>>,
    scanned: AtomicU64,
    /// Set by the one thread that builds the DFA; the others keep scanning with the NFA meanwhile (waiting on
    /// the build idled a core for the ~15 ms it takes).
    dfa_claimed: AtomicBool,
    /// For each automaton pattern, the rules that listed it as a keyword.
    pattern_rules: Vec<Vec<u32>>,
    /// Rules without keywords: tried on every fragment.
    unkeyed: Vec<u32>,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet> {
        let mut seen = std::collections::HashMap::new();
        for r in &rules {
            if let Some(prev) = seen.insert(r.id.as_str(), r.origin.as_str()) {
                return Err(Error::rule(&r.origin, &r.id, format!("duplicate rule id (also defined in {prev})")));
            }
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<u32>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut unkeyed = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.keywords.is_empty() {
                unkeyed.push(i as u32);
            }
            for k in &r.keywords {
                let k = automaton_prefix(k);
                let slot = *index.entry(k.clone()).or_insert_with(|| {
                    patterns.push(k.clone());
                    pattern_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !pattern_rules[slot].contains(&(i as u32)) {
                    pattern_rules[slot].push(i as u32);
                }
            }
        }
        let nfa = if patterns.is_empty() {
            None
        } else {
            Some(
                automaton(&patterns, AhoCorasickKind::ContiguousNFA)
                    .or_else(|_| automaton(&patterns, AhoCorasickKind::NoncontiguousNFA))
                    .map_err(|e| Error::config("keywords", format!("cannot build the keyword automaton: {e}")))?,
            )
        };
        Ok(RuleSet {
            rules,
            patterns,
            nfa,
            dfa: OnceLock::new(),
            scanned: AtomicU64::new(0),
            dfa_claimed: AtomicBool::new(false),
            pattern_rules,
            unkeyed,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Replaces `hits` with every keyword occurrence in `content` (overlapping ones too), in the order of their
    /// end offsets. Uses the NFA until enough content has gone through to make the DFA worth building, then the
    /// DFA (or the NFA still, if the keywords do not fit the DFA's compact form).
    pub fn keyword_hits(&self, content: &[u8], hits: &mut Vec<KeywordHit>) {
        hits.clear();
        let Some(nfa) = &self.nfa else { return };
        let dfa = match self.dfa.get() {
            Some(dfa) => dfa.as_ref(),
            None => {
                let seen = self.scanned.fetch_add(content.len() as u64, Ordering::Relaxed) + content.len() as u64;
                if seen < DFA_AFTER_BYTES || self.dfa_claimed.swap(true, Ordering::Relaxed) {
                    None
                } else {
                    self.dfa.get_or_init(|| KeywordDfa::new(&self.patterns)).as_ref()
                }
            }
        };
        match dfa {
            Some(dfa) => dfa.find_overlapping(content, hits),
            None => hits.extend(nfa.find_overlapping_iter(content).map(|m| KeywordHit {
                pattern: m.pattern().as_u32(),
                start: m.start(),
                end: m.end(),
            })),
        }
    }

    /// The automaton patterns: each keyword cut to its first bytes, deduplicated.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn rules_for_pattern(&self, pattern: usize) -> &[u32] {
        &self.pattern_rules[pattern]
    }

    pub fn unkeyed(&self) -> &[u32] {
        &self.unkeyed
    }
}

fn automaton(patterns: &[String], kind: AhoCorasickKind) -> std::result::Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(patterns)
}
