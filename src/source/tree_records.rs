//! How [`PackedTrees`] keeps its trees: each one a record of 32-bit words appended to an arena, either its entries
//! whole or the edits that make it from its delta base. A record per tree in one buffer, found through a 4-byte
//! place per packed object, where a boxed slice per tree behind a 24-byte slot per object (whatever its kind) took
//! about twice the memory on a mirror-shaped history, most of the difference the slots of blobs and commits and
//! the allocator's rounding of a million small boxes.
//!
//! A record starts with a header word: the top bit set for edits, clear for entries; the low 31 bits count the
//! entries (two words each), or the words of edits that follow the base's id. An edit word has its kind in the top
//! two bits (keep the base's next n entries, skip them, or add the n entries that follow, two words each) and n
//! in the rest.
//!
//! [`PackedTrees`]: super::packed_trees::PackedTrees

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

/// Records appended one after the other; a record is found by the offset [`push_whole`](Arena::push_whole) or
/// [`push_edited`](Arena::push_edited) returned.
#[derive(Default)]
pub(super) struct Arena {
    words: Vec<u32>,
}

/// A record as read back.
pub(super) enum Record<'a> {
    Whole(&'a [u32]),
    Edited { base: u32, ops: &'a [u32] },
}

impl Arena {
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.words.shrink_to_fit();
    }

    /// Appends a tree's entries; `None` (and nothing appended) for a tree too large to count in a header.
    pub fn push_whole(&mut self, entries: &[Entry]) -> Option<usize> {
        let count = u32::try_from(entries.len()).ok().filter(|&n| n < EDITED)?;
        let at = self.words.len();
        self.words.reserve(1 + 2 * entries.len());
        self.words.push(count);
        for e in entries {
            self.words.extend([e.child, e.name]);
        }
        Some(at)
    }

    /// Appends a tree as edits to its base (consecutive additions share one edit word); `None` (and nothing
    /// appended) where a count does not fit.
    pub fn push_edited(&mut self, base: u32, edits: &[Edit]) -> Option<usize> {
        let at = self.words.len();
        self.words.extend([EDITED, base]);
        let mut run_at = None;
        for edit in edits {
            let (op, n) = match *edit {
                Edit::Keep(n) => (KEEP, n),
                Edit::Skip(n) => (SKIP, n),
                Edit::Add(e) => {
                    match run_at {
                        Some(r) if self.words[r] & COUNT_MASK < COUNT_MASK => self.words[r] += 1,
                        _ => {
                            run_at = Some(self.words.len());
                            self.words.push(ADD << OP_SHIFT | 1);
                        }
                    }
                    self.words.extend([e.child, e.name]);
                    continue;
                }
            };
            run_at = None;
            if n > COUNT_MASK {
                self.words.truncate(at);
                return None;
            }
            self.words.push(op << OP_SHIFT | n);
        }
        let op_words = self.words.len() - at - 2;
        match u32::try_from(op_words).ok().filter(|&n| n < EDITED) {
            Some(n) => self.words[at] = EDITED | n,
            None => {
                self.words.truncate(at);
                return None;
            }
        }
        Some(at)
    }

    pub fn record(&self, at: usize) -> Record<'_> {
        let header = self.words[at];
        let count = (header & !EDITED) as usize;
        if header & EDITED == 0 {
            Record::Whole(&self.words[at + 1..at + 1 + 2 * count])
        } else {
            Record::Edited { base: self.words[at + 1], ops: &self.words[at + 2..at + 2 + count] }
        }
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
        let mut at = 0;
        while at < self.words.len() {
            let header = self.words[at];
            let count = (header & !EDITED) as usize;
            if header & EDITED == 0 {
                change_pairs(&mut self.words[at + 1..at + 1 + 2 * count]);
                at += 1 + 2 * count;
                continue;
            }
            let end = at + 2 + count;
            let mut op = at + 2;
            while op < end {
                let (kind, n) = (self.words[op] >> OP_SHIFT, (self.words[op] & COUNT_MASK) as usize);
                op += 1;
                if kind == ADD {
                    change_pairs(&mut self.words[op..op + 2 * n]);
                    op += 2 * n;
                }
            }
            at = end;
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
        let mut arena = Arena::default();
        let base = [e(1, 10), e(2, 20), e(3, 30), e(4, 40)];
        let whole = arena.push_whole(&base).unwrap();
        let edits = [Edit::Keep(1), Edit::Skip(1), Edit::Add(e(5, 25)), Edit::Add(e(6, 26)), Edit::Keep(1)];
        let edited = arena.push_edited(7, &edits).unwrap();
        let empty = arena.push_whole(&[]).unwrap();
        let Record::Whole(pairs) = arena.record(whole) else { panic!("whole") };
        assert_eq!(entries(pairs).collect::<Vec<_>>(), base);
        let Record::Edited { base: b, ops } = arena.record(edited) else { panic!("edited") };
        assert_eq!(b, 7);
        let mut out = Vec::new();
        apply(ops, &base, &mut out);
        assert_eq!(out, [e(1, 10), e(5, 25), e(6, 26), e(3, 30)]);
        assert_eq!(added(ops).collect::<Vec<_>>(), [e(5, 25), e(6, 26)]);
        assert!(matches!(arena.record(empty), Record::Whole([])));
        // Renumbering reaches the entries of both kinds of record, and nothing else.
        arena.for_each_entry_mut(|x| x.name += 1000);
        let Record::Edited { base: b, ops } = arena.record(edited) else { panic!("edited") };
        assert_eq!((b, added(ops).map(|x| x.name).collect::<Vec<_>>()), (7, vec![1025, 1026]));
        let Record::Whole(pairs) = arena.record(whole) else { panic!("whole") };
        assert_eq!(entries(pairs).map(|x| x.name).collect::<Vec<_>>(), [1010, 1020, 1030, 1040]);
        assert_eq!(arena.len(), 1 + 8 + 2 + 1 + 1 + 1 + 4 + 1 + 1);
    }

    #[test]
    fn counts_that_do_not_fit_leave_nothing_behind() {
        let mut arena = Arena::default();
        assert_eq!(arena.push_edited(1, &[Edit::Keep(COUNT_MASK + 1)]), None);
        assert_eq!(arena.len(), 0);
    }
}
