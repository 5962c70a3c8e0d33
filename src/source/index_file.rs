//! A reader for git's index file (versions 2 to 4) and its cache-tree extension: just enough to tell what is
//! staged without libgit2 loading the whole index (hashing it, validating every path) and walking every tree of
//! HEAD. The pre-commit hook runs this on every commit, so it must cost about as much as reading the file.
//!
//! Anything this reader does not handle (split or sparse indexes, conflicts, `git add -N` entries, a version
//! it does not know, a malformed file) makes it return `None`, and the caller falls back to libgit2, which
//! either handles it or reports a proper error. Like git itself, it does not verify the trailing checksum.
use std::borrow::Cow;

use git2::Oid;

const OID_LEN: usize = 20;
/// Fixed part of an entry: ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each, times are 8), oid, flags.
const ENTRY_FIXED: usize = 40 + OID_LEN + 2;
const FLAG_EXTENDED: u16 = 0x4000;
const FLAG_STAGE_MASK: u16 = 0x3000;
const EXT_FLAG_INTENT_TO_ADD: u16 = 0x2000;

/// One stage-0 index entry. Its path is borrowed from the file's bytes where the file spells it whole (versions
/// 2 and 3): an index of 10,000 files then parses without 10,000 allocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry<'a> {
    pub path: Cow<'a, [u8]>,
    pub mode: u32,
    pub oid: Oid,
}

/// A directory of the cache tree: the tree object the index's entries under it would write, when still valid.
#[derive(Debug, Default)]
pub struct CacheTree {
    pub name: Vec<u8>,
    /// `None` once an entry under this directory changed since the tree was last written.
    pub oid: Option<Oid>,
    pub children: Vec<CacheTree>,
}

impl CacheTree {
    pub fn child(&self, name: &[u8]) -> Option<&CacheTree> {
        self.children.iter().find(|c| c.name == name)
    }
}

#[derive(Debug)]
pub struct IndexFile<'a> {
    /// Sorted by path, as git keeps them.
    pub entries: Vec<IndexEntry<'a>>,
    pub cache_tree: Option<CacheTree>,
}

