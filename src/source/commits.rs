//! Which commits a history scan reads, parents before children. The refs are resolved here first, each distinct
//! commit once, so 100,000 refs that point at a few thousand commits cost a few thousand object reads, not one
//! per ref. libgit2's revwalk then orders the commits; it stops at the first commit it cannot read (a corrupt or
//! missing object), so when it fails the walk is redone here commit by commit: the unreadable ones are counted
//! and the rest of the history is still scanned.
use std::collections::{HashMap, HashSet};

use git2::{ObjectType, Oid, Repository, Sort};

use super::git::git_error;
use crate::error::{Error, Result};
use crate::stats::ScanStats;

/// A commit as reports show it: where a finding in history or a range was introduced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// RFC 3339.
    pub date: String,
    pub subject: String,
    /// Further commits that carry the same secret at the same path. (A report that lacks it is still read:
    /// `report merge` sets it.)
    #[serde(default)]
    pub further_occurrences: usize,
    /// The commit's place in the audit's walk, parents before children (0 for the first). When shards of one
    /// audit found the same finding, `leakgate report merge` keeps the earliest, as one run would.
    #[serde(default)]
    pub order: usize,
}

/// The commits to read: reachable from `include`, not from `exclude`.
#[derive(Debug, Default)]
pub struct Tips {
    pub include: Vec<Oid>,
    pub exclude: Vec<Oid>,
}

impl Tips {
    /// The commit behind every ref (and HEAD) matching `glob` (all refs when `None`), each distinct one once.
    /// Refs to trees or blobs are not history: they are noted. A ref whose object cannot be read is counted.
    pub fn refs(repo: &Repository, glob: Option<&str>, stats: &mut ScanStats) -> Result<Vec<Oid>> {
        Tips::refs_except(repo, glob, &|_| false, stats)
    }

    /// [`refs`](Self::refs), leaving out the refs that point straight at a commit `known` says is done with,
    /// without reading it: on a mirror, tens of thousands of refs that have not moved since the last audit.
    pub fn refs_except(
        repo: &Repository,
        glob: Option<&str>,
        known: &dyn Fn(Oid) -> bool,
        stats: &mut ScanStats,
    ) -> Result<Vec<Oid>> {
        let refs = match glob {
            None => repo.references(),
            Some(g) => repo.references_glob(&glob_pattern(g)),
        }
        .map_err(|e| git_error("cannot read refs", e))?;
        // Ref name per distinct target: the name is only for messages.
        let mut targets: HashMap<Oid, String> = HashMap::new();
        for r in refs {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    stats.error(format!("a ref cannot be read: {}", e.message()));
                    continue;
                }
            };
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            let target = match r.target() {
                Some(t) => Ok(Some(t)),
                None => r.resolve().map(|r| r.target()),
            };
            match target {
                Ok(Some(t)) => {
                    targets.entry(t).or_insert(name);
                }
                // A symbolic ref to a branch that does not exist yet points at nothing to scan.
                Ok(None) => {}
                Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                Err(e) => stats.error(format!("ref {name}: {}", e.message())),
            }
        }
        if glob.is_none() {
            if let Ok(Some(head)) = repo.head().map(|h| h.target()) {
                targets.entry(head).or_insert_with(|| "HEAD".into());
            }
        }
        let mut commits = HashSet::new();
        let mut not_history = 0;
        for (oid, name) in targets {
            if known(oid) {
                continue;
            }
            match peel_tags(repo, oid) {
                Ok(o) if o.kind() == Some(ObjectType::Commit) => {
                    if !known(o.id()) {
                        commits.insert(o.id());
                    }
                }
                Ok(_) => not_history += 1,
                Err(e) => stats.error(format!("ref {name}: cannot read {oid}: {}", e.message())),
            }
        }
        if not_history > 0 && glob.is_none() {
            stats.notes.push(format!("{not_history} refs point at a tree or blob, not a commit: not scanned"));
        }
        let mut commits: Vec<Oid> = commits.into_iter().collect();
        commits.sort();
        Ok(commits)
    }
}

/// The object behind a chain of annotated tags (bounded: a tag chain is attacker-controlled input).
fn peel_tags(repo: &Repository, oid: Oid) -> std::result::Result<git2::Object<'_>, git2::Error> {
    let mut obj = repo.find_object(oid, None)?;
    for _ in 0..100 {
        match obj.as_tag().map(|t| t.target()) {
            Some(target) => obj = target?,
            None => break,
        }
    }
    Ok(obj)
}

