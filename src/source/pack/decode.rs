//! Reading a pack's objects: entry headers, zlib streams, and each delta chain decoded from its root, every
//! object inflated once (`Reader::decode_chain`). Compressed data is read with positioned reads, not mapped: a
//! mapping keeps every page it touched resident, and an audit touches the whole pack.
use std::fs::File;

use super::delta::{self, Copied, DeltaError};
use super::index::{RawOid, OID_LEN};
use super::inflate::Inflater;
use super::{Kind, ObjectId, PackSet};

pub(super) enum Base {
    None,
    /// An offset delta: its base lies this many bytes before it.
    Offset(u64),
    /// A reference delta: its base's id.
    Id(RawOid),
}

pub(super) struct Header {
    /// `Unresolved` for a delta.
    pub kind: Kind,
    /// What the entry's zlib stream inflates to.
    pub size: u64,
    pub base: Base,
    /// The header's length: the zlib stream starts after it.
    pub len: usize,
}

/// A pack entry's header: type and size (4 bits, then 7 per byte while the top bit is set), then for an offset
/// delta the distance back to its base, for a reference delta its base's id.
pub(super) fn parse_header(b: &[u8]) -> Option<Header> {
    let mut byte = *b.first()?;
    let ty = (byte >> 4) & 7;
    let mut size = u64::from(byte & 0x0f);
    let (mut at, mut shift) = (1, 4);
    while byte & 0x80 != 0 {
        byte = *b.get(at)?;
        at += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    let (kind, base) = match ty {
        1 => (Kind::Commit, Base::None),
        2 => (Kind::Tree, Base::None),
        3 => (Kind::Blob, Base::None),
        4 => (Kind::Tag, Base::None),
        6 => {
            // Each continuation byte adds one before shifting, so that no distance has two encodings.
            let mut c = *b.get(at)?;
            at += 1;
            let mut back = u64::from(c & 0x7f);
            while c & 0x80 != 0 {
                c = *b.get(at)?;
                at += 1;
                if back >= u64::MAX >> 8 {
                    return None;
                }
                back = ((back + 1) << 7) | u64::from(c & 0x7f);
            }
            (Kind::Unresolved, Base::Offset(back))
        }
        7 => {
            let oid = b.get(at..at + OID_LEN)?.try_into().expect("20 bytes");
            at += OID_LEN;
            (Kind::Unresolved, Base::Id(oid))
        }
        _ => return None,
    };
    Some(Header { kind, size, base, len: at })
}

/// Fills `buf` from `offset`; fails at the end of the file.
pub(super) fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    let n = read_up_to(file, offset, buf)?;
    if n < buf.len() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the pack ends early"));
    }
    Ok(())
}

/// Reads as much of `buf` as the file has from `offset`.
fn read_up_to(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(file, &mut buf[done..], offset + done as u64);
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64);
        match n {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// A read-ahead buffer for going through a pack's entry headers in offset order.
#[derive(Default)]
pub(super) struct Window {
    buf: Vec<u8>,
    start: u64,
}

const WINDOW_BYTES: usize = 4 << 20;

impl Window {
    /// Up to `len` bytes from `at` (fewer at the end of the file).
    pub fn bytes(&mut self, file: &File, at: u64, len: usize) -> std::io::Result<&[u8]> {
        let inside = at >= self.start && at + len as u64 <= self.start + self.buf.len() as u64;
        if !inside {
            self.buf.resize(WINDOW_BYTES.max(len), 0);
            let n = read_up_to(file, at, &mut self.buf)?;
            self.buf.truncate(n);
            self.start = at;
        }
        let from = (at - self.start) as usize;
        Ok(&self.buf[from..(from + len).min(self.buf.len())])
    }
}

/// An object as decoded: its content, or only its size when that is over the limit.
pub enum Decoded<'a> {
    Data(&'a [u8]),
    TooLarge(u64),
}

/// The most a chain's decoding holds at once (its current path's objects). Git chains at most 50 deltas deep by
/// default, of objects under the size limit.
const MAX_HELD: usize = 512 << 20;

/// What a delta was decoded from: its base, and which of its ranges are copies of the base's.
#[derive(Clone, Copy)]
pub struct DeltaBase<'a> {
    pub id: ObjectId,
    pub data: &'a [u8],
    pub copied: &'a [Copied],
}

enum Failure {
    TooLarge(u64),
    /// Unreadable, malformed, or not worth reading here: left to libgit2.
    Skip,
}

/// Decodes objects of a [`PackSet`]; one per thread (each keeps its own inflate state and buffer).
pub struct Reader<'a> {
    set: &'a PackSet,
    inflater: Inflater,
    /// What the last delta applied copied from its base.
    copied: Vec<Copied>,
    input: Vec<u8>,
    max_held: usize,
}

