//! The commits an incremental audit has yet to read: those the refs reach that no earlier run audited. The state
//! lists every audited commit ([`crate::audit_state`]), a set closed under parents, so the walk goes back from
//! the refs that moved and stops at the first audited commit on each path: it reads only the new commits. (The
//! state used to keep the refs' old tips, hidden in libgit2's revwalk; with a mirror's 60,000 refs that walk
//! took over a minute, as libgit2 rescans its whole list of hidden commits at each step.)
use git2::{Oid, Repository};

use super::commit_order;
use super::commits::{self, Tips};
use crate::error::Result;
use crate::stats::ScanStats;

/// The commits reachable from the refs (and HEAD) and not in `audited` (sorted), parents before children.
pub fn new_commits(repo: &Repository, audited: &[Oid], stats: &mut ScanStats) -> Result<Vec<Oid>> {
    debug_assert!(audited.is_sorted());
    let known = |oid: Oid| audited.binary_search(&oid).is_ok();
    let tips = Tips::refs_except(repo, None, &known, stats)?;
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    // Grafts and a shallow boundary change a commit's parents as libgit2's revwalk sees them.
    let grafted = repo.is_shallow() || repo.commondir().join("info/grafts").exists();
    if !grafted {
        let read = |oid: Oid| {
            let commit = repo.find_commit(oid).ok()?;
            let parents = commit.parent_ids().filter(|p| !known(*p)).collect();
            let time = commit.committer().when().seconds();
            Some((time, parents))
        };
        if let Some(order) = commit_order::topological(&tips, read) {
            return Ok(order);
        }
    }
    // A commit could not be read (or the history is grafted): libgit2's revwalk, which counts what it cannot
    // read, with the audited commits next to the new ones hidden.
    let exclude = boundary(repo, &tips, &known);
    commits::walk(repo, &Tips { include: tips, exclude }, stats)
}

/// The audited commits that new commits (reachable from `tips`) have as parents. A commit that cannot be read
/// ends its path: then more may be walked, never less.
fn boundary(repo: &Repository, tips: &[Oid], known: &dyn Fn(Oid) -> bool) -> Vec<Oid> {
    let mut seen = std::collections::HashSet::new();
    let mut boundary = std::collections::BTreeSet::new();
    let mut stack = tips.to_vec();
    while let Some(oid) = stack.pop() {
        if !seen.insert(oid) {
            continue;
        }
        let Ok(commit) = repo.find_commit(oid) else { continue };
        for parent in commit.parent_ids() {
            if known(parent) {
                boundary.insert(parent);
            } else if !seen.contains(&parent) {
                stack.push(parent);
            }
        }
    }
    boundary.into_iter().collect()
}
