//! What a full audit needs of each packed commit, read as the packs' trees are decoded ([`PackedTrees`]): its
//! tree, for the walk, and its parents and committer time, to order the commits without reading each one again
//! through libgit2 (`commit_order`). 40 bytes a commit and 4 a parent; the message and signatures are not kept.
//!
//! Only commits in git's canonical form get a record of their parents (`tree`, `parent`s, `author`, `committer
//! <name> <<email>> <seconds> <±hhmm>`, in that order): anything else could be read differently than libgit2 reads
//! it, so a history holding one is ordered by libgit2's revwalk instead.
//!
//! [`PackedTrees`]: super::packed_trees::PackedTrees
use super::pack::{Kind, ObjectId, PackSet, RawOid, OID_LEN};

#[derive(Clone, Copy)]
struct Record {
    id: ObjectId,
    tree: RawOid,
    /// The committer time, what libgit2's revwalk orders by.
    time: i64,
    /// `parents[parents_at..parents_at + parent_count]`; `NO_GRAPH` in `parents_at` when the commit is not in
    /// the canonical form, or a parent is not a packed commit.
    parents_at: u32,
    parent_count: u32,
}

const NO_GRAPH: u32 = u32::MAX;

/// The records sorted by id once every thread's are in ([`PackedCommits::finish`]), and looked up by binary
/// search: a hash map took 49 bytes a commit and twice that while it grew, this 40.
#[derive(Default)]
pub struct PackedCommits {
    records: Vec<Record>,
    parents: Vec<ObjectId>,
}

impl PackedCommits {
    fn record(&self, id: ObjectId) -> Option<&Record> {
        self.records.binary_search_by_key(&id, |r| r.id).ok().map(|i| &self.records[i])
    }

    /// The tree of packed commit `id`.
    pub fn tree(&self, id: ObjectId) -> Option<&RawOid> {
        self.record(id).map(|r| &r.tree)
    }

    /// The committer time and parents of packed commit `id`, when it is in the canonical form and its parents
    /// are packed commits.
    pub fn graph(&self, id: ObjectId) -> Option<(i64, &[ObjectId])> {
        let r = self.record(id).filter(|r| r.parents_at != NO_GRAPH)?;
        let at = r.parents_at as usize;
        Some((r.time, &self.parents[at..at + r.parent_count as usize]))
    }

    /// Reads a commit's headers. One that does not start `tree <40 hex digits>\n` is left for libgit2 to read.
    pub fn add(&mut self, set: &PackSet, id: ObjectId, data: &[u8]) {
        let Some((tree, mut rest)) = header_oid(data, b"tree ") else { return };
        let mut record = Record { id, tree, time: 0, parents_at: NO_GRAPH, parent_count: 0 };
        let first = self.parents.len();
        let mut canonical = true;
        while let Some((parent, after)) = header_oid(rest, b"parent ") {
            rest = after;
            match set.find(&parent).filter(|&p| set.kind(p) == Kind::Commit) {
                Some(p) => self.parents.push(p),
                None => canonical = false,
            }
        }
        let time = skip_line(rest, b"author ").and_then(committer_time);
        match time {
            Some(time) if canonical && u32::try_from(self.parents.len()).is_ok() => {
                record.time = time;
                record.parents_at = first as u32;
                record.parent_count = (self.parents.len() - first) as u32;
            }
            _ => self.parents.truncate(first),
        }
        self.records.push(record);
    }

    /// Takes in what another thread read.
    pub fn absorb(&mut self, other: PackedCommits) {
        let shift = self.parents.len() as u32;
        self.parents.extend(other.parents);
        self.records.extend(other.records.into_iter().map(|mut r| {
            if r.parents_at != NO_GRAPH {
                r.parents_at += shift;
            }
            r
        }));
    }

    /// Sorts the records for lookups, once every thread's are in (each object of the packs is decoded once, so
    /// no id comes twice).
    pub fn finish(&mut self) {
        self.records.sort_unstable_by_key(|r| r.id);
        self.records.shrink_to_fit();
        self.parents.shrink_to_fit();
    }
}

