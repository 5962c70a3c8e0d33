//! Blobs and trees pushed without a commit: `git tag blobtag <blob>` (or a tag of a tree, or an annotated tag of
//! either) sends content that no commit holds, so a walk of commits never meets it. Every blob such a ref
//! reaches is listed whole (all its lines count), named after the ref (`refs/tags/blobtag`, or
//! `refs/tags/treetag:dir/file` inside a tree), with no commit to attribute it to.
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::BlobEntry;
use crate::stats::{ScanStats, SkipReason};

/// A [`BlobEntry::commit`] that names no commit (there is none to blame).
pub const NO_COMMIT: usize = usize::MAX;

/// Lists every blob the objects reach; `objects` are (ref name, blob or tree id) pairs, tags already peeled.
pub fn plan_objects(
    repo: &Repository,
    objects: &[(String, Oid)],
    stats: &mut ScanStats,
    on_blob: &mut dyn FnMut(BlobEntry),
) {
    for (name, oid) in objects {
        let object = match repo.find_object(*oid, None) {
            Ok(o) => o,
            Err(e) => {
                stats.error(format!("{name}: cannot read {oid}: {}", e.message()));
                continue;
            }
        };
        match object.kind() {
            Some(ObjectType::Blob) => on_blob(whole(*oid, name.clone())),
            Some(ObjectType::Tree) => {
                let Some(tree) = object.as_tree() else { continue };
                let walked = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                    match entry.kind() {
                        Some(ObjectType::Blob) => {
                            let path = format!("{name}:{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
                            on_blob(whole(entry.id(), path));
                        }
                        Some(ObjectType::Commit) => stats.skip(SkipReason::Submodule),
                        _ => {}
                    }
                    TreeWalkResult::Ok
                });
                if let Err(e) = walked {
                    stats.error(format!("{name}: cannot read tree {oid}: {}", e.message()));
                }
            }
            _ => stats.error(format!("{name}: {oid} is neither a blob nor a tree")),
        }
    }
}

fn whole(oid: Oid, path: String) -> BlobEntry {
    BlobEntry { oid, path, commit: NO_COMMIT, added: None }
}