/// `git rev-list --glob` semantics: a pattern without `*`, `?` or `[` matches everything under it.
fn glob_pattern(glob: &str) -> String {
    let full = if glob.starts_with("refs/") { glob.to_string() } else { format!("refs/{glob}") };
    if full.contains(['*', '?', '[']) {
        full
    } else {
        format!("{}/*", full.trim_end_matches('/'))
    }
}

/// The commits reachable from `tips.include` and not from `tips.exclude`, parents before children.
pub fn walk(repo: &Repository, tips: &Tips, stats: &mut ScanStats) -> Result<Vec<Oid>> {
    if tips.include.is_empty() {
        return Ok(Vec::new());
    }
    match revwalk(repo, tips) {
        Ok(commits) => Ok(commits),
        Err(_) => Ok(walk_tolerant(repo, tips, stats)),
    }
}

fn revwalk(repo: &Repository, tips: &Tips) -> std::result::Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for oid in &tips.include {
        walk.push(*oid)?;
    }
    for oid in &tips.exclude {
        walk.hide(*oid)?;
    }
    walk.collect()
}

/// The revwalk, one commit at a time: a commit that cannot be read is counted, and the history behind it is
/// scanned as far as other commits lead there. Depth-first, post-order (parents first), with an explicit stack:
/// history depth is unbounded.
fn walk_tolerant(repo: &Repository, tips: &Tips, stats: &mut ScanStats) -> Vec<Oid> {
    let shallow = shallow_boundary(repo);
    // An unreadable commit on the excluded side only means more gets scanned, not less: nothing to count.
    let hidden = reachable(repo, &tips.exclude, &shallow);
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut order = Vec::new();
    let mut stack: Vec<(Oid, bool)> = tips.include.iter().rev().map(|o| (*o, false)).collect();
    while let Some((oid, parents_done)) = stack.pop() {
        if parents_done {
            order.push(oid);
            continue;
        }
        if hidden.contains(&oid) || !seen.insert(oid) {
            continue;
        }
        match repo.find_commit(oid) {
            Ok(c) => {
                stack.push((oid, true));
                if !shallow.contains(&oid) {
                    let parents: Vec<Oid> = c.parent_ids().collect();
                    stack.extend(parents.into_iter().rev().filter(|p| !seen.contains(p)).map(|p| (p, false)));
                }
            }
            Err(e) => stats.error(format!(
                "commit {oid}: {}; it and the history behind it were not scanned (except what other commits reach)",
                e.message()
            )),
        }
    }
    order
}

fn reachable(repo: &Repository, from: &[Oid], shallow: &HashSet<Oid>) -> HashSet<Oid> {
    let mut seen = HashSet::new();
    let mut stack = from.to_vec();
    while let Some(oid) = stack.pop() {
        if !seen.insert(oid) || shallow.contains(&oid) {
            continue;
        }
        if let Ok(c) = repo.find_commit(oid) {
            stack.extend(c.parent_ids().filter(|p| !seen.contains(p)));
        }
    }
    seen
}

/// The commits whose parents a shallow clone does not have (`.git/shallow`).
fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    let text = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    text.lines().filter_map(|l| Oid::from_str(l.trim()).ok()).collect()
}

/// A revision the user named that does not resolve: a usage error, with a plain reason first.
pub fn bad_rev(repo: &Repository, rev: &str, e: git2::Error) -> Error {
    let unborn = repo.head().is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch);
    let reason = if unborn && repo.references().is_ok_and(|mut r| r.next().is_none()) {
        "the repository has no commits yet".to_string()
    } else if matches!(e.code(), git2::ErrorCode::NotFound | git2::ErrorCode::Ambiguous) {
        format!("no such branch, tag or commit ({})", e.message())
    } else {
        e.message().to_string()
    };
    Error::config(format!("revision `{rev}`"), reason)
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs_match_like_rev_list() {
        assert_eq!(super::glob_pattern("refs/remotes/origin"), "refs/remotes/origin/*");
        assert_eq!(super::glob_pattern("remotes/origin/"), "refs/remotes/origin/*");
        assert_eq!(super::glob_pattern("refs/tags/v*"), "refs/tags/v*");
    }
}
