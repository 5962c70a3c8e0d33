//! The set of active rules and the one Aho-Corasick automaton over all their keywords: a single pass over the
//! content tells which rules can possibly match and where.
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::keyword_dfa::{automaton_prefix, KeywordDfa, KeywordHit};
use super::keyword_reuse;
use super::prefixes::ProviderPrefixes;
use super::rule::Rule;
use crate::error::{Error, Result};

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
    /// The longest automaton pattern, in bytes.
    max_pattern_len: usize,
    /// Rules without keywords: tried on every fragment.
    unkeyed: Vec<u32>,
    /// Read off the regexes when a generic finding is first scored: a pre-commit run that finds nothing never pays.
    provider_prefixes: OnceLock<ProviderPrefixes>,
    /// Built when a generic finding is first scored, as `provider_prefixes` is.
    provider_names: OnceLock<super::provider_names::ProviderNames>,
    /// Rule index by id: reports, scoring and pairing look rules up once per finding.
    by_id: std::collections::HashMap<String, usize>,
}

impl RuleSet {
    /// A hash of what decides what the rules find (each rule's patterns, keywords, filters), with leakgate's
    /// version: an incremental audit's state is only good for the rules it was made with.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for rule in &self.rules {
            rule.digest_into(&mut h);
        }
        h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

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
        let dfa = OnceLock::new();
        let mut nfa = None;
        if let Some((builtin_patterns, builtin_rules, table)) = prebuilt_dfa(&patterns, &pattern_rules) {
            patterns = builtin_patterns;
            pattern_rules = builtin_rules;
            let _ = dfa.set(Some(table));
        } else if !patterns.is_empty() {
            nfa = Some(
                automaton(&patterns, AhoCorasickKind::ContiguousNFA)
                    .or_else(|_| automaton(&patterns, AhoCorasickKind::NoncontiguousNFA))
                    .map_err(|e| Error::config("keywords", format!("cannot build the keyword automaton: {e}")))?,
            );
        }
        let max_pattern_len = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let by_id = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        Ok(RuleSet {
            rules,
            max_pattern_len,
            patterns,
            nfa,
            dfa,
            scanned: AtomicU64::new(0),
            dfa_claimed: AtomicBool::new(false),
            pattern_rules,
            unkeyed,
            provider_prefixes: OnceLock::new(),
            provider_names: OnceLock::new(),
            by_id,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// Whether `value`, assigned to `key`, is in none of the formats of the providers `key` names (see
    /// `provider_names`).
    pub fn fits_no_named_provider(&self, key: &str, value: &str) -> bool {
        self.provider_names
            .get_or_init(|| super::provider_names::ProviderNames::new(&self.rules))
            .fits_no_format(key, value)
    }

    /// The specific rule whose token prefix `value` starts with, in any letter case (see `prefixes`).
    pub fn provider_prefix_rule(&self, value: &str) -> Option<&str> {
        self.provider_prefixes.get_or_init(|| ProviderPrefixes::new(&self.rules)).rule_of(value)
    }

    /// Replaces `hits` with every keyword occurrence in `content` (overlapping ones too), in the order of their
    /// end offsets. Uses the DFA built ahead of time when the keywords are built-in ones; otherwise the NFA until
    /// enough content has gone through to make the DFA worth building, then the DFA (or the NFA still, if the
    /// keywords do not fit the DFA's compact form).
    pub fn keyword_hits(&self, content: &[u8], hits: &mut Vec<KeywordHit>) {
        hits.clear();
        if let Some(Some(dfa)) = self.dfa.get() {
            return dfa.find_overlapping(content, hits);
        }
        let Some(nfa) = &self.nfa else { return };
        if self.dfa.get().is_none() {
            let seen = self.scanned.fetch_add(content.len() as u64, Ordering::Relaxed) + content.len() as u64;
            if seen >= DFA_AFTER_BYTES && !self.dfa_claimed.swap(true, Ordering::Relaxed) {
                if let Some(dfa) = self.dfa.get_or_init(|| KeywordDfa::new(&self.patterns)) {
                    return dfa.find_overlapping(content, hits);
                }
            }
        }
        hits.extend(nfa_hits(nfa, content, 0));
    }

    /// [`keyword_hits`](Self::keyword_hits) of content made from a base whose hits are known, searching only
    /// around what differs (`keyword_reuse`). `copied` lists, in content order, each range that is a copy of the
    /// base's bytes, as (offset in content, offset in base, length).
    pub fn keyword_hits_from_base(
        &self,
        content: &[u8],
        base_len: usize,
        base_hits: &[KeywordHit],
        copied: impl Iterator<Item = (usize, usize, usize)> + Clone,
        hits: &mut Vec<KeywordHit>,
    ) {
        // A delta between unrelated contents copies only short runs (`git fast-import` deltas each blob against
        // the one written before it): searching around each costs more than searching the whole once.
        let reused: usize = copied.clone().map(|(_, _, n)| n.saturating_sub(self.max_pattern_len)).sum();
        if reused < content.len() / 2 {
            return self.keyword_hits(content, hits);
        }
        let search = |from, ends, hits: &mut Vec<KeywordHit>| self.keyword_hits_ending_in(content, from, ends, hits);
        keyword_reuse::rebuild(content.len(), base_len, base_hits, copied, self.max_pattern_len, search, hits);
    }

    /// Appends the keyword occurrences of `content` that end in `ends`, searching from `from` (which none of them
    /// starts before), in the order of their ends.
    pub(super) fn keyword_hits_ending_in(
        &self,
        content: &[u8],
        from: usize,
        ends: Range<usize>,
        hits: &mut Vec<KeywordHit>,
    ) {
        // No occurrence ends at 0, and one ending at `ends.end - 1` needs the bytes up to there.
        let hay = &content[from..ends.end - 1];
        if let Some(Some(dfa)) = self.dfa.get() {
            return dfa.extend_hits(hay, from, ends.start, hits);
        }
        let Some(nfa) = &self.nfa else { return };
        hits.extend(nfa_hits(nfa, hay, from).filter(|h| h.end >= ends.start));
    }

    /// The longest automaton pattern, in bytes: which keywords end at an offset depends on no more bytes before it.
    #[cfg(test)]
    pub(super) fn max_pattern_len(&self) -> usize {
        self.max_pattern_len
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

/// The keyword DFA `build.rs` made from the built-in rules, when every pattern of this rule set is one of the
/// built-in ones (the built-in rules, perhaps minus disabled ones): then no automaton is built at run time, which
/// was a fifth of a pre-commit run's instructions (the NFA's build and its slower search of the staged files).
/// Returns the built-in pattern list, each pattern's rules re-indexed to it (patterns of disabled rules keep no
/// rules), and the table.
fn prebuilt_dfa(patterns: &[String], pattern_rules: &[Vec<u32>]) -> Option<(Vec<String>, Vec<Vec<u32>>, KeywordDfa)> {
    use super::builtin::{BUILTIN_KEYWORD_DFA, BUILTIN_KEYWORD_PATTERNS};
    if patterns.is_empty() {
        return None;
    }
    let remapped = if patterns.iter().map(String::as_str).eq(BUILTIN_KEYWORD_PATTERNS.iter().copied()) {
        pattern_rules.to_vec()
    } else {
        let slot: std::collections::HashMap<&str, usize> =
            BUILTIN_KEYWORD_PATTERNS.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let mut remapped = vec![Vec::new(); BUILTIN_KEYWORD_PATTERNS.len()];
        for (p, rules) in patterns.iter().zip(pattern_rules) {
            remapped[*slot.get(p.as_str())?] = rules.clone();
        }
        remapped
    };
    let table = KeywordDfa::from_static(BUILTIN_KEYWORD_DFA)?;
    Some((BUILTIN_KEYWORD_PATTERNS.iter().map(|p| p.to_string()).collect(), remapped, table))
}

/// The NFA's occurrences in `hay`, which sits at `offset` in its content, with the content's offsets.
fn nfa_hits<'h>(nfa: &'h AhoCorasick, hay: &'h [u8], offset: usize) -> impl Iterator<Item = KeywordHit> + 'h {
    nfa.find_overlapping_iter(hay).map(move |m| KeywordHit {
        pattern: m.pattern().as_u32(),
        start: offset + m.start(),
        end: offset + m.end(),
    })
}

fn automaton(patterns: &[String], kind: AhoCorasickKind) -> std::result::Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(patterns)
}

#[cfg(test)]
mod tests {
    use super::super::builtin::{BUILTIN_KEYWORD_DFA, BUILTIN_KEYWORD_PATTERNS};
    use super::*;

    /// Every (rule, keyword occurrence) pair found by searching each rule's keywords on their own.
    fn expected_pairs(set: &RuleSet, hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let lower = hay.to_ascii_lowercase();
        let mut pairs = Vec::new();
        for (i, rule) in set.rules().iter().enumerate() {
            let mut prefixes: Vec<String> = rule.keywords.iter().map(|k| automaton_prefix(k)).collect();
            prefixes.dedup();
            for p in prefixes {
                let p = p.as_bytes();
                for start in (0..lower.len()).filter(|&s| lower[s..].starts_with(p)) {
                    pairs.push((i as u32, start, start + p.len()));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    fn found_pairs(set: &RuleSet, hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut hits = Vec::new();
        set.keyword_hits(hay, &mut hits);
        let mut pairs: Vec<_> = hits
            .iter()
            .flat_map(|h| set.rules_for_pattern(h.pattern as usize).iter().map(move |&r| (r, h.start, h.end)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    fn sample() -> Vec<u8> {
        let mut hay = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine/mod.rs")).unwrap();
        hay.extend_from_slice(b"\nAWS_SECRET_ACCESS_KEY=x ghp_abc xoxb-1 sk_live_ -----BEGIN RSA PRIVATE KEY-----\n");
        hay
    }

    #[test]
    fn built_in_rules_use_the_table_built_ahead_of_time() {
        let set = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        assert!(set.patterns().iter().map(String::as_str).eq(BUILTIN_KEYWORD_PATTERNS.iter().copied()));
        assert!(set.nfa.is_none(), "no automaton is built at run time");
        let prebuilt = KeywordDfa::from_static(BUILTIN_KEYWORD_DFA).expect("the embedded table reads back");
        assert!(prebuilt.borrows_its_table() == cfg!(target_endian = "little"), "used in place, not copied");
        assert!(
            KeywordDfa::from_bytes(BUILTIN_KEYWORD_DFA).as_ref() == Some(&prebuilt),
            "copied or not, the same table"
        );
        let patterns: Vec<String> = BUILTIN_KEYWORD_PATTERNS.iter().map(|p| p.to_string()).collect();
        assert!(prebuilt == KeywordDfa::new(&patterns).unwrap(), "the embedded table is the one built at run time");
        let hay = sample();
        assert_eq!(found_pairs(&set, &hay), expected_pairs(&set, &hay));
    }

    /// Disabling rules keeps the prebuilt table, with the dropped rules' keywords leading nowhere; a custom
    /// keyword makes the rule set build its own automaton. Both must pair every occurrence with its rules.
    #[test]
    fn keyword_hits_pair_with_their_rules_in_every_automaton() {
        let mut rules = crate::rules::builtin_rules().unwrap();
        let keep = |r: &Rule| !r.id.starts_with("aws-") && !r.id.starts_with("github-");
        rules.retain(keep);
        let fewer = RuleSet::new(rules).unwrap();
        assert!(fewer.nfa.is_none() && fewer.patterns().len() == BUILTIN_KEYWORD_PATTERNS.len());
        let hay = sample();
        assert_eq!(found_pairs(&fewer, &hay), expected_pairs(&fewer, &hay));

        let custom = crate::rules::parse_rule_file(
            "test",
            "[[rules]]\nid = \"custom\"\ndescription = \"d\"\nregex = 'zq[0-9]{4}'\nkeywords = [\"zq\"]\n",
        )
        .unwrap();
        let mut rules = crate::rules::builtin_rules().unwrap();
        rules.retain(keep);
        rules.extend(custom);
        let own = RuleSet::new(rules).unwrap();
        assert!(own.nfa.is_some());
        let mut hay = hay;
        hay.extend_from_slice(b"zq1234 ZQ99");
        assert_eq!(found_pairs(&own, &hay), expected_pairs(&own, &hay));
    }

    #[test]
    fn a_damaged_table_is_refused() {
        let patterns: Vec<String> = ["key", "token"].iter().map(|s| s.to_string()).collect();
        let bytes = KeywordDfa::new(&patterns).unwrap().to_bytes();
        assert!(KeywordDfa::from_bytes(&bytes).is_some());
        assert!(KeywordDfa::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(KeywordDfa::from_bytes(&[]).is_none());
        // The first transition (just after the 256 classes, four counts and two state ids) pointing past the end.
        let mut bad = bytes.clone();
        bad[256 + 16 + 4..256 + 16 + 6].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(KeywordDfa::from_bytes(&bad).is_none());
    }
}
