//! The staged change worked out as git does it: the index's cache tree names, for each directory untouched since
//! the last commit or write-tree, the tree object it would write. Where that equals HEAD's tree for the
//! directory, nothing under it is staged, and it is passed over without reading a tree object. Only the
//! directories on the path of a change are compared entry by entry, so the cost follows the change, not the
//! size of the repository (libgit2's diff reads every tree of HEAD).
use std::collections::HashMap;

use git2::{Oid, Repository, Tree};

use super::index_file::{CacheTree, IndexEntry, IndexFile};

const MODE_TREE: u32 = 0o040000;

/// A path whose staged blob differs from HEAD's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexChange {
    pub path: Vec<u8>,
    pub mode: u32,
    pub oid: Oid,
    /// The blob and mode HEAD has at this path, if it has a file there.
    pub old: Option<(Oid, u32)>,
}

/// The changes between HEAD's tree (none before the first commit) and the index. `Ok(None)` when the change both
/// removes and adds paths: those may be renames, whose old content only libgit2's similarity detection finds.
pub fn staged_changes(
    repo: &Repository,
    index: &IndexFile,
    head: Option<&Tree<'_>>,
) -> Result<Option<Vec<IndexChange>>, git2::Error> {
    let mut walk = Walk { repo, changes: Vec::new(), removes: false, adds: false };
    walk.dir(0, &index.entries, index.cache_tree.as_ref(), head.cloned())?;
    Ok((!(walk.removes && walk.adds)).then_some(walk.changes))
}

struct Walk<'r> {
    repo: &'r Repository,
    changes: Vec<IndexChange>,
    removes: bool,
    adds: bool,
}

impl<'r> Walk<'r> {
    /// Compares the index entries under one directory (`entries`, whose paths share the first `prefix`
    /// bytes) with HEAD's tree for it.
    fn dir(
        &mut self,
        prefix: usize,
        entries: &[IndexEntry<'_>],
        cache: Option<&CacheTree>,
        head: Option<Tree<'r>>,
    ) -> Result<(), git2::Error> {
        if let (Some(cached), Some(tree)) = (cache.and_then(|c| c.oid), &head) {
            if cached == tree.id() {
                return Ok(());
            }
        }
        // HEAD's entries by name, each marked once an index entry claims it.
        let mut head_entries: HashMap<Vec<u8>, (Oid, u32, bool)> = head
            .as_ref()
            .map(|t| t.iter().map(|e| (e.name_bytes().to_vec(), (e.id(), e.filemode() as u32, false))).collect())
            .unwrap_or_default();
        let mut seen = |name: &[u8]| {
            head_entries.get_mut(name).map(|e| {
                e.2 = true;
                (e.0, e.1)
            })
        };
        let mut i = 0;
        while i < entries.len() {
            let entry = &entries[i];
            let rest = &entry.path[prefix..];
            let Some(slash) = rest.iter().position(|&b| b == b'/') else {
                let old = match seen(rest) {
                    Some((_, MODE_TREE)) => {
                        // A directory became a file: its files are gone.
                        self.removes = true;
                        None
                    }
                    other => other,
                };
                match old {
                    Some((oid, mode)) if oid == entry.oid && mode == entry.mode => {}
                    _ => {
                        self.adds |= old.is_none();
                        self.changes.push(IndexChange {
                            path: entry.path.to_vec(),
                            mode: entry.mode,
                            oid: entry.oid,
                            old,
                        });
                    }
                }
                i += 1;
                continue;
            };
            let dir_prefix = &entry.path[..prefix + slash + 1];
            let end = i + entries[i..].iter().take_while(|e| e.path.starts_with(dir_prefix)).count();
            let name = &rest[..slash];
            let sub_cache = cache.and_then(|c| c.child(name));
            let sub_head = match seen(name) {
                // Unchanged, known from the parent's listing alone: the subtree need not be read.
                Some((oid, MODE_TREE)) if sub_cache.and_then(|c| c.oid) == Some(oid) => {
                    i = end;
                    continue;
                }
                Some((oid, MODE_TREE)) => Some(self.repo.find_tree(oid)?),
                // A file became a directory.
                Some(_) => {
                    self.removes = true;
                    None
                }
                None => None,
            };
            self.dir(prefix + slash + 1, &entries[i..end], sub_cache, sub_head)?;
            i = end;
        }
        if head_entries.values().any(|e| !e.2) {
            self.removes = true;
        }
        Ok(())
    }
}
