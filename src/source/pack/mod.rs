//! The repository's packs, read directly for a history audit.
//!
//! libgit2 reads one object at a time: an object stored as a delta means inflating its base chain, and its cache of
//! bases (16 MB, emptied whole when full) cannot hold a history's. An audit reads nearly every object, so here each
//! pack is read the way `git index-pack` resolves one: every delta listed under its base, and each chain decoded
//! from its root once, in parallel, each object inflated exactly once (`decode`). Trees for the walk and blobs for
//! the scan are decoded in two passes, so that what a pass keeps stays small.
//!
//! Only what the packs hold is read here. Loose objects, objects of alternates, and whatever cannot be decoded
//! (corrupt data, a base in another pack, an object over the size limit) are left to libgit2, which reads them
//! one by one and reports what is wrong with them: nothing is lost by taking this path.
mod decode;
mod delta;
mod index;
mod inflate;

use std::fs::File;
use std::path::{Path, PathBuf};

pub use decode::{Decoded, DeltaBase, Reader};
pub use delta::Copied;
use index::PackIndex;
pub use index::{RawOid, OID_LEN};

/// Object kinds as a pack stores them (`OBJ_COMMIT` .. `OBJ_REF_DELTA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Commit = 1,
    Tree = 2,
    Blob = 3,
    Tag = 4,
    /// A delta whose base chain does not end in an object of these packs (or loops): left to libgit2.
    Unresolved = 0,
}

/// A git2 id as the packs store ids (libgit2's ids are SHA-1, 20 bytes).
pub fn raw_oid(oid: git2::Oid) -> RawOid {
    let mut raw = [0u8; OID_LEN];
    raw.copy_from_slice(&oid.as_bytes()[..OID_LEN]);
    raw
}

/// An id for an object of the set: its position in [`PackSet::oid`]'s order (pack by pack, by offset).
pub type ObjectId = u32;

const NONE: u32 = u32::MAX;

/// One packed object: where its entry lies, what it inflates to, and its delta base. 16 bytes: the history of a
/// hosted project's mirror packs nearly two million objects, and this is kept for each of them through the audit
/// (it took 32 with 64-bit offsets and sizes and the stream's end, which is the next entry's start).
#[derive(Clone, Copy)]
struct Object {
    /// The entry's offset in its pack: these 32 bits, and 8 more in `at_high` (packs up to 1 TiB).
    at_low: u32,
    /// The base, for a delta; `NONE` otherwise.
    base: ObjectId,
    /// What the zlib stream inflates to (the object, or for a delta the delta); `LARGE` when that does not fit in
    /// 32 bits, and then the entry's header is read again for it.
    size: u32,
    at_high: u8,
    /// The entry header's length: the zlib stream starts after it, and runs up to the next entry (or the pack's
    /// trailer).
    header_len: u8,
    /// The object's kind; for a delta, its chain's root's.
    kind: Kind,
}

const LARGE: u32 = u32::MAX;
const _: () = assert!(std::mem::size_of::<Object>() == 16);

/// Packs past this size are left to libgit2 (offsets are kept in 40 bits).
const MAX_PACK_BYTES: u64 = 1 << 40;

struct Pack {
    file: File,
    /// The set's ids of this pack's objects are `first..end`.
    first: ObjectId,
    end: ObjectId,
    /// Where the last entry's stream ends: the pack's trailing checksum.
    trailer: u64,
}

/// Every object of every readable pack in a repository, with the deltas listed under their bases.
pub struct PackSet {
    packs: Vec<Pack>,
    objects: Vec<Object>,
    oids: Vec<RawOid>,
    /// Open addressing on the ids' first 8 bytes (object ids are uniformly random); `NONE` is empty.
    slots: Vec<ObjectId>,
    /// The deltas based on object `i` are `children[child_start[i]..child_start[i + 1]]`.
    child_start: Vec<u32>,
    children: Vec<ObjectId>,
}

