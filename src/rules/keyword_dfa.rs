//! The keyword automaton used once a scan is big enough: aho-corasick's DFA re-encoded into a compact table that
//! is walked over several parts of the content at once.
//!
//! Why not aho-corasick's own DFA: the keyword stage was about half of a folder scan's CPU, and the profile showed
//! it waiting on memory, not computing. The library's table for ~670 case-insensitive keywords is 1.4 MB (u32
//! state ids, 64+ byte classes rounded up to a stride of 128), bigger than this machine's L2, and every step of the
//! walk depends on the load before it, so each cache miss stalls the whole scan. Here the same automaton is stored
//! with u16 state ids and one class per keyword byte (0.34 MB for 670 keywords), and the content is cut into `STREAMS` parts walked
//! in lockstep, so several independent loads are in flight at once. Both together took the keyword stage from
//! ~122 ms to ~70 ms over 20 MB of crate sources (`find_overlapping_iter` on the library DFA vs this).
//!
//! The hits are exactly those of aho-corasick's overlapping search, in the same order (tests compare the two).
use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Parts of the content walked together. Measured on 20 MB of crate sources: 1 → 96-125 ms, 2 → 75-80 ms,
/// 3 → 61-71 ms, 4 → 73-75 ms (noisy 2-core machine; past 3 the gain is gone). The lockstep loop is written
/// out for three.
const STREAMS: usize = 3;
/// A row per state holds `1 << CLASS_BITS` classes: a fixed shift keeps the hot loop's index arithmetic to one
/// instruction. The built-in keywords use 57 classes; a rule set needing more keeps the NFA.
const CLASS_BITS: u32 = 6;
/// Content shorter than this is walked in one piece: the split's set-up and the sort of its hits cost more than
/// the overlap saves.
const SPLIT_AFTER: usize = 4096;

/// Keywords longer than this are cut to their first bytes in the automaton. The rule's regex still decides, so
/// a shorter literal only means a few more windows tried. With ~700 keywords, 8 bytes kept the table in cache
/// (700 full keywords made a 2 MB DFA that spent most of the scan on cache misses). With ~1,500 keywords the
/// balance moved: cut at 8, long keywords turned into common words (`registry login` into `registry`,
/// `DirectoryEntry` into `director`) whose windows cost more than the bigger table; 14 bytes (a 0.96 MB table)
/// took a single-threaded scan of 150 MB of crate and npm sources from 2.7-2.9 s to 2.3-2.4 s of CPU, the same
/// as 10 bytes, and cutting to 6 made it 4.5 s.
pub const MAX_AUTOMATON_KEYWORD: usize = 14;

/// The automaton pattern for a (lower-cased) keyword. `build.rs` uses this too, to build the built-in rules'
/// DFA ahead of time from the same patterns.
pub fn automaton_prefix(keyword: &str) -> String {
    let mut end = keyword.len().min(MAX_AUTOMATON_KEYWORD);
    while !keyword.is_char_boundary(end) {
        end -= 1;
    }
    keyword[..end].to_string()
}

/// One keyword occurrence: the automaton pattern and its byte range in the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeywordHit {
    pub pattern: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct KeywordDfa {
    /// Byte → class: one class per distinct keyword byte (ASCII case folded), class 0 for every other byte.
    class: [u8; 256],
    /// `trans[state << CLASS_BITS | class]` is the next state. Match states are numbered first (below `matching`).
    /// Invariant the hot loop relies on: every entry is a state below `trans.len() >> CLASS_BITS`. The built-in
    /// table is used where the binary holds it (copying it cost a pre-commit run 90 page faults when it was 350 KB).
    trans: Cow<'static, [u16]>,
    start: u16,
    matching: u16,
    /// For each match state, its range in `matches`: (pattern, pattern length), in aho-corasick's order (longest
    /// first, so start offsets ascend).
    match_ranges: Vec<(u32, u32)>,
    matches: Vec<(u32, u32)>,
    max_len: usize,
}

