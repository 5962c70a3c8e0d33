//! How [`PackedTrees`] keeps its trees: each one a record of 32-bit words, either its entries whole or the edits
//! that make it from its delta base, found through a 4-byte place per packed object. Before, each tree was a boxed
//! slice behind a 24-byte slot per packed object, whatever its kind: on the 0.25-scale mirror-shaped history the
//! slots alone took 10.5 MB, and a million small boxes each carried the allocator's rounding.
//!
//! A record starts with a header word: the top bit set for edits, clear for entries; the low 31 bits count the
//! entries (two words each), or the words of edits that follow the base's id. An edit word has its kind in the top
//! two bits (keep the base's next n entries, skip them, or add the n entries that follow, two words each) and n
//! in the rest.
//!
//! [`PackedTrees`]: super::packed_trees::PackedTrees
use std::sync::atomic::{AtomicU32, Ordering};

/// A tree entry as two words; what the bits mean is `PackedTrees`' business.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub child: u32,
    pub name: u32,
}

/// Builds a tree from its base's entries, in order: keep the next n, skip the next n, or add one. Base entries
/// left over at the end are dropped.
#[derive(Clone, Copy)]
pub(super) enum Edit {
    Keep(u32),
    Skip(u32),
    Add(Entry),
}

const EDITED: u32 = 1 << 31;
const OP_SHIFT: u32 = 30;
const COUNT_MASK: u32 = (1 << OP_SHIFT) - 1;
const KEEP: u32 = 0;
const SKIP: u32 = 1;
const ADD: u32 = 2;

/// Records are written into chunks of this many words (4 MB), each allocated once at its full size: an arena
/// that grew by doubling held its old and new buffers at once, and on a mirror-sized history the trees' peak
/// was twice what they keep.
const CHUNK_SHIFT: u32 = 20;
const CHUNK_WORDS: usize = 1 << CHUNK_SHIFT;
/// Chunk numbers: a record's place is its chunk's number times `CHUNK_WORDS` plus its offset, in 32 bits.
const MAX_CHUNKS: u32 = 1 << (32 - CHUNK_SHIFT);

/// Hands out chunk numbers to the threads that fill arenas, so that a record's place means the same in all of
/// them; a record larger than a chunk takes a run of numbers.
#[derive(Default)]
pub(super) struct ChunkNumbers(AtomicU32);

/// One thread's records, in chunks numbered by [`ChunkNumbers`].
#[derive(Default)]
pub(super) struct Arena {
    /// Each chunk's first number and words, in the order they were filled (so by number).
    chunks: Vec<(u32, Vec<u32>)>,
}

