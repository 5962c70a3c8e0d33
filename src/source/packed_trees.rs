//! Every tree of the packs, decoded once and kept compact for the history walk: per entry, the child's id in the
//! [`PackSet`] and an interned name (8 bytes, where git's form takes about 40). The walk then reads no objects
//! for packed trees; a tree that is not here (loose, in an alternate, or not decodable) it reads through libgit2.
//!
//! On the bench history: 510,000 trees, 680 MB as git stores them once inflated, 18 million entries.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::fast_hash::FastBuild;
use super::pack::{Decoded, DeltaBase, Kind, ObjectId, PackSet, RawOid, Reader, OID_LEN};
use super::packed_commits::PackedCommits;
use super::tree_records::{self, Arena, ChunkNumbers, Edit, Entry, Record, Records};

/// What a tree entry is, from its mode the way libgit2 reads it (`git_tree_entry_type`, and the normalised
/// `git_tree_entry_filemode` for links: a link with an executable bit counts as a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Tree = 0,
    Blob = 1,
    Link = 2,
    Submodule = 3,
}

impl EntryKind {
    pub fn from_mode(mode: u32) -> EntryKind {
        match mode & 0o170_000 {
            0o040_000 => EntryKind::Tree,
            0o160_000 => EntryKind::Submodule,
            0o120_000 if mode & 0o111 == 0 => EntryKind::Link,
            _ => EntryKind::Blob,
        }
    }
}

/// A tree entry's object: an object of the packs, or one they do not hold (a submodule's commit, a loose object).
#[derive(Clone, Copy)]
pub enum Child {
    Packed(ObjectId),
    Foreign(RawOid),
}

// An entry's two words: `child`, a [`PackSet`] id, or with the top bit set an index into `foreign`; `name`, an
// index into `names`, with the entry's kind in the top two bits.
const FOREIGN: u32 = 1 << 31;
const KIND_SHIFT: u32 = 30;
const NAME_MASK: u32 = (1 << KIND_SHIFT) - 1;

/// Trees larger than this are read through libgit2 (a directory of 100,000 files is about 4 MB).
const TREE_LIMIT: u64 = 256 << 20;

/// Where a packed object's record is not: other objects, and trees that could not be decoded.
const NOT_DECODED: u32 = u32::MAX;

/// A chain of edited trees is at most this deep: rebuilding a tree for the walk copies it once per level, and the
/// trees kept whole are what most of the trees' memory is. On the mirror-shaped history at full size (1.19 million
/// trees, 3 GB once inflated): kept whole every 5th level, 113 MB of entries and 456-464 MB peak RSS for the
/// audit; every 17th, 28 MB and 374 MB, in the same CPU time (15.4-15.8 s); never past git's delta depth of 50,
/// 11 MB and 353-362 MB, but 1 s more CPU.
const MAX_EDIT_DEPTH: u8 = 16;

/// How a tree is kept: whole, or as edits to the tree it was decoded from (`tree_records`). Most trees differ from
/// their delta base in an entry or two; kept whole, the bench history's trees took about 170 MB, and the audit's
/// peak RSS was 396 MB against about 320 MB with edits.
pub struct PackedTrees {
    /// By [`PackSet`] id: the place of the tree's record; `NOT_DECODED` for other objects and for trees that could
    /// not be decoded. Written by the decoding threads as they go.
    at: Vec<AtomicU32>,
    records: Records,
    names: Vec<Box<[u8]>>,
    foreign: Vec<RawOid>,
    /// Each packed commit's tree, parents and time, so that neither the walk nor the commits' order reads
    /// commits again.
    commits: PackedCommits,
}

impl PackedTrees {
    /// Decodes every tree of `set`, chains in parallel on the current rayon pool.
    pub fn build(set: &PackSet) -> PackedTrees {
        let mut roots = set.roots(Kind::Tree);
        roots.extend(set.roots(Kind::Commit));
        let at: Vec<AtomicU32> = (0..set.len()).map(|_| AtomicU32::new(NOT_DECODED)).collect();
        let numbers = ChunkNumbers::default();
        let parts: Vec<Part> = roots
            .into_par_iter()
            .fold(
                || (Reader::new(set), Part::default()),
                |(mut reader, mut part), root| {
                    reader.decode_chain(root, TREE_LIMIT, &|_| true, &mut |id, decoded, base| match decoded {
                        Decoded::Data(data) if set.kind(id) == Kind::Commit => part.commits.add(set, id, data),
                        Decoded::Data(data) => {
                            if let Some(place) = part.add(set, id, data, base, &numbers) {
                                at[id as usize].store(place, Ordering::Relaxed);
                            }
                        }
                        Decoded::TooLarge(_) => {}
                    });
                    part.chain.clear();
                    (reader, part)
                },
            )
            .map(|(_, part)| part)
            .collect();
        let (mut names, mut foreign, mut commits) = (Vec::new(), Vec::new(), PackedCommits::default());
        let mut name_ids: HashMap<Box<[u8]>, u32, FastBuild> = HashMap::default();
        let mut arenas = Vec::with_capacity(parts.len());
        for mut part in parts {
            let renamed: Vec<u32> = part
                .names
                .into_iter()
                .map(|name| {
                    *name_ids.entry(name).or_insert_with_key(|name| {
                        names.push(name.clone());
                        (names.len() - 1) as u32
                    })
                })
                .collect();
            commits.absorb(part.commits);
            let foreign_base = foreign.len() as u32;
            foreign.extend(part.foreign);
            part.arena.for_each_entry_mut(|e| {
                e.name = (e.name & !NAME_MASK) | renamed[(e.name & NAME_MASK) as usize];
                if e.child & FOREIGN != 0 {
                    e.child += foreign_base;
                }
            });
            arenas.push(part.arena);
        }
        commits.finish();
        PackedTrees { at, records: Records::new(arenas), names, foreign, commits }
    }