impl KeywordDfa {
    /// The automaton for ASCII-case-insensitive `patterns`, or None when it does not fit the compact form (more
    /// than 65,535 states, more than 64 byte classes, or no byte left unused by the keywords); the caller then
    /// keeps using its NFA.
    pub fn new(patterns: &[String]) -> Option<KeywordDfa> {
        let dfa = DFA::builder().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(patterns).ok()?;
        let mut used = [false; 256];
        for &b in patterns.iter().flat_map(|p| p.as_bytes()) {
            used[b.to_ascii_lowercase() as usize] = true;
        }
        // Bytes in no keyword all behave alike in the DFA, so one representative each class is enough to read the
        // DFA's transitions out.
        let mut reps = vec![(0..=255u8).find(|b| !used[b.to_ascii_lowercase() as usize])?];
        let mut class_of_folded = [0u8; 256];
        for b in 0..=255u8 {
            if used[b as usize] {
                class_of_folded[b as usize] = reps.len() as u8;
                reps.push(b);
            }
        }
        let class: [u8; 256] = std::array::from_fn(|b| class_of_folded[(b as u8).to_ascii_lowercase() as usize]);
        if reps.len() > 1 << CLASS_BITS {
            return None;
        }

        // Every state reachable from the unanchored start, breadth first.
        let start = dfa.start_state(Anchored::No).ok()?;
        let mut states: Vec<StateID> = vec![start];
        let mut index: HashMap<StateID, usize, StateIdBuild> = HashMap::default();
        index.insert(start, 0);
        let mut i = 0;
        while i < states.len() {
            for &b in &reps {
                let next = dfa.next_state(Anchored::No, states[i], b);
                index.entry(next).or_insert_with(|| {
                    states.push(next);
                    states.len() - 1
                });
            }
            i += 1;
        }
        if states.len() > usize::from(u16::MAX) {
            return None;
        }
        // Match states first, so one comparison tells the hot loop whether to stop.
        let mut order: Vec<usize> = (0..states.len()).collect();
        order.sort_by_key(|&i| !dfa.is_match(states[i]));
        let mut renumbered = vec![0u16; states.len()];
        for (new, &old) in order.iter().enumerate() {
            renumbered[old] = new as u16;
        }
        let mut trans = vec![0u16; states.len() << CLASS_BITS];
        let mut match_ranges = Vec::new();
        let mut matches = Vec::new();
        for (new, &old) in order.iter().enumerate() {
            let sid = states[old];
            for (c, &b) in reps.iter().enumerate() {
                trans[new << CLASS_BITS | c] = renumbered[index[&dfa.next_state(Anchored::No, sid, b)]];
            }
            if dfa.is_match(sid) {
                let first = matches.len() as u32;
                for j in 0..dfa.match_len(sid) {
                    let p = dfa.match_pattern(sid, j);
                    matches.push((p.as_u32(), dfa.pattern_len(p) as u32));
                }
                match_ranges.push((first, matches.len() as u32));
            }
        }
        Some(KeywordDfa {
            class,
            trans: Cow::Owned(trans),
            start: renumbered[0],
            matching: match_ranges.len() as u16,
            match_ranges,
            matches,
            max_len: patterns.iter().map(|p| p.len()).max().unwrap_or(0),
        })
    }