/// A record as read back.
pub(super) enum Record<'a> {
    Whole(&'a [u32]),
    Edited { base: u32, ops: &'a [u32] },
}

impl Arena {
    /// Where the next `words` words go: the current chunk if they fit, else a new one; `None` past 16 GB.
    fn room(&mut self, words: usize, numbers: &ChunkNumbers) -> Option<&mut Vec<u32>> {
        let fits = self.chunks.last().is_some_and(|(_, c)| c.capacity() - c.len() >= words);
        if !fits {
            let count = u32::try_from(words.div_ceil(CHUNK_WORDS).max(1)).ok()?;
            let first = numbers.0.fetch_add(count, Ordering::Relaxed);
            if first.checked_add(count).is_none_or(|end| end > MAX_CHUNKS) {
                return None;
            }
            self.chunks.push((first, Vec::with_capacity(count as usize * CHUNK_WORDS)));
        }
        self.chunks.last_mut().map(|(_, c)| c)
    }

    /// The place of the next word written to `chunk` (the last chunk).
    fn place(&self) -> u32 {
        let (first, chunk) = self.chunks.last().expect("a chunk");
        (first << CHUNK_SHIFT) + chunk.len() as u32
    }

    /// Appends a tree's entries: its place, or `None` (and nothing appended) for a tree too large to count in a
    /// header or past the last chunk.
    pub fn push_whole(&mut self, entries: &[Entry], numbers: &ChunkNumbers) -> Option<u32> {
        let count = u32::try_from(entries.len()).ok().filter(|&n| n < EDITED)?;
        let chunk = self.room(1 + 2 * entries.len(), numbers)?;
        chunk.push(count);
        for e in entries {
            chunk.extend([e.child, e.name]);
        }
        Some(self.place() - 1 - 2 * count)
    }

    /// Appends a tree as edits to its base (consecutive additions share one edit word): its place, or `None`
    /// (and nothing appended) where a count does not fit.
    pub fn push_edited(&mut self, base: u32, edits: &[Edit], numbers: &ChunkNumbers) -> Option<u32> {
        let chunk = self.room(2 + 3 * edits.len(), numbers)?;
        let at = chunk.len();
        chunk.extend([EDITED, base]);
        let mut run_at = None;
        for edit in edits {
            let (op, n) = match *edit {
                Edit::Keep(n) => (KEEP, n),
                Edit::Skip(n) => (SKIP, n),
                Edit::Add(e) => {
                    match run_at {
                        Some(r) if chunk[r] & COUNT_MASK < COUNT_MASK => chunk[r] += 1,
                        _ => {
                            run_at = Some(chunk.len());
                            chunk.push(ADD << OP_SHIFT | 1);
                        }
                    }
                    chunk.extend([e.child, e.name]);
                    continue;
                }
            };
            run_at = None;
            if n > COUNT_MASK {
                chunk.truncate(at);
                return None;
            }
            chunk.push(op << OP_SHIFT | n);
        }
        // At most 3 words an edit: no count of edit words reaches the header's top bit.
        chunk[at] = EDITED | (chunk.len() - at - 2) as u32;
        let len = chunk.len();
        Some(self.place() - (len - at) as u32)
    }

    /// Changes every entry of every record in place (renumbering names and ids when parts are merged).
    pub fn for_each_entry_mut(&mut self, mut change: impl FnMut(&mut Entry)) {
        let mut change_pairs = |pairs: &mut [u32]| {
            for pair in pairs.chunks_exact_mut(2) {
                let mut e = Entry { child: pair[0], name: pair[1] };
                change(&mut e);
                (pair[0], pair[1]) = (e.child, e.name);
            }
        };
        for (_, words) in &mut self.chunks {
            let mut at = 0;
            while at < words.len() {
                let header = words[at];
                let count = (header & !EDITED) as usize;
                if header & EDITED == 0 {
                    change_pairs(&mut words[at + 1..at + 1 + 2 * count]);
                    at += 1 + 2 * count;
                    continue;
                }
                let end = at + 2 + count;
                let mut op = at + 2;
                while op < end {
                    let (kind, n) = (words[op] >> OP_SHIFT, (words[op] & COUNT_MASK) as usize);
                    op += 1;
                    if kind == ADD {
                        change_pairs(&mut words[op..op + 2 * n]);
                        op += 2 * n;
                    }
                }
                at = end;
            }
        }
    }
}

/// Every thread's records, found by place.
#[derive(Default)]
pub(super) struct Records {
    chunks: Vec<(u32, Vec<u32>)>,
}

impl Records {
    pub fn new(arenas: Vec<Arena>) -> Records {
        let mut chunks: Vec<(u32, Vec<u32>)> = arenas.into_iter().flat_map(|a| a.chunks).collect();
        chunks.sort_unstable_by_key(|(first, _)| *first);
        Records { chunks }
    }

    pub fn record(&self, place: u32) -> Record<'_> {
        let number = place >> CHUNK_SHIFT;
        let (first, words) = &self.chunks[self.chunks.partition_point(|(first, _)| *first <= number) - 1];
        let at = (place - (first << CHUNK_SHIFT)) as usize;
        let header = words[at];
        let count = (header & !EDITED) as usize;
        if header & EDITED == 0 {
            Record::Whole(&words[at + 1..at + 1 + 2 * count])
        } else {
            Record::Edited { base: words[at + 1], ops: &words[at + 2..at + 2 + count] }
        }
    }
}

/// The entries of a whole record.
pub(super) fn entries(pairs: &[u32]) -> impl Iterator<Item = Entry> + '_ {
    pairs.chunks_exact(2).map(|p| Entry { child: p[0], name: p[1] })
}

/// The tree an edited record makes from its base's entries, in `out`.
pub(super) fn apply<T: Copy + From<Entry>>(ops: &[u32], base: &[T], out: &mut Vec<T>) {
    out.clear();
    let (mut at, mut from) = (0, 0);
    while at < ops.len() {
        let (kind, n) = (ops[at] >> OP_SHIFT, (ops[at] & COUNT_MASK) as usize);
        at += 1;
        match kind {
            KEEP => {
                out.extend_from_slice(&base[from.min(base.len())..(from + n).min(base.len())]);
                from += n;
            }
            SKIP => from += n,
            _ => {
                out.extend(entries(&ops[at..at + 2 * n]).map(T::from));
                at += 2 * n;
            }
        }
    }
}