    /// The record of tree `id`, if it was decoded.
    fn record(&self, id: ObjectId) -> Option<Record<'_>> {
        let place = self.at.get(id as usize)?.load(Ordering::Relaxed);
        (place != NOT_DECODED).then(|| self.records.record(place))
    }

    /// The tree of packed commit `id`.
    pub fn commit_tree(&self, id: ObjectId) -> Option<&RawOid> {
        self.commits.tree(id)
    }

    /// The packed commits' parents and times.
    pub fn commits(&self) -> &PackedCommits {
        &self.commits
    }

    /// Whether tree `id` was decoded.
    pub fn has(&self, id: ObjectId) -> bool {
        self.at.get(id as usize).is_some_and(|at| at.load(Ordering::Relaxed) != NOT_DECODED)
    }

    /// Puts the entries of tree `id` in `out`; false if it was not decoded.
    pub fn entries_into(&self, id: ObjectId, out: &mut Vec<TreeEntry>) -> bool {
        // The edited trees from `id` down to one kept whole (at most `MAX_EDIT_DEPTH`), then their edits in turn.
        let mut edited = Vec::new();
        let mut at = id;
        let whole = loop {
            match self.record(at) {
                Some(Record::Whole(pairs)) => break pairs,
                Some(Record::Edited { base, ops }) if edited.len() <= usize::from(MAX_EDIT_DEPTH) => {
                    edited.push(ops);
                    at = base;
                }
                _ => return false,
            }
        };
        out.clear();
        out.extend(tree_records::entries(whole).map(TreeEntry));
        let mut next = Vec::new();
        for ops in edited.into_iter().rev() {
            tree_records::apply(ops, out, &mut next);
            std::mem::swap(out, &mut next);
        }
        true
    }

    /// For a tree kept as edits to its delta base: the base, and the entries the edits add to what they keep of
    /// it, in order. A walk that has gone through every entry of the base already needs only these.
    pub fn added_to_base(&self, id: ObjectId) -> Option<(ObjectId, impl Iterator<Item = TreeEntry> + '_)> {
        match self.record(id) {
            Some(Record::Edited { base, ops }) => Some((base, tree_records::added(ops).map(TreeEntry))),
            _ => None,
        }
    }

    /// What an entry is: its name, kind and object.
    pub fn view(&self, entry: &TreeEntry) -> (&[u8], EntryKind, Child) {
        let e = entry.0;
        let kind = match e.name >> KIND_SHIFT {
            0 => EntryKind::Tree,
            1 => EntryKind::Blob,
            2 => EntryKind::Link,
            _ => EntryKind::Submodule,
        };
        let child = if e.child & FOREIGN == 0 {
            Child::Packed(e.child)
        } else {
            Child::Foreign(self.foreign[(e.child & !FOREIGN) as usize])
        };
        (&self.names[(e.name & NAME_MASK) as usize], kind, child)
    }
}

/// One entry of a packed tree, to be read with [`PackedTrees::view`].
#[derive(Clone, Copy)]
pub struct TreeEntry(Entry);

impl From<Entry> for TreeEntry {
    fn from(e: Entry) -> TreeEntry {
        TreeEntry(e)
    }
}

struct ChainTree {
    entries: Vec<Entry>,
    ends: Vec<u32>,
    depth: u8,
}

/// What one thread decoded, with names and foreign ids numbered locally until the merge.
#[derive(Default)]
struct Part {
    arena: Arena,
    name_ids: HashMap<Box<[u8]>, u32, FastBuild>,
    names: Vec<Box<[u8]>>,
    foreign: Vec<RawOid>,
    commits: PackedCommits,
    /// The bases among the trees of the chain being decoded: their entries, where each entry ends, and how deep a
    /// chain of edited trees each one ends.
    chain: HashMap<ObjectId, ChainTree>,
}