    /// The table as bytes, for `build.rs` to embed the built-in rules' DFA (read back by `from_static`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(300 + 2 * self.trans.len() + 8 * (self.match_ranges.len() + self.matches.len()));
        out.extend_from_slice(&self.class);
        for n in [self.trans.len(), self.match_ranges.len(), self.matches.len(), self.max_len] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.matching.to_le_bytes());
        out.extend(self.trans.iter().flat_map(|t| t.to_le_bytes()));
        for &(a, b) in self.match_ranges.iter().chain(&self.matches) {
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
        }
        out
    }

    /// Reads what `to_bytes` wrote into a table the binary holds (`build.rs` embeds one), checking everything the
    /// search relies on (every state and class in range, match ranges inside the match list), so even a damaged
    /// table cannot send the search out of bounds. Its transitions are used in place when they are little-endian
    /// and aligned for `u16` (as `build.rs` embeds them), else copied.
    pub fn from_static(bytes: &'static [u8]) -> Option<KeywordDfa> {
        Self::read(bytes, |raw| {
            if cfg!(target_endian = "little") {
                // SAFETY: every bit pattern is a valid u16; `align_to` only returns the aligned middle.
                let (head, middle, tail) = unsafe { raw.align_to::<u16>() };
                if head.is_empty() && tail.is_empty() {
                    return Cow::Borrowed(middle);
                }
            }
            Cow::Owned(decode_u16(raw))
        })
    }

    /// [`from_static`](Self::from_static) of bytes that live shorter (the tests' damaged tables): always copied.
    #[cfg(test)]
    pub fn from_bytes(bytes: &[u8]) -> Option<KeywordDfa> {
        Self::read(bytes, |raw| Cow::Owned(decode_u16(raw)))
    }

    #[cfg(test)]
    pub fn borrows_its_table(&self) -> bool {
        matches!(self.trans, Cow::Borrowed(_))
    }

    fn read<'b>(bytes: &'b [u8], transitions: impl FnOnce(&'b [u8]) -> Cow<'static, [u16]>) -> Option<KeywordDfa> {
        let mut at: usize = 0;
        let mut take = |n: usize| -> Option<&[u8]> {
            let part = bytes.get(at..at.checked_add(n)?)?;
            at += n;
            Some(part)
        };
        let class: [u8; 256] = take(256)?.try_into().ok()?;
        let mut counts = [0usize; 4];
        for c in &mut counts {
            *c = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        }
        let [trans_len, ranges_len, matches_len, max_len] = counts;
        let start = u16::from_le_bytes(take(2)?.try_into().ok()?);
        let matching = u16::from_le_bytes(take(2)?.try_into().ok()?);
        let trans = transitions(take(trans_len.checked_mul(2)?)?);
        let mut pairs = |n: usize| -> Option<Vec<(u32, u32)>> {
            let raw = take(n.checked_mul(8)?)?;
            Some(
                raw.chunks_exact(8)
                    .map(|b| {
                        (u32::from_le_bytes([b[0], b[1], b[2], b[3]]), u32::from_le_bytes([b[4], b[5], b[6], b[7]]))
                    })
                    .collect(),
            )
        };
        let match_ranges = pairs(ranges_len)?;
        let matches = pairs(matches_len)?;
        if at != bytes.len() {
            return None;
        }
        let states = trans.len() >> CLASS_BITS;
        let sound = trans.len() == states << CLASS_BITS
            && usize::from(start) < states
            && usize::from(matching) == match_ranges.len()
            && class.iter().all(|&c| u32::from(c) < 1 << CLASS_BITS)
            && trans.iter().all(|&t| usize::from(t) < states)
            && match_ranges.iter().all(|&(a, b)| a <= b && b as usize <= matches.len())
            && matches.iter().all(|&(_, len)| len as usize <= max_len);
        sound.then_some(KeywordDfa { class, trans, start, matching, match_ranges, matches, max_len })
    }

    /// Replaces `hits` with every keyword occurrence in `hay` (overlapping ones too), ordered by end offset.
    pub fn find_overlapping(&self, hay: &[u8], hits: &mut Vec<KeywordHit>) {
        hits.clear();
        if hay.len() < SPLIT_AFTER {
            return self.extend_hits(hay, 0, 0, hits);
        }
        // Part k owns the hits that start in `owned[k]` and is walked until its last owned start could still end a
        // keyword. Each part starts in the start state, which finds every occurrence starting at or after it.
        let n = hay.len();
        let owned: [std::ops::Range<usize>; STREAMS] =
            std::array::from_fn(|k| k * n / STREAMS..if k + 1 == STREAMS { n } else { (k + 1) * n / STREAMS });
        let stop: [usize; STREAMS] = std::array::from_fn(|k| (owned[k].end + self.max_len.saturating_sub(1)).min(n));
        let common = (0..STREAMS).map(|k| stop[k] - owned[k].start).min().unwrap_or(0);
        let parts: [&[u8]; STREAMS] = std::array::from_fn(|k| &hay[owned[k].start..owned[k].start + common]);
        let mut state = [self.start; STREAMS];
        let mut i = 0;
        while i < common {
            // Zipped iterators carry no per-byte bounds checks (indexing the three parts did: a third of this
            // loop's instructions). A hit leaves the loop; it is rebuilt from the next offset, every few hundred
            // bytes on source code.
            let lockstep = parts[0][i..].iter().zip(&parts[1][i..]).zip(&parts[2][i..]);
            for ((&a, &b), &c) in lockstep {
                state = [self.step(state[0], a), self.step(state[1], b), self.step(state[2], c)];
                i += 1;
                if (state[0] < self.matching) | (state[1] < self.matching) | (state[2] < self.matching) {
                    break;
                }
            }
            for k in 0..STREAMS {
                if state[k] < self.matching {
                    self.report(state[k], owned[k].start + i, owned[k].clone(), hits);
                }
            }
        }
        // The parts differ in length by a byte or two at most: finish each alone.
        for k in 0..STREAMS {
            let from = owned[k].start + common;
            for (at, &byte) in (from..).zip(&hay[from..stop[k]]) {
                state[k] = self.step(state[k], byte);
                if state[k] < self.matching {
                    self.report(state[k], at + 1, owned[k].clone(), hits);
                }
            }
        }
        // aho-corasick's order: by end, and for one end the longest keyword (earliest start) first.
        hits.sort_unstable_by_key(|h| (h.end, h.start));
    }

    /// Appends the occurrences in `hay`, which sits at `offset` in its content, that end at or after `min_end`
    /// (a content offset), ordered by end; their offsets are the content's. Walked in one piece.
    pub fn extend_hits(&self, hay: &[u8], offset: usize, min_end: usize, hits: &mut Vec<KeywordHit>) {
        let mut state = self.start;
        let mut at = 0;
        while at < hay.len() {
            // Only the state and the offset live across this loop's iterations.
            while at < hay.len() {
                state = self.step(state, hay[at]);
                at += 1;
                if state < self.matching {
                    break;
                }
            }
            if state < self.matching && offset + at >= min_end {
                self.report(state, offset + at, 0..usize::MAX, hits);
            }
        }
    }

    #[inline(always)]
    fn step(&self, state: u16, byte: u8) -> u16 {
        let at = usize::from(state) << CLASS_BITS | usize::from(self.class[usize::from(byte)]);
        debug_assert!(at < self.trans.len());
        // SAFETY: `state` is the start state or an entry of `trans`, so below `trans.len() >> CLASS_BITS` (the
        // invariant `new` establishes: every reachable state has a full row), and every class is below
        // `1 << CLASS_BITS` (`new` refuses more classes). The bounds check this skips, with the loads it forced
        // out of registers, was half of the lockstep loop's instructions (14 → 7 a byte under callgrind).
        unsafe { *self.trans.get_unchecked(at) }
    }

    /// Out of line so that the hot loops keep their state in registers.
    #[inline(never)]
    fn report(&self, state: u16, end: usize, owned: std::ops::Range<usize>, hits: &mut Vec<KeywordHit>) {
        let (first, last) = self.match_ranges[usize::from(state)];
        for &(pattern, len) in &self.matches[first as usize..last as usize] {
            let start = end - len as usize;
            if owned.contains(&start) {
                hits.push(KeywordHit { pattern, start, end });
            }
        }
    }
}