/// The entries an edited record adds, in order.
pub(super) fn added(ops: &[u32]) -> impl Iterator<Item = Entry> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < ops.len() {
            let (kind, n) = (ops[at] >> OP_SHIFT, (ops[at] & COUNT_MASK) as usize);
            at += 1;
            if kind == ADD {
                let run = &ops[at..at + 2 * n];
                at += 2 * n;
                return Some(run);
            }
        }
        None
    })
    .flat_map(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(child: u32, name: u32) -> Entry {
        Entry { child, name }
    }

    #[test]
    fn records_read_back_as_written() {
        let (numbers, mut arena, mut other) = (ChunkNumbers::default(), Arena::default(), Arena::default());
        let base = [e(1, 10), e(2, 20), e(3, 30), e(4, 40)];
        let whole = arena.push_whole(&base, &numbers).unwrap();
        // Another thread's record, in a chunk of its own.
        let elsewhere = other.push_whole(&[e(9, 90)], &numbers).unwrap();
        let edits = [Edit::Keep(1), Edit::Skip(1), Edit::Add(e(5, 25)), Edit::Add(e(6, 26)), Edit::Keep(1)];
        let edited = arena.push_edited(7, &edits, &numbers).unwrap();
        let empty = arena.push_whole(&[], &numbers).unwrap();
        // A record larger than a chunk takes a run of chunk numbers (three here), and what follows it fills the
        // rest of the run.
        let large: Vec<Entry> = (0..CHUNK_WORDS as u32).map(|i| e(i, i)).collect();
        let large_at = arena.push_whole(&large, &numbers).unwrap();
        let after = arena.push_whole(&base[..1], &numbers).unwrap();
        let past_large = (2 << CHUNK_SHIFT) + 2 * CHUNK_WORDS as u32 + 1;
        assert_eq!((whole, elsewhere, large_at, after), (0, 1 << CHUNK_SHIFT, 2 << CHUNK_SHIFT, past_large));
        assert_eq!(other.push_whole(&base, &numbers), Some(1 << CHUNK_SHIFT | 3));
        // Renumbering reaches the entries of both kinds of record, and nothing else.
        arena.for_each_entry_mut(|x| x.name += 1000);
        let records = Records::new(vec![other, arena]);
        let Record::Whole(pairs) = records.record(whole) else { panic!("whole") };
        assert_eq!(entries(pairs).map(|x| x.name).collect::<Vec<_>>(), [1010, 1020, 1030, 1040]);
        let Record::Edited { base: b, ops } = records.record(edited) else { panic!("edited") };
        assert_eq!(b, 7);
        let mut out = Vec::new();
        apply(ops, &base, &mut out);
        assert_eq!(out, [e(1, 10), e(5, 1025), e(6, 1026), e(3, 30)]);
        assert_eq!(added(ops).collect::<Vec<_>>(), [e(5, 1025), e(6, 1026)]);
        assert!(matches!(records.record(empty), Record::Whole([])));
        let Record::Whole(pairs) = records.record(elsewhere) else { panic!("whole") };
        assert_eq!(entries(pairs).collect::<Vec<_>>(), [e(9, 90)]);
        let Record::Whole(pairs) = records.record(large_at) else { panic!("whole") };
        assert_eq!(
            (pairs.len(), entries(pairs).last()),
            (2 * CHUNK_WORDS, Some(e(CHUNK_WORDS as u32 - 1, CHUNK_WORDS as u32 + 999)))
        );
        let Record::Whole(pairs) = records.record(after) else { panic!("whole") };
        assert_eq!(entries(pairs).collect::<Vec<_>>(), [e(1, 1010)]);
    }

    #[test]
    fn counts_that_do_not_fit_leave_nothing_behind() {
        let (numbers, mut arena) = (ChunkNumbers::default(), Arena::default());
        arena.push_whole(&[e(1, 1)], &numbers).unwrap();
        assert_eq!(arena.push_edited(1, &[Edit::Keep(COUNT_MASK + 1)], &numbers), None);
        assert_eq!(arena.chunks[0].1.len(), 3);
        let exhausted = ChunkNumbers(AtomicU32::new(MAX_CHUNKS));
        assert_eq!(Arena::default().push_whole(&[e(1, 1)], &exhausted), None);
    }
}