/// A commit's own text as `HistorySource::commit_text` gives it through libgit2 (author and committer names and
/// e-mails, then the message), read from the commit's bytes; `None` where they are not in the canonical form (one
/// author line, then the committer's) or hold a NUL byte (libgit2 cuts its strings there): libgit2 reads those.
pub fn commit_text(data: &[u8]) -> Option<Vec<u8>> {
    if memchr::memchr(0, data).is_some() {
        return None;
    }
    let (_, mut rest) = header_oid(data, b"tree ")?;
    while let Some((_, after)) = header_oid(rest, b"parent ") {
        rest = after;
    }
    let mut text = Vec::with_capacity(data.len());
    for (header, role) in [(&b"author "[..], &b"author"[..]), (b"committer ", b"committer")] {
        let line = rest.strip_prefix(header)?;
        let end = memchr::memchr(b'\n', line)?;
        let (line, after) = (&line[..end], &line[end + 1..]);
        // libgit2 takes the e-mail between the line's last `<` and last `>`, and trims both parts.
        let (open, close) = (memchr::memrchr(b'<', line)?, memchr::memrchr(b'>', line)?);
        if close <= open {
            return None;
        }
        text.extend_from_slice(role);
        text.extend_from_slice(b": ");
        text.extend_from_slice(trimmed(&line[..open]));
        text.extend_from_slice(b" <");
        text.extend_from_slice(trimmed(&line[open + 1..close]));
        text.extend_from_slice(b">\n");
        rest = after;
    }
    // More headers may follow the committer's; they end at the first empty line (as libgit2 reads them: line by
    // line), and the message is everything after it, or nothing.
    text.push(b'\n');
    let message = match rest.strip_prefix(b"\n") {
        Some(message) => message,
        None => memchr::memmem::find(rest, b"\n\n").map_or(&b""[..], |blank| &rest[blank + 2..]),
    };
    text.extend_from_slice(message);
    Some(text)
}

/// Without the white space libgit2 trims from names and e-mails.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = bytes.iter().position(|c| !space(c)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|c| !space(c)).map_or(start, |e| e + 1);
    &bytes[start..end.max(start)]
}

/// `<header><40 hex digits>\n` at the start of `data`: the id, and what follows the line.
fn header_oid<'d>(data: &'d [u8], header: &[u8]) -> Option<(RawOid, &'d [u8])> {
    let rest = data.strip_prefix(header)?;
    let hex = rest.get(..2 * OID_LEN)?;
    if rest.get(2 * OID_LEN) != Some(&b'\n') {
        return None;
    }
    let mut oid = [0u8; OID_LEN];
    for (byte, pair) in oid.iter_mut().zip(hex.chunks(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some((oid, &rest[2 * OID_LEN + 1..]))
}

/// What follows a line that starts with `header`.
fn skip_line<'d>(data: &'d [u8], header: &[u8]) -> Option<&'d [u8]> {
    let rest = data.strip_prefix(header)?;
    Some(&rest[memchr::memchr(b'\n', rest)? + 1..])
}

/// The seconds of a `committer <name> <<email>> <seconds> <±hhmm>` line, in exactly that form (the e-mail's
/// brackets the last `<` and `>` of the line, as libgit2 finds them).
fn committer_time(data: &[u8]) -> Option<i64> {
    let rest = data.strip_prefix(b"committer ")?;
    let line = &rest[..memchr::memchr(b'\n', rest)?];
    let open = memchr::memrchr(b'<', line)?;
    let close = memchr::memrchr(b'>', line)?;
    let after = line.get(close + 1..).filter(|_| open < close)?.strip_prefix(b" ")?;
    let space = memchr::memchr(b' ', after)?;
    let (seconds, zone) = (&after[..space], &after[space + 1..]);
    let zone_ok = zone.len() == 5 && matches!(zone[0], b'+' | b'-') && zone[1..].iter().all(u8::is_ascii_digit);
    if !zone_ok || seconds.is_empty() || seconds.len() > 18 || !seconds.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(seconds).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committer_times_in_the_canonical_form_only() {
        let line = |s: &str| committer_time(format!("committer {s}\n").as_bytes());
        assert_eq!(line("A U Thor <a@example.com> 1700000000 +0100"), Some(1_700_000_000));
        assert_eq!(line("A <b> <a@example.com> 5 -0000"), Some(5));
        assert_eq!(line("A U Thor <a@example.com> 1700000000"), None);
        assert_eq!(line("A U Thor <a@example.com>  1700000000 +0100"), None);
        assert_eq!(line("A U Thor <a@example.com> -5 +0100"), None);
        assert_eq!(line("A U Thor <a@example.com> 1700000000 +01"), None);
        assert_eq!(line("A U Thor a@example.com> 1700000000 +0100"), None);
        assert_eq!(committer_time(b"committer A <a@example.com> 1 +0000"), None, "no newline");
        assert_eq!(
            header_oid(b"tree 0123456789abcdef0123456789abcdef01234567\nx", b"tree ").map(|(_, r)| r),
            Some(&b"x"[..])
        );
        assert!(header_oid(b"tree 0123456789abcdef0123456789abcdef0123456g\n", b"tree ").is_none());
        assert!(header_oid(b"tree 0123456789abcdef0123456789abcdef01234567 \n", b"tree ").is_none());
    }
}