/// aho-corasick's state ids are distinct integers below a few million (multiples of the table's stride): one
/// multiplication spreads them well enough, where SipHash cost 36 M of the 82 M instructions this table took to
/// build. The product's well-mixed high half is returned as the low bits, which pick the bucket.
#[derive(Default)]
struct StateIdHasher(u64);

impl std::hash::Hasher for StateIdHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type StateIdBuild = std::hash::BuildHasherDefault<StateIdHasher>;

fn decode_u16(raw: &[u8]) -> Vec<u16> {
    raw.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect()
}

#[cfg(test)]
mod tests {
    use super::{KeywordDfa, KeywordHit, SPLIT_AFTER};
    use aho_corasick::{AhoCorasickBuilder, MatchKind};

    fn library_hits(patterns: &[String], hay: &[u8]) -> Vec<KeywordHit> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .unwrap();
        ac.find_overlapping_iter(hay)
            .map(|m| KeywordHit { pattern: m.pattern().as_u32(), start: m.start(), end: m.end() })
            .collect()
    }

    /// Nested keywords (suffixes of each other, overlapping), mixed case, and keywords straddling the points
    /// where the content is split: the compact DFA must report exactly what aho-corasick reports, in its order.
    #[test]
    fn hits_equal_aho_corasick_overlapping_search() {
        let patterns: Vec<String> =
            ["key", "apikey", "pikey", "api_", "secret", "cret", "ghp_", "akia", "a", "kk", "token", "en"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let dfa = KeywordDfa::new(&patterns).unwrap();
        let mut rng = crate::test_rng::TestRng::new(0x2545_f491_4f6c_dd1d);
        let alphabet = b"apikeyAPIKEYsecrtoknghp_AKIAkx \n=\"\xc3\xa9";
        for len in [0, 1, 7, 100, SPLIT_AFTER - 1, SPLIT_AFTER, SPLIT_AFTER + 1, 3 * SPLIT_AFTER + 2, 50_000] {
            let hay: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let mut hits = Vec::new();
            dfa.find_overlapping(&hay, &mut hits);
            assert_eq!(hits, library_hits(&patterns, &hay), "length {len}");
        }
    }

    #[test]
    fn built_in_keywords_fit_the_compact_form() {
        let rules = crate::rules::builtin_rules().unwrap();
        let set = crate::rules::RuleSet::new(rules).unwrap();
        let hay = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine/mod.rs")).unwrap();
        let dfa = KeywordDfa::new(set.patterns()).expect("built-in keywords fit");
        let mut hits = Vec::new();
        dfa.find_overlapping(&hay, &mut hits);
        assert!(!hits.is_empty());
        assert_eq!(hits, library_hits(set.patterns(), &hay));
    }
}