impl Part {
    /// Parses a tree (`<octal mode> <name>\0<20-byte id>` per entry). A malformed one is left for libgit2 to
    /// read, and report.
    ///
    /// A tree decoded from a base differs from it in a few entries. The base was parsed just before, by this
    /// thread (a chain is decoded whole by one), and where each of its entries ends is kept: where the tree's bytes
    /// go on with the base's next entry, that entry is reused whole, with no scan for its end and none of the name
    /// and id lookups that are most of parsing's cost (on the bench history, 15 million entries reused, 0.9
    /// million parsed).
    fn add(
        &mut self,
        set: &PackSet,
        id: ObjectId,
        data: &[u8],
        base: Option<DeltaBase<'_>>,
        numbers: &ChunkNumbers,
    ) -> Option<u32> {
        u32::try_from(data.len()).ok()?;
        let taken = base.and_then(|b| Some((b.id, self.chain.remove(&b.id)?, b.data)));
        let parsed = self.parse_tree(set, data, taken.as_ref().map(|(_, tree, raw)| (tree, *raw)));
        let base_depth = taken.as_ref().map(|(_, tree, _)| tree.depth);
        if let Some((b, tree, _)) = taken {
            self.chain.insert(b, tree);
        }
        let (entries, ends, edits) = parsed?;
        // Kept as edits when they are fewer than the entries, and the chain of edited trees is not too deep.
        let edited = match (base, base_depth) {
            (Some(base), Some(depth)) if depth < MAX_EDIT_DEPTH && edits.len() < entries.len() => {
                self.arena.push_edited(base.id, &edits, numbers).map(|place| (place, depth + 1))
            }
            _ => None,
        };
        let (place, depth) = edited.or_else(|| Some((self.arena.push_whole(&entries, numbers)?, 0)))?;
        // Only a base's entries are needed again, by the trees decoded from it; the chain's others are let go.
        if set.is_base(id) {
            self.chain.insert(id, ChainTree { entries, ends, depth });
        }
        Some(place)
    }

    /// The entries of a tree, where each ends, and the edits that make it from its base (given as its parsed
    /// form and bytes).
    fn parse_tree(
        &mut self,
        set: &PackSet,
        data: &[u8],
        base: Option<(&ChainTree, &[u8])>,
    ) -> Option<(Vec<Entry>, Vec<u32>, Vec<Edit>)> {
        let (mut entries, mut ends, mut edits) = (Vec::new(), Vec::new(), Vec::new());
        // `base_i`: the next base entry to compare; `used`: how many base entries the edits account for.
        let (mut at, mut base_i, mut used) = (0, 0, 0);
        while at < data.len() {
            let mut reused = None;
            let mut parsed = None;
            if let Some((tree, raw)) = base {
                // Both are sorted by name: skip the base's entries that sort before this one (removed ones).
                while let Some(&end) = tree.ends.get(base_i) {
                    let start = if base_i == 0 { 0 } else { tree.ends[base_i - 1] as usize };
                    let b = &raw[start..end as usize];
                    if data[at..].starts_with(b) {
                        reused = Some((tree.entries[base_i], b.len()));
                        if base_i > used {
                            edits.push(Edit::Skip((base_i - used) as u32));
                        }
                        match edits.last_mut() {
                            Some(Edit::Keep(n)) => *n += 1,
                            _ => edits.push(Edit::Keep(1)),
                        }
                        base_i += 1;
                        used = base_i;
                        break;
                    }
                    let e = match parsed {
                        Some(e) => e,
                        None => RawEntry::at(data, at)?,
                    };
                    // A whole entry: the name runs from the space after the mode to the NUL before the id.
                    let name = b.iter().position(|&c| c == b' ').map_or(&b[..0], |space| &b[space + 1..b.len() - 21]);
                    parsed = Some(e);
                    if name >= e.name(data) {
                        break;
                    }
                    base_i += 1;
                }
            }
            let (entry, len) = match reused {
                Some(r) => r,
                None => {
                    let e = match parsed {
                        Some(e) => e,
                        None => RawEntry::at(data, at)?,
                    };
                    let entry = self.parse(set, &e, data)?;
                    edits.push(Edit::Add(entry));
                    (entry, e.end - at)
                }
            };
            entries.push(entry);
            at += len;
            ends.push(at as u32);
        }
        Some((entries, ends, edits))
    }

