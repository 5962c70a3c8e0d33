//! A full audit's distinct blobs, held between the walk that lists them and the bulk scan that decodes them from
//! the packs: each blob's id, commit and path, with the paths one after the other in one buffer. A
//! [`BlobEntry`] per blob took 80 bytes plus a heap string for its path; this takes 40 plus the path's bytes. On
//! the mirror-shaped history at full size (303,000 distinct blobs, listed twice while the walk runs on two
//! threads, in lists grown by doubling to 524,288 entries) the entries alone came to 84 MB of the audit's peak.
use git2::Oid;

use super::BlobEntry;

#[derive(Clone, Copy)]
struct Listed {
    oid: Oid,
    commit: usize,
    /// Where this blob's path ends in `paths`; it starts where the one before it ends.
    path_end: usize,
}

/// Blobs of a full audit (every line counts: no added lines are kept), in the order they were listed.
#[derive(Default)]
pub struct BlobList {
    listed: Vec<Listed>,
    paths: String,
}

/// Path bytes reserved a blob: more than most paths take. What is reserved and never written costs address
/// space, not memory.
const PATH_BYTES_RESERVED: usize = 64;

impl BlobList {
    /// A list with room for `blobs` blobs reserved, so that it need not grow by copying while it is filled: the
    /// copy of a growing list held its old and new buffers at once, at the end of the walk, when the audit's
    /// memory peaks.
    pub fn with_capacity(blobs: usize) -> BlobList {
        BlobList { listed: Vec::with_capacity(blobs), paths: String::with_capacity(blobs * PATH_BYTES_RESERVED) }
    }

    /// Adds a blob first seen at `path` in the plan's commit `commit`.
    pub fn push(&mut self, oid: Oid, path: &str, commit: usize) {
        self.paths.push_str(path);
        self.listed.push(Listed { oid, commit, path_end: self.paths.len() });
    }

    pub fn len(&self) -> usize {
        self.listed.len()
    }

    pub fn oid(&self, i: usize) -> Oid {
        self.listed[i].oid
    }

    pub fn path(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.listed[i - 1].path_end };
        &self.paths[start..self.listed[i].path_end]
    }

    /// Blob `i` as the scan takes it.
    pub fn entry(&self, i: usize) -> BlobEntry {
        BlobEntry { oid: self.listed[i].oid, path: self.path(i).to_owned(), commit: self.listed[i].commit, added: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_blob_as_listed() {
        let mut list = BlobList::default();
        assert_eq!(list.len(), 0);
        let (a, b) = (Oid::from_bytes(&[1; 20]).unwrap(), Oid::from_bytes(&[2; 20]).unwrap());
        list.push(a, "src/main.rs", 3);
        list.push(b, "", 0);
        list.push(a, "docs/ü.md", 7);
        let got: Vec<(Oid, String, usize)> =
            (0..list.len()).map(|i| list.entry(i)).map(|e| (e.oid, e.path, e.commit)).collect();
        assert_eq!(got, vec![(a, "src/main.rs".into(), 3), (b, String::new(), 0), (a, "docs/ü.md".into(), 7)]);
        assert_eq!((list.len(), list.oid(1), list.path(2)), (3, b, "docs/ü.md"));
    }
}
