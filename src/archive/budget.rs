//! The account one archive tree is held to: decompressed bytes and members left, the ratio each stream or
//! member may reach, and the reader adapters that enforce them as bytes flow. Decoders wrap the error a reader
//! gives them in their own, so the limit a read ran into is also kept here, to be told apart from corruption.
use std::cell::Cell;
use std::io::{self, Read};

use super::{ArchiveLimits, Limit, Skip, RATIO_FLOOR};

pub(super) struct Budget {
    bytes_left: Cell<u64>,
    members_left: Cell<u64>,
    max_member: u64,
    max_ratio: u64,
    /// Set once the total is spent: every later read of this tree fails at once.
    exhausted: Cell<bool>,
    /// The limit the last failed read ran into, until [`Budget::failure`] takes it.
    tripped: Cell<Option<Limit>>,
}

impl Budget {
    pub(super) fn new(limits: &ArchiveLimits) -> Budget {
        Budget {
            bytes_left: Cell::new(limits.max_total_bytes),
            members_left: Cell::new(limits.max_members),
            max_member: limits.max_member_size,
            max_ratio: limits.max_ratio.max(1),
            exhausted: Cell::new(false),
            tripped: Cell::new(None),
        }
    }

    /// Counts one member; false when the member limit is reached.
    pub(super) fn take_member(&self) -> bool {
        let left = self.members_left.get();
        self.members_left.set(left.saturating_sub(1));
        left > 0
    }

    pub(super) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    pub(super) fn max_member(&self) -> u64 {
        self.max_member
    }

    fn trip(&self, limit: Limit) -> io::Error {
        if limit == Limit::TotalBytes {
            self.exhausted.set(true);
        }
        self.tripped.set(Some(limit));
        io::Error::other(limit.describe())
    }

    /// Why a read failed: the limit it ran into, else the error itself (corrupt or truncated data).
    pub(super) fn failure(&self, e: io::Error) -> Skip {
        match self.tripped.take() {
            Some(limit) => Skip::Limit(limit),
            None => Skip::Unreadable(e.to_string()),
        }
    }
}

/// An in-memory input that counts what a decoder has taken from it (the ratio's denominator).
pub(super) struct Counting<'a> {
    rest: &'a [u8],
    taken: &'a Cell<u64>,
}

impl<'a> Counting<'a> {
    pub(super) fn new(content: &'a [u8], taken: &'a Cell<u64>) -> Self {
        Counting { rest: content, taken }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

/// Decompressed output held to the tree's total and, past [`RATIO_FLOOR`], to the ratio against `consumed`
/// (the compressed bytes behind it).
pub(super) struct Metered<'a, R> {
    inner: R,
    budget: &'a Budget,
    consumed: &'a Cell<u64>,
    produced: u64,
}

impl<'a, R: Read> Metered<'a, R> {
    pub(super) fn new(inner: R, budget: &'a Budget, consumed: &'a Cell<u64>) -> Self {
        Metered { inner, budget, consumed, produced: 0 }
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.exhausted() {
            return Err(self.budget.trip(Limit::TotalBytes));
        }
        // Never ask for more than is left, so a decoder is not run past the total for nothing.
        let left = self.budget.bytes_left.get();
        let want = buf.len().min(usize::try_from(left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > left {
            return Err(self.budget.trip(Limit::TotalBytes));
        }
        self.budget.bytes_left.set(left - n as u64);
        self.produced += n as u64;
        if self.produced > RATIO_FLOOR && self.produced > self.consumed.get().saturating_mul(self.budget.max_ratio) {
            return Err(self.budget.trip(Limit::Ratio));
        }
        Ok(n)
    }
}

/// Reads a member whole, up to the member size limit. `declared`: the size its header gives, only a hint for
/// the first allocation (a bomb's header lies).
pub(super) fn read_member(reader: impl Read, budget: &Budget, declared: u64) -> Result<Vec<u8>, Skip> {
    let max = budget.max_member;
    let mut buf = Vec::with_capacity(declared.min(max).min(1024 * 1024) as usize);
    match reader.take(max.saturating_add(1)).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > max => Err(Skip::Limit(Limit::MemberSize)),
        Ok(_) => Ok(buf),
        Err(e) => Err(budget.failure(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: u64, ratio: u64) -> ArchiveLimits {
        ArchiveLimits { max_total_bytes: total, max_ratio: ratio, ..ArchiveLimits::default() }
    }

    #[test]
    fn the_total_stops_every_later_read() {
        let budget = Budget::new(&limits(10, 1000));
        let consumed = Cell::new(1);
        let zeros = io::repeat(0).take(100);
        assert_eq!(
            read_member(Metered::new(zeros, &budget, &consumed), &budget, 0),
            Err(Skip::Limit(Limit::TotalBytes))
        );
        assert!(budget.exhausted());
        let more = Metered::new(&b"x"[..], &budget, &consumed);
        assert_eq!(read_member(more, &budget, 0), Err(Skip::Limit(Limit::TotalBytes)));
    }

    #[test]
    fn the_ratio_holds_past_the_floor_only() {
        let budget = Budget::new(&limits(u64::MAX, 10));
        let consumed = Cell::new(1);
        let small = io::repeat(0).take(RATIO_FLOOR);
        assert_eq!(
            read_member(Metered::new(small, &budget, &consumed), &budget, 0).map(|b| b.len() as u64),
            Ok(RATIO_FLOOR)
        );
        let big = io::repeat(0).take(RATIO_FLOOR + 1);
        assert_eq!(read_member(Metered::new(big, &budget, &consumed), &budget, 0), Err(Skip::Limit(Limit::Ratio)));
        assert!(!budget.exhausted(), "a ratio stops one stream, not the tree");
    }

    #[test]
    fn members_are_counted_and_sized() {
        let budget = Budget::new(&ArchiveLimits { max_members: 1, max_member_size: 3, ..ArchiveLimits::default() });
        assert!(budget.take_member());
        assert!(!budget.take_member());
        assert_eq!(read_member(&b"abc"[..], &budget, 3), Ok(b"abc".to_vec()));
        assert_eq!(read_member(&b"abcd"[..], &budget, 3), Err(Skip::Limit(Limit::MemberSize)));
    }
}
