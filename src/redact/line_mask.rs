//! Masking any number of secrets in a line in one pass. A file can hold thousands of findings on one line (a
//! minified bundle, a key dump), and every finding quotes an excerpt of that line: masking each excerpt once per
//! secret on the line made a report quadratic in the findings. Here the secrets of a line are indexed once, and
//! each excerpt costs its own length plus what it matches.
//!
//! What is masked, and how, is what masking the secrets one after the other would give (longest first, every
//! copy, then a piece cut off at either end of the line): each masked stretch is claimed as a span of the
//! original line, and a later, shorter secret cannot match inside a stretch an earlier one claimed. One thing
//! differs on purpose: a piece cut off at the end of an excerpt is masked even when a whole copy of the same
//! secret is on the line too (a minified line that repeats a token); masked one after the other, it was not.
use aho_corasick::AhoCorasick;

use super::redact;

/// A cut-off piece of a secret shorter than this stays as it is: [`redact`] itself shows up to 4 characters.
pub const MIN_PIECE: usize = 5;

/// The secrets of one line, indexed to mask excerpts of it.
pub struct LineMasker {
    /// First lines (a multi-line secret's line is its first), distinct, longest first; equal lengths in the
    /// order given.
    secrets: Vec<String>,
    /// Finds every copy of every secret, overlapping ones too; `None` for one secret (a plain substring search).
    many: Option<AhoCorasick>,
    /// (first `MIN_PIECE` bytes, secret) and (last `MIN_PIECE` bytes, secret), sorted: where a cut-off piece
    /// can start or end.
    heads: Vec<([u8; MIN_PIECE], u32)>,
    tails: Vec<([u8; MIN_PIECE], u32)>,
    longest: usize,
}

/// The stretches of a line claimed so far: no two overlap.
struct Claims {
    claimed: Vec<bool>,
    list: Vec<(usize, usize, Mask)>,
    /// The end of the last stretch and the start of the first: a cut-off piece lies beyond them.
    after: usize,
    before: usize,
}

impl Claims {
    fn claim(&mut self, start: usize, end: usize, mask: Mask) {
        self.claimed[start..end].iter_mut().for_each(|c| *c = true);
        self.list.push((start, end, mask));
        self.after = self.after.max(end);
        self.before = self.before.min(start);
    }
}

/// What replaces a claimed stretch of the line.
#[derive(Clone, Copy)]
enum Mask {
    /// The secret's redacted form (its start is in the stretch).
    Redacted(u32),
    /// Only stars: the stretch is the end of a secret that started before the line.
    Stars,
}

