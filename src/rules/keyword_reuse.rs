//! Keyword occurrences of content rebuilt from those of a base it was made from (a git delta's), searching only
//! the bytes that differ. A history holds each file in many versions that mostly repeat one another, and after
//! inflating them, the keyword search was the largest cost of an audit.
//!
//! Why this is exact: no automaton pattern is longer than `max_len` bytes, so which keywords end at an offset
//! depends only on the `max_len` bytes before it. Where those bytes lie inside one range copied from the base,
//! the keywords ending there are the base's, shifted; every other end is searched again.
use std::ops::Range;

use super::keyword_dfa::KeywordHit;

/// Rebuilds `hits` (replaced, ordered by end, as a full search orders them) for content of `len` bytes from the
/// hits of its base (of `base_len` bytes, all of them, in that order). `copied` lists, in content order, each
/// range copied from the base as (offset in content, offset in base, length). `search(from, ends, hits)` must
/// append, in order, every occurrence whose end lies in `ends`, searching from `from`, before which none of them
/// starts. Copied ranges out of order or out of bounds are searched rather than trusted.
pub(super) fn rebuild(
    len: usize,
    base_len: usize,
    base_hits: &[KeywordHit],
    copied: impl IntoIterator<Item = (usize, usize, usize)>,
    max_len: usize,
    mut search: impl FnMut(usize, Range<usize>, &mut Vec<KeywordHit>),
    hits: &mut Vec<KeywordHit>,
) {
    hits.clear();
    // Every end below `done` has been handled.
    let mut done = 1;
    let mut search_up_to = |end: usize, done: &mut usize, hits: &mut Vec<KeywordHit>| {
        if end > *done {
            search(done.saturating_sub(max_len), *done..end, hits);
            *done = end;
        }
    };
    for (to, from, n) in copied {
        // The ends whose `max_len` bytes before them all lie in this range.
        let trusted = to.saturating_add(max_len.max(1))..to.saturating_add(n).saturating_add(1);
        let in_bounds =
            to.checked_add(n).is_some_and(|end| end <= len) && from.checked_add(n).is_some_and(|end| end <= base_len);
        if !in_bounds || trusted.start >= trusted.end {
            continue;
        }
        search_up_to(trusted.start, &mut done, hits);
        if trusted.start < done {
            continue;
        }
        // The base's ends that correspond: shifted by `from - to`.
        let base_ends = trusted.start - to + from..trusted.end - to + from;
        let first = base_hits.partition_point(|h| h.end < base_ends.start);
        let last = base_hits.partition_point(|h| h.end < base_ends.end);
        hits.extend(base_hits[first..last].iter().map(|h| KeywordHit {
            pattern: h.pattern,
            start: h.start - from + to,
            end: h.end - from + to,
        }));
        done = trusted.end;
    }
    search_up_to(len + 1, &mut done, hits);
}

#[cfg(test)]
mod tests {
    use super::rebuild;
    use crate::rules::{KeywordHit, RuleSet};
    use crate::test_rng::TestRng;

    /// Text dense in keywords (the automaton's own patterns, in both cases) between runs of other bytes.
    fn text(rng: &mut TestRng, set: &RuleSet, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            match rng.below(4) {
                0 => out.extend(b" =\n\"_-:"[..1 + rng.below(6)].iter()),
                1 => out.extend((0..rng.below(12)).map(|_| b'a' + rng.below(26) as u8)),
                _ => {
                    let p = set.patterns()[rng.below(set.patterns().len())].as_bytes();
                    let upper = rng.below(2) == 0;
                    out.extend(p.iter().map(|b| if upper { b.to_ascii_uppercase() } else { *b }));
                }
            }
        }
        out
    }

    /// A delta's result: copies of the base's ranges and inserted text, with what it copied.
    fn derived(rng: &mut TestRng, set: &RuleSet, base: &[u8]) -> (Vec<u8>, Vec<(usize, usize, usize)>) {
        let mut out = Vec::new();
        let mut copied = Vec::new();
        for _ in 0..1 + rng.below(12) {
            if rng.below(3) > 0 && !base.is_empty() {
                let from = rng.below(base.len());
                let len = 1 + rng.below((base.len() - from).min(300));
                copied.push((out.len(), from, len));
                out.extend_from_slice(&base[from..from + len]);
            } else {
                let len = rng.below(20);
                out.extend(text(rng, set, len));
            }
        }
        (out, copied)
    }

    fn rebuilt(
        set: &RuleSet,
        content: &[u8],
        base: &[u8],
        base_hits: &[KeywordHit],
        copied: &[(usize, usize, usize)],
    ) -> Vec<KeywordHit> {
        let mut hits = vec![KeywordHit { pattern: 0, start: 0, end: 0 }];
        let search = |from, ends, hits: &mut Vec<_>| set.keyword_hits_ending_in(content, from, ends, hits);
        let (len, max_len) = (content.len(), set.max_pattern_len());
        rebuild(len, base.len(), base_hits, copied.iter().copied(), max_len, search, &mut hits);
        hits
    }

    fn hits(set: &RuleSet, content: &[u8]) -> Vec<KeywordHit> {
        let mut hits = Vec::new();
        set.keyword_hits(content, &mut hits);
        hits
    }

    /// Along chains of deltas (each made from the one before), the rebuilt hits are those a full search finds,
    /// in its order: for the built-in table and for a rule set of its own (searched with its NFA).
    #[test]
    fn rebuilt_hits_are_those_of_a_full_search() {
        let builtin = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        let custom = crate::rules::parse_rule_file(
            "test",
            "[[rules]]\nid = \"custom\"\ndescription = \"d\"\nregex = 'zq[0-9]{4}'\nkeywords = [\"zq\", \"zqzqx\", \"longer-than-eight\"]\n",
        )
        .unwrap();
        let own = RuleSet::new(custom).unwrap();
        let mut rng = TestRng::new(0x5eed);
        for set in [&builtin, &own] {
            let mut checked = 0;
            for _ in 0..200 {
                let len = rng.below(600);
                let mut base = text(&mut rng, set, len);
                let mut base_hits = hits(set, &base);
                for _ in 0..5 {
                    let (content, copied) = derived(&mut rng, set, &base);
                    let rebuilt = rebuilt(set, &content, &base, &base_hits, &copied);
                    assert_eq!(rebuilt, hits(set, &content), "{:?} from {:?}", content, copied);
                    checked += rebuilt.len();
                    (base, base_hits) = (content, rebuilt);
                }
            }
            assert!(checked > 1000, "too few keywords to tell: {checked}");
        }
    }

    /// Ranges that do not fit the content or the base (never made by a sound delta) are searched, not trusted.
    #[test]
    fn ranges_out_of_bounds_are_searched() {
        let set = RuleSet::new(crate::rules::builtin_rules().unwrap()).unwrap();
        let base = b"password = x; token = y; secret = z".to_vec();
        let content = b"token = y; secret = z; password = x".to_vec();
        let base_hits = hits(&set, &base);
        for copied in [(0, 14, 30), (0, 14, 20), (20, 0, 20), (usize::MAX, 0, 20)] {
            let rebuilt = rebuilt(&set, &content, &base, &base_hits, &[copied]);
            assert_eq!(rebuilt, hits(&set, &content), "{copied:?}");
        }
        // A range within bounds is trusted, true or not: the hits it claims come from the base.
        let claimed = rebuilt(&set, &content, &base, &base_hits, &[(15, 14, 20)]);
        assert_ne!(claimed, hits(&set, &content));
    }
}