impl PackSet {
    /// About how many objects the packs under `objects_dir/pack` hold, from their indexes' sizes alone (28 bytes
    /// an object in a version 2 index): what opening them would cost, without opening them.
    pub fn estimated_objects(objects_dir: &Path) -> u64 {
        let Ok(dir) = std::fs::read_dir(objects_dir.join("pack")) else { return 0 };
        let idx = dir.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "idx"));
        idx.filter_map(|e| e.metadata().ok()).map(|m| m.len() / (OID_LEN as u64 + 8)).sum()
    }

    /// Lists the packs under `objects_dir/pack`. A pack that cannot be listed (unreadable, malformed index or
    /// header) is left out, its objects left to libgit2; its path and why are returned beside the set.
    pub fn open(objects_dir: &Path) -> (PackSet, Vec<String>) {
        let mut set = PackSet {
            packs: Vec::new(),
            objects: Vec::new(),
            oids: Vec::new(),
            slots: Vec::new(),
            child_start: Vec::new(),
            children: Vec::new(),
        };
        let mut problems = Vec::new();
        let mut idx_paths: Vec<PathBuf> = std::fs::read_dir(objects_dir.join("pack"))
            .map(|dir| dir.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "idx")).collect())
            .unwrap_or_default();
        idx_paths.sort();
        for idx_path in idx_paths {
            let pack_path = idx_path.with_extension("pack");
            if let Err(why) = set.add_pack(&idx_path, &pack_path) {
                problems.push(format!("{}: {why}", pack_path.display()));
            }
        }
        set.resolve_kinds();
        set.list_children();
        set.fill_slots();
        (set, problems)
    }

    fn add_pack(&mut self, idx_path: &Path, pack_path: &Path) -> Result<(), String> {
        let first = self.objects.len();
        let added = self.read_pack(idx_path, pack_path);
        if added.is_err() {
            // Nothing of a pack that cannot be listed whole is kept.
            self.objects.truncate(first);
            self.oids.truncate(first);
        }
        added
    }

    fn read_pack(&mut self, idx_path: &Path, pack_path: &Path) -> Result<(), String> {
        let index = PackIndex::parse(&std::fs::read(idx_path).map_err(|e| e.to_string())?)?;
        let file = File::open(pack_path).map_err(|e| e.to_string())?;
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        if len >= MAX_PACK_BYTES {
            return Err("over 1 TiB".into());
        }
        let mut header = [0u8; 12];
        decode::read_at(&file, 0, &mut header).map_err(|e| format!("cannot read its header: {e}"))?;
        let count = u32::from_be_bytes(header[8..12].try_into().expect("4 bytes")) as usize;
        if &header[..4] != b"PACK" || !matches!(header[7], 2 | 3) || header[4..7] != [0, 0, 0] {
            return Err("not a version 2 or 3 pack".into());
        }
        if count != index.oids.len() {
            return Err(format!("holds {count} objects, its index {}", index.oids.len()));
        }
        let first = self.objects.len();
        if first + count >= NONE as usize {
            return Err("too many objects".into());
        }
        // Objects in offset order, so that an offset delta's base (always earlier) has a smaller id.
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by_key(|&i| index.offsets[i as usize]);
        let offset = |k: usize| index.offsets[order[k] as usize];
        let trailer = len
            .checked_sub(OID_LEN as u64)
            .filter(|&t| count == 0 || (offset(count - 1) < t && offset(0) >= 12))
            .ok_or("shorter than its index says")?;
        let mut window = decode::Window::default();
        self.objects.reserve_exact(count);
        self.oids.reserve_exact(count);
        let mut by_id = Vec::new();
        for (k, &in_index) in order.iter().enumerate() {
            let at = index.offsets[in_index as usize];
            let end = if k + 1 < count { offset(k + 1) } else { trailer };
            if end <= at {
                return Err(format!("two objects at offset {at}"));
            }
            let head = window.bytes(&file, at, (end - at).min(64) as usize).map_err(|e| e.to_string())?;
            let header = decode::parse_header(head).ok_or_else(|| format!("object at offset {at}: bad header"))?;
            let base = match header.base {
                decode::Base::None => NONE,
                decode::Base::Offset(back) => {
                    let base_at =
                        at.checked_sub(back).ok_or_else(|| format!("object at {at}: base before the pack"))?;
                    // The first of the entries before this one that does not start before the base.
                    let (mut lo, mut hi) = (0, k);
                    while lo < hi {
                        let mid = lo + (hi - lo) / 2;
                        if offset(mid) < base_at {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    if lo == k || offset(lo) != base_at {
                        return Err(format!("object at {at}: no object at its base offset {base_at}"));
                    }
                    (first + lo) as ObjectId
                }
                // Found once every object is listed; until then the kind marks it a delta.
                decode::Base::Id(oid) => {
                    by_id.push((k, oid));
                    NONE
                }
            };
            self.objects.push(Object {
                at_low: at as u32,
                base,
                size: u32::try_from(header.size).unwrap_or(LARGE),
                at_high: (at >> 32) as u8,
                header_len: header.len as u8,
                kind: header.kind,
            });
            self.oids.push(index.oids[in_index as usize]);
        }
        // Reference deltas: the base must be in the same pack (git's on-disk packs are never thin).
        if !by_id.is_empty() {
            let mut rank = vec![0u32; count];
            for (k, &i) in order.iter().enumerate() {
                rank[i as usize] = k as u32;
            }
            for (k, oid) in by_id {
                if let Some(i) = index.find(&oid) {
                    self.objects[first + k].base = (first + rank[i] as usize) as ObjectId;
                }
            }
        }
        let end = (first + count) as ObjectId;
        self.packs.push(Pack { file, first: first as ObjectId, end, trailer });
        Ok(())
    }

    /// A delta's kind is its chain's root's. Offset deltas point back, so one pass in id order settles them;
    /// reference deltas may point forward and take more; a chain that never ends in a whole object stays
    /// unresolved.
    fn resolve_kinds(&mut self) {
        loop {
            let mut changed = false;
            for i in 0..self.objects.len() {
                let o = self.objects[i];
                if o.kind == Kind::Unresolved && o.base != NONE {
                    let base_kind = self.objects[o.base as usize].kind;
                    if base_kind != Kind::Unresolved {
                        self.objects[i].kind = base_kind;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn list_children(&mut self) {
        let mut start = vec![0u32; self.objects.len() + 1];
        for o in &self.objects {
            if o.base != NONE {
                start[o.base as usize + 1] += 1;
            }
        }
        for i in 0..self.objects.len() {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut children = vec![0; *start.last().unwrap_or(&0) as usize];
        for (i, o) in self.objects.iter().enumerate() {
            if o.base != NONE {
                let slot = &mut next[o.base as usize];
                children[*slot as usize] = i as ObjectId;
                *slot += 1;
            }
        }
        self.child_start = start;
        self.children = children;
    }

    fn fill_slots(&mut self) {
        let capacity = (self.oids.len() * 2).next_power_of_two().max(16);
        self.slots = vec![NONE; capacity];
        for id in 0..self.oids.len() {
            // The same object in two packs: the first copy is the one read.
            if self.find(&self.oids[id]).is_none() {
                let mut slot = self.home(&self.oids[id]);
                while self.slots[slot] != NONE {
                    slot = (slot + 1) & (capacity - 1);
                }
                self.slots[slot] = id as ObjectId;
            }
        }
    }

    fn home(&self, oid: &RawOid) -> usize {
        u64::from_le_bytes(oid[..8].try_into().expect("8 bytes")) as usize & (self.slots.len() - 1)
    }

    /// The set's id of `oid`, if a pack holds it.
    pub fn find(&self, oid: &RawOid) -> Option<ObjectId> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slot = self.home(oid);
        loop {
            let id = self.slots[slot];
            if id == NONE {
                return None;
            }
            if same_oid(&self.oids[id as usize], oid) {
                return Some(id);
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn oid(&self, id: ObjectId) -> &RawOid {
        &self.oids[id as usize]
    }

    pub fn kind(&self, id: ObjectId) -> Kind {
        self.objects[id as usize].kind
    }

    /// The delta base of `id`, if it is a delta.
    pub fn base(&self, id: ObjectId) -> Option<ObjectId> {
        Some(self.objects[id as usize].base).filter(|&b| b != NONE)
    }

    /// How many objects of `kind` the packs hold.
    pub fn count(&self, kind: Kind) -> usize {
        self.objects.iter().filter(|o| o.kind == kind).count()
    }

    /// The objects whose chains start at a whole object of `kind`: where decoding starts.
    pub fn roots(&self, kind: Kind) -> Vec<ObjectId> {
        (0..self.objects.len() as ObjectId)
            .filter(|&i| self.objects[i as usize].base == NONE && self.objects[i as usize].kind == kind)
            .collect()
    }

    /// The size an entry declares: the object's for a whole object, the delta's for a delta.
    pub fn size(&self, id: ObjectId) -> u64 {
        match self.objects[id as usize].size {
            LARGE => self.large_size(id),
            size => u64::from(size),
        }
    }

    /// The size of an object of 4 GiB or more, from its entry's header; as good as unlimited if the header cannot
    /// be read again (it was read once: the pack changed under the audit).
    #[cold]
    fn large_size(&self, id: ObjectId) -> u64 {
        let mut head = [0u8; 64];
        let (at, end) = (self.entry_at(id), self.stream(id).1);
        let head = &mut head[..(end - at).min(64) as usize];
        match decode::read_at(&self.pack_of(id).file, at, head) {
            Ok(()) => decode::parse_header(head).map_or(u64::MAX, |h| h.size),
            Err(_) => u64::MAX,
        }
    }

    fn entry_at(&self, id: ObjectId) -> u64 {
        let o = &self.objects[id as usize];
        u64::from(o.at_high) << 32 | u64::from(o.at_low)
    }

    /// Where the zlib stream of `id` lies in its pack: from after its header up to the next entry.
    fn stream(&self, id: ObjectId) -> (u64, u64) {
        let pack = self.pack_of(id);
        let end = if id + 1 < pack.end { self.entry_at(id + 1) } else { pack.trailer };
        (self.entry_at(id) + u64::from(self.objects[id as usize].header_len), end)
    }

    /// Whether any delta is based on object `id`.
    pub fn is_base(&self, id: ObjectId) -> bool {
        !self.children(id).is_empty()
    }

    fn children(&self, id: ObjectId) -> &[ObjectId] {
        let i = id as usize;
        &self.children[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    fn pack_of(&self, id: ObjectId) -> &Pack {
        let p = self.packs.partition_point(|p| p.first <= id) - 1;
        &self.packs[p]
    }
}

/// Two ids compared as integers: `==` on byte arrays calls `memcmp`, which showed in profiles of the walk.
#[inline]
fn same_oid(a: &RawOid, b: &RawOid) -> bool {
    let word = |o: &RawOid, at: usize| u64::from_ne_bytes(o[at..at + 8].try_into().expect("8 bytes"));
    let tail = |o: &RawOid| u32::from_ne_bytes(o[16..20].try_into().expect("4 bytes"));
    word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && tail(a) == tail(b)
}

#[cfg(test)]
pub(crate) mod tests;