    fn parse(&mut self, set: &PackSet, e: &RawEntry, data: &[u8]) -> Option<Entry> {
        let mode = parse_octal(&data[e.start..e.space])?;
        let name = e.name(data);
        let name_id = match self.name_ids.get(name) {
            Some(&n) => n,
            None => {
                let n = self.names.len() as u32;
                if n > NAME_MASK {
                    return None;
                }
                self.names.push(name.into());
                self.name_ids.insert(name.into(), n);
                n
            }
        };
        let oid: RawOid = data[e.end - OID_LEN..e.end].try_into().expect("20 bytes");
        let child = match set.find(&oid) {
            Some(c) if c & FOREIGN == 0 => c,
            _ => {
                self.foreign.push(oid);
                FOREIGN | (self.foreign.len() - 1) as u32
            }
        };
        Some(Entry { child, name: ((EntryKind::from_mode(mode) as u32) << KIND_SHIFT) | name_id })
    }
}

/// Where one raw tree entry lies: `start..space` is the mode, `space + 1..nul` the name, then 20 bytes of id up
/// to `end`.
#[derive(Clone, Copy)]
struct RawEntry {
    start: usize,
    space: usize,
    nul: usize,
    end: usize,
}

impl RawEntry {
    fn at(data: &[u8], start: usize) -> Option<RawEntry> {
        // Modes and names are a few bytes long: a plain loop beats memchr's vector setup here.
        let space = start + data[start..].iter().position(|&b| b == b' ')?;
        let nul = space + 1 + data[space + 1..].iter().position(|&b| b == 0)?;
        let end = nul + 1 + OID_LEN;
        (end <= data.len()).then_some(RawEntry { start, space, nul, end })
    }

    fn name<'d>(&self, data: &'d [u8]) -> &'d [u8] {
        &data[self.space + 1..self.nul]
    }
}

fn parse_octal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| (b'0'..=b'7').contains(&d).then(|| n * 8 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::pack::tests::packed_repo;

    /// Every packed tree, most decoded from a base and parsed reusing the base's entries, must list what libgit2
    /// lists for it; and every commit's tree must be known.
    #[test]
    fn packed_trees_list_what_libgit2_lists() {
        for repack in [&["gc", "-q", "--aggressive"][..], &["-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq"]]
        {
            let dir = packed_repo(repack);
            let repo = git2::Repository::open(dir.path()).unwrap();
            let (set, _) = PackSet::open(&dir.path().join(".git/objects"));
            let trees = PackedTrees::build(&set);
            let (mut checked, mut deltas) = (0, 0);
            for id in 0..set.len() as ObjectId {
                let oid = git2::Oid::from_bytes(set.oid(id)).unwrap();
                match set.kind(id) {
                    Kind::Tree => {
                        let expected: Vec<(Vec<u8>, EntryKind, git2::Oid)> = repo
                            .find_tree(oid)
                            .unwrap()
                            .iter()
                            .map(|e| (e.name_bytes().to_vec(), EntryKind::from_mode(e.filemode_raw() as u32), e.id()))
                            .collect();
                        let mut entries = Vec::new();
                        assert!(trees.entries_into(id, &mut entries));
                        let got: Vec<(Vec<u8>, EntryKind, git2::Oid)> = entries
                            .iter()
                            .map(|e| {
                                let (name, kind, child) = trees.view(e);
                                let raw = match child {
                                    Child::Packed(c) => *set.oid(c),
                                    Child::Foreign(raw) => raw,
                                };
                                (name.to_vec(), kind, git2::Oid::from_bytes(&raw).unwrap())
                            })
                            .collect();
                        assert_eq!(got, expected, "tree {oid}");
                        checked += 1;
                        deltas += usize::from(set.base(id).is_some());
                    }
                    Kind::Commit => {
                        let tree = repo.find_commit(oid).unwrap().tree_id();
                        assert_eq!(trees.commit_tree(id), Some(&tree.as_bytes().try_into().unwrap()));
                    }
                    _ => {}
                }
            }
            assert!(checked > 40 && deltas > 10, "{checked} trees, {deltas} of them deltas");
            let edited = (0..set.len() as ObjectId)
                .filter(|&id| matches!(trees.record(id), Some(Record::Edited { .. })))
                .count();
            assert!(edited > 10, "only {edited} trees kept as edits");
        }
    }

    #[test]
    fn entry_kinds_follow_libgit2() {
        assert_eq!(EntryKind::from_mode(0o040_000), EntryKind::Tree);
        assert_eq!(EntryKind::from_mode(0o100_644), EntryKind::Blob);
        assert_eq!(EntryKind::from_mode(0o100_755), EntryKind::Blob);
        assert_eq!(EntryKind::from_mode(0o120_000), EntryKind::Link);
        assert_eq!(EntryKind::from_mode(0o120_755), EntryKind::Blob);
        assert_eq!(EntryKind::from_mode(0o160_000), EntryKind::Submodule);
        assert_eq!(parse_octal(b"100644"), Some(0o100_644));
        assert_eq!(parse_octal(b"1008"), None);
        assert_eq!(parse_octal(b""), None);
    }
}