impl<'a> Reader<'a> {
    pub fn new(set: &'a PackSet) -> Reader<'a> {
        Reader { set, inflater: Inflater::new(), copied: Vec::new(), input: Vec::new(), max_held: MAX_HELD }
    }

    #[cfg(test)]
    pub fn with_max_held(mut self, bytes: usize) -> Reader<'a> {
        self.max_held = bytes;
        self
    }

    /// Decodes the chain that starts at `root` (a whole object): the root, then depth first each delta under it
    /// that `needed` asks for, with the bases on the way, handing each object to `visit` (with its base, for a
    /// delta: what it was decoded from, which a caller may use to reuse its work on the base). Only the chain's
    /// current path is held in memory. An object over `limit` bytes is handed over as `TooLarge` and nothing
    /// under it is decoded; one that cannot be decoded is not handed over, nor anything under it.
    pub fn decode_chain(
        &mut self,
        root: ObjectId,
        limit: u64,
        needed: &dyn Fn(ObjectId) -> bool,
        visit: &mut dyn FnMut(ObjectId, Decoded<'_>, Option<DeltaBase<'_>>),
    ) {
        let set = self.set;
        let size = set.size(root);
        if size > limit {
            return visit(root, Decoded::TooLarge(size), None);
        }
        let Ok(data) = self.inflate(root, size) else { return };
        visit(root, Decoded::Data(&data), None);
        // What the stack holds: a crafted pack can chain deltas without end, and each level keeps its object.
        let mut held = data.len();
        let mut stack = vec![(root, data, set.children(root), 0usize)];
        while let Some(top) = stack.last_mut() {
            let Some(&child) = top.2.get(top.3) else {
                held -= top.1.len();
                stack.pop();
                continue;
            };
            top.3 += 1;
            if !needed(child) {
                continue;
            }
            // A delta's stream is about as long as what it adds; one far longer than the limit is not read here.
            let delta_size = set.size(child);
            if delta_size > limit.saturating_add(limit / 8).saturating_add(1 << 20) {
                continue;
            }
            let decoded = match self.inflate(child, delta_size) {
                Ok(delta) => delta::apply(&top.1, &delta, limit, &mut self.copied).map_err(|e| match e {
                    DeltaError::TooLarge(size) => Failure::TooLarge(size),
                    DeltaError::Corrupt(_) => Failure::Skip,
                }),
                Err(e) => Err(e),
            };
            match decoded {
                Ok(data) => {
                    let base = DeltaBase { id: top.0, data: &top.1, copied: &self.copied };
                    visit(child, Decoded::Data(&data), Some(base));
                    let grandchildren = set.children(child);
                    // Past the cap, what lies under this object is left to libgit2.
                    if !grandchildren.is_empty() && held + data.len() <= self.max_held {
                        held += data.len();
                        stack.push((child, data, grandchildren, 0));
                    }
                }
                Err(Failure::TooLarge(size)) => {
                    let base = DeltaBase { id: top.0, data: &top.1, copied: &[] };
                    visit(child, Decoded::TooLarge(size), Some(base))
                }
                Err(Failure::Skip) => {}
            }
        }
    }

    /// Inflates one entry's zlib stream, which must give exactly `size` bytes.
    fn inflate(&mut self, id: ObjectId, size: u64) -> Result<Vec<u8>, Failure> {
        let (data_at, end) = self.set.stream(id);
        // zlib adds a few bytes per 16 KB to what it cannot compress; an entry that runs on far beyond that (a
        // gap in a crafted pack) is not read whole.
        let bound = size.saturating_add(size / 8).saturating_add(1024);
        let len = usize::try_from((end - data_at).min(bound)).map_err(|_| Failure::Skip)?;
        self.input.resize(len, 0);
        read_at(&self.set.pack_of(id).file, data_at, &mut self.input).map_err(|_| Failure::Skip)?;
        let size = usize::try_from(size).map_err(|_| Failure::Skip)?;
        self.inflater.inflate(&self.input, size).ok_or(Failure::Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_headers() {
        // A blob of 300 bytes: type 3, size 300 = 0b1_0010_1100 (low 4 bits 1100, then 10010).
        let h = parse_header(&[0x80 | 0x30 | 0x0c, 0x12]).unwrap();
        assert_eq!((h.kind, h.size, h.len), (Kind::Blob, 300, 2));
        // An offset delta 200 bytes back: 200 - 128 = 72 after the first byte's 0 + 1.
        let h = parse_header(&[0x65, 0x80, 72]).unwrap();
        assert!(matches!(h.base, Base::Offset(200)));
        assert_eq!((h.kind, h.size, h.len), (Kind::Unresolved, 5, 3));
        let mut reference = vec![0x75];
        reference.extend([9u8; 20]);
        assert!(matches!(parse_header(&reference).unwrap().base, Base::Id(id) if id == [9u8; 20]));
        assert!(parse_header(&[0x50]).is_none(), "type 5 is reserved");
        assert!(parse_header(&[0xb0]).is_none(), "truncated size");
        assert!(parse_header(&[0x75, 1, 2]).is_none(), "truncated base id");
    }
}