impl<'a> IndexFile<'a> {
    /// Parses an index; `None` when it uses something this reader leaves to libgit2.
    pub fn parse(data: &'a [u8]) -> Option<IndexFile<'a>> {
        let mut r = Reader { data, at: 0 };
        if r.take(4)? != b"DIRC" {
            return None;
        }
        let version = r.u32()?;
        if !(2..=4).contains(&version) {
            return None;
        }
        let count = r.u32()? as usize;
        let body_end = data.len().checked_sub(OID_LEN)?;
        let mut entries = Vec::with_capacity(count.min(data.len() / ENTRY_FIXED));
        let mut previous: Vec<u8> = Vec::new();
        for _ in 0..count {
            let start = r.at;
            let fixed = r.take(ENTRY_FIXED)?;
            let mode = u32::from_be_bytes(fixed[24..28].try_into().ok()?);
            let oid = Oid::from_bytes(&fixed[40..40 + OID_LEN]).ok()?;
            let flags = u16::from_be_bytes(fixed[60..62].try_into().ok()?);
            if flags & FLAG_STAGE_MASK != 0 {
                return None; // an unresolved conflict: libgit2 reports it
            }
            if flags & FLAG_EXTENDED != 0 {
                if version < 3 {
                    return None;
                }
                let extended = r.u16()?;
                if extended & EXT_FLAG_INTENT_TO_ADD != 0 {
                    return None;
                }
            }
            let path = if version == 4 {
                // Each path is stored as how much of the previous one to drop, then what to append.
                let strip = r.varint()? as usize;
                let keep = previous.len().checked_sub(strip)?;
                let suffix = r.until_nul()?;
                previous.truncate(keep);
                previous.extend_from_slice(suffix);
                Cow::Owned(previous.clone())
            } else {
                let path = r.until_nul()?;
                // 1 to 8 NULs pad the entry to a multiple of 8 bytes; `until_nul` consumed the first.
                let len = r.at - start;
                r.take((8 - len % 8) % 8)?;
                Cow::Borrowed(path)
            };
            if r.at > body_end {
                return None;
            }
            entries.push(IndexEntry { path, mode, oid });
        }
        let mut cache_tree = None;
        while r.at < body_end {
            let signature = r.take(4)?;
            let size = r.u32()? as usize;
            let body = r.take(size)?;
            match signature {
                b"TREE" => cache_tree = parse_cache_tree(body),
                // Optional extensions start with an uppercase letter; others (split index `link`, sparse index
                // `sdir`) change what the entries mean.
                s if s[0].is_ascii_uppercase() => {}
                _ => return None,
            }
        }
        if r.at != body_end {
            return None;
        }
        Some(IndexFile { entries, cache_tree })
    }
}

/// The cache tree, stored depth-first: `path NUL entry_count SP subtree_count LF [oid]`, then its subtrees.
fn parse_cache_tree(data: &[u8]) -> Option<CacheTree> {
    let mut r = Reader { data, at: 0 };
    let root = cache_tree_node(&mut r, 0)?;
    (r.at == data.len()).then_some(root)
}

fn cache_tree_node(r: &mut Reader<'_>, depth: usize) -> Option<CacheTree> {
    // Paths can be at most a few thousand components deep; a corrupt count must not recurse without end.
    if depth > 4096 {
        return None;
    }
    let name = r.until_nul()?.to_vec();
    let entry_count: i64 = std::str::from_utf8(r.until(b' ')?).ok()?.parse().ok()?;
    let subtrees: usize = std::str::from_utf8(r.until(b'\n')?).ok()?.parse().ok()?;
    let oid = if entry_count >= 0 { Some(Oid::from_bytes(r.take(OID_LEN)?).ok()?) } else { None };
    let mut children = Vec::with_capacity(subtrees.min(r.data.len()));
    for _ in 0..subtrees {
        children.push(cache_tree_node(r, depth + 1)?);
    }
    Some(CacheTree { name, oid, children })
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.data.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    /// Bytes up to `stop`, which is consumed but not returned.
    fn until(&mut self, stop: u8) -> Option<&'a [u8]> {
        let rest = self.data.get(self.at..)?;
        let len = memchr::memchr(stop, rest)?;
        self.at += len + 1;
        Some(&rest[..len])
    }

    fn until_nul(&mut self) -> Option<&'a [u8]> {
        self.until(0)
    }

    /// Git's offset varint (index v4 path compression): big-endian 7-bit groups, each continuation adding one.
    fn varint(&mut self) -> Option<u64> {
        let mut byte = self.take(1)?[0];
        let mut value = u64::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = self.take(1)?[0];
            value = value.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_it_does_not_read() {
        assert!(IndexFile::parse(b"").is_none());
        assert!(IndexFile::parse(b"DIRC\0\0\0\x05\0\0\0\0").is_none());
        // A header promising an entry that is not there.
        let mut short = b"DIRC\0\0\0\x02\0\0\0\x01".to_vec();
        short.extend_from_slice(&[0; 20]);
        assert!(IndexFile::parse(&short).is_none());
    }

    #[test]
    fn empty_index() {
        let mut data = b"DIRC\0\0\0\x02\0\0\0\0".to_vec();
        data.extend_from_slice(&[0; 20]);
        let index = IndexFile::parse(&data).unwrap();
        assert!(index.entries.is_empty() && index.cache_tree.is_none());
    }

    #[test]
    fn varint_matches_git() {
        // 0x80 0x00 is 128 in git's encoding (not 0, as in LEB128).
        let mut r = Reader { data: &[0x80, 0x00, 0x7f], at: 0 };
        assert_eq!(r.varint(), Some(128));
        assert_eq!(r.varint(), Some(127));
    }
}