impl LineMasker {
    pub fn new<S: AsRef<str>>(secrets: &[S]) -> LineMasker {
        let mut seen = std::collections::HashSet::new();
        let mut list: Vec<String> = Vec::new();
        for s in secrets {
            let first = s.as_ref().lines().next().unwrap_or("");
            if !first.is_empty() && seen.insert(first) {
                list.push(first.to_string());
            }
        }
        // Longest first, so that a secret inside a longer one does not leave the longer one's rest in the clear.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let many = if list.len() > 1 {
            // Building fails only past limits a line's secrets cannot reach; a plain search per secret stands in.
            AhoCorasick::new(&list).ok()
        } else {
            None
        };
        let key = |b: &[u8]| -> [u8; MIN_PIECE] { b.try_into().expect("MIN_PIECE bytes") };
        let long = || list.iter().enumerate().filter(|(_, s)| s.len() >= MIN_PIECE);
        let mut heads: Vec<_> = long().map(|(i, s)| (key(&s.as_bytes()[..MIN_PIECE]), i as u32)).collect();
        let mut tails: Vec<_> = long().map(|(i, s)| (key(&s.as_bytes()[s.len() - MIN_PIECE..]), i as u32)).collect();
        heads.sort_unstable();
        tails.sort_unstable();
        let longest = list.first().map_or(0, String::len);
        LineMasker { secrets: list, many, heads, tails, longest }
    }

    /// `line` with every copy of each secret, and a piece of one cut off at either end, masked.
    pub fn mask(&self, line: &str) -> String {
        if self.secrets.is_empty() {
            return line.to_string();
        }
        let bytes = line.as_bytes();
        let n = bytes.len();
        let copies = self.copies(line);
        let ends = self.end_pieces(bytes);
        let starts = self.start_pieces(bytes);
        let mut involved: Vec<u32> =
            copies.iter().map(|c| c.0).chain(ends.iter().map(|e| e.0)).chain(starts.iter().map(|s| s.0)).collect();
        involved.sort_unstable();
        involved.dedup();

        let mut claims = Claims { claimed: vec![false; n], list: Vec::new(), after: 0, before: n };
        let (mut c, mut e, mut s) = (0, 0, 0);
        for id in involved {
            let len = self.secrets[id as usize].len();
            // Stretches claimed so far belong to secrets at least this long, or run to an end of the line: a copy
            // that overlaps one has an end inside it.
            while c < copies.len() && copies[c].0 == id {
                let at = copies[c].1;
                if !claims.claimed[at] && !claims.claimed[at + len - 1] {
                    claims.claim(at, at + len, Mask::Redacted(id));
                }
                c += 1;
            }
            let mut piece_end = None;
            while e < ends.len() && ends[e].0 == id {
                if piece_end.is_none() && ends[e].1 >= claims.after {
                    piece_end = Some(ends[e].1);
                }
                e += 1;
            }
            if let Some(at) = piece_end {
                claims.claim(at, n, Mask::Redacted(id));
            }
            let mut piece_start = None;
            while s < starts.len() && starts[s].0 == id {
                if starts[s].1 <= claims.before {
                    piece_start = Some(starts[s].1);
                }
                s += 1;
            }
            if let Some(end) = piece_start {
                claims.claim(0, end, Mask::Stars);
            }
        }
        let mut claims = claims.list;
        claims.sort_unstable_by_key(|c| c.0);
        let mut out = String::with_capacity(n);
        let mut at = 0;
        for (start, end, mask) in claims {
            out.push_str(&line[at..start]);
            match mask {
                Mask::Redacted(id) => out.push_str(&redact(&self.secrets[id as usize])),
                Mask::Stars => out.push_str("*****"),
            }
            at = end;
        }
        out.push_str(&line[at..]);
        out
    }

    /// Every copy of every secret as (secret, start), sorted; overlapping copies included, since a copy
    /// that a longer secret claimed leaves the next, overlapping one to be masked.
    fn copies(&self, line: &str) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        match &self.many {
            Some(ac) => out.extend(ac.find_overlapping_iter(line).map(|m| (m.pattern().as_u32(), m.start()))),
            None => {
                for (id, s) in self.secrets.iter().enumerate() {
                    let finder = memchr::memmem::Finder::new(s.as_bytes());
                    let mut from = 0;
                    while let Some(i) = finder.find(&line.as_bytes()[from..]) {
                        out.push((id as u32, from + i));
                        from += i + 1;
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Where the line ends with the start of a secret (a piece of at least `MIN_PIECE` bytes), as (secret,
    /// offset), sorted: the first offset of a secret is its longest piece.
    fn end_pieces(&self, bytes: &[u8]) -> Vec<(u32, usize)> {
        let n = bytes.len();
        let mut out = Vec::new();
        if n < MIN_PIECE {
            return out;
        }
        for i in n.saturating_sub(self.longest)..=n - MIN_PIECE {
            let key = &bytes[i..i + MIN_PIECE];
            let from = self.heads.partition_point(|h| h.0.as_slice() < key);
            for &(_, id) in self.heads[from..].iter().take_while(|h| h.0.as_slice() == key) {
                if self.secrets[id as usize].as_bytes().starts_with(&bytes[i..]) {
                    out.push((id, i));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Where the line starts with the end of a secret, as (secret, end offset), sorted: the last offset of a
    /// secret is its longest piece.
    fn start_pieces(&self, bytes: &[u8]) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        for end in MIN_PIECE..=bytes.len().min(self.longest) {
            let key = &bytes[end - MIN_PIECE..end];
            let from = self.tails.partition_point(|t| t.0.as_slice() < key);
            for &(_, id) in self.tails[from..].iter().take_while(|t| t.0.as_slice() == key) {
                if self.secrets[id as usize].as_bytes().ends_with(&bytes[..end]) {
                    out.push((id, end));
                }
            }
        }
        out.sort_unstable();
        out
    }
}
