//! The walk of a history's trees that lists its distinct blobs: for each commit, oldest first, the trees not seen
//! before, and in them each blob not seen before, with the commit and path where it first appears.
//!
//! With the packs' trees decoded (`PackedTrees`), a long history is walked on two threads: the earlier half of the
//! commits on one, the later half on the other, each with its own record of what it has seen. The later walk's
//! blobs are kept only where the earlier walk did not meet them, which gives exactly the sequential walk's list: a
//! tree the earlier walk met holds only blobs it met, so skipping it or not changes no first appearance in the
//! later commits. What the later walk counts (submodules) or reports (unreadable trees) is held back
//! and applied the same way.
use std::collections::HashSet;
use std::path::Path;

use git2::{Oid, Repository, Tree};

use super::blob_list::BlobList;
use super::fast_hash::FastBuild;
use super::pack::{raw_oid, Kind, ObjectId, PackSet, RawOid};
use super::packed_trees::{Child, EntryKind, PackedTrees, TreeEntry};
use super::BlobEntry;
use crate::stats::{ScanStats, SkipReason};

/// Walks `commits` (indexes into it name each blob's commit) on this thread.
pub(super) fn walk(
    repo: &Repository,
    packs: Option<&PackSet>,
    trees: Option<&PackedTrees>,
    commits: &[Oid],
    stats: &mut ScanStats,
    on_blob: &mut dyn FnMut(BlobEntry),
) {
    let mut walk = TreeWalk::new(repo, packs, trees, false);
    for (i, oid) in commits.iter().enumerate() {
        walk.commit(i, *oid, stats, on_blob);
    }
}

/// [`walk`] on two threads, the later half of the commits on a second `Repository` (libgit2's is not `Sync`)
/// opened on `git_dir`; without it, everything is walked here. The later half's blobs are handed over once the
/// earlier half is done.
pub(super) fn walk_split(
    repo: &Repository,
    git_dir: &Path,
    packs: Option<&PackSet>,
    trees: &PackedTrees,
    commits: &[Oid],
    stats: &mut ScanStats,
    on_blob: &mut dyn FnMut(BlobEntry),
) {
    let mid = commits.len() / 2;
    std::thread::scope(|scope| {
        let later = scope.spawn(|| {
            let repo = Repository::open(git_dir).ok()?;
            let mut walk = TreeWalk::new(&repo, packs, Some(trees), true);
            let mut blobs = BlobList::with_capacity(packs.map_or(0, |p| p.count(Kind::Blob)));
            // Stays empty: this walk holds back all it would count.
            let mut unused = ScanStats::default();
            for (i, oid) in commits.iter().enumerate().skip(mid) {
                walk.commit(i, *oid, &mut unused, &mut |blob| blobs.push(blob.oid, &blob.path, blob.commit));
            }
            Some((blobs, walk.held_back.unwrap_or_default()))
        });
        let mut walk = TreeWalk::new(repo, packs, Some(trees), false);
        for (i, oid) in commits.iter().enumerate().take(mid) {
            walk.commit(i, *oid, stats, on_blob);
        }
        let Some((blobs, held_back)) = later.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)) else {
            for (i, oid) in commits.iter().enumerate().skip(mid) {
                walk.commit(i, *oid, stats, on_blob);
            }
            return;
        };
        for note in held_back {
            match note {
                HeldBack::Skip(child, reason) => {
                    if walk.seen_other.insert(child) {
                        stats.skip(reason);
                    }
                }
                HeldBack::TreeError(child, message) => {
                    if walk.seen_trees.insert(child) {
                        stats.error(message);
                    }
                }
                HeldBack::CommitError(message) => stats.error(message),
            }
        }
        for i in 0..blobs.len() {
            if walk.seen_blobs.insert(walk.child(blobs.oid(i))) {
                on_blob(blobs.entry(i));
            }
        }
    });
}

/// What a walk of later commits counts or reports, held back until the earlier walk is done: it stands only if
/// the earlier walk did not meet the same object.
enum HeldBack {
    Skip(Child, SkipReason),
    TreeError(Child, String),
    CommitError(String),
}

struct TreeWalk<'a> {
    repo: &'a Repository,
    packs: Option<&'a PackSet>,
    trees: Option<&'a PackedTrees>,
    seen_trees: Seen,
    seen_blobs: Seen,
    seen_other: Seen,
    /// The packed trees whose every entry this walk has gone through: what they hold is all seen.
    walked: Seen,
    /// Whether a tree kept as edits to a walked base is walked through its edits alone (always, but in a test
    /// that compares the two), and how many were.
    reuse_walked_bases: bool,
    bases_reused: usize,
    /// An explicit stack: directory depth is attacker-controlled.
    stack: Vec<(PendingTree<'a>, String)>,
    /// The entries of the packed tree being walked, reused from tree to tree.
    entries: Vec<TreeEntry>,
    /// For a walk of later commits: what it counts and reports, kept here instead of in the stats.
    held_back: Option<Vec<HeldBack>>,
}

enum PendingTree<'r> {
    Packed(ObjectId),
    Read(Tree<'r>),
}

impl<'a> TreeWalk<'a> {
    fn new(
        repo: &'a Repository,
        packs: Option<&'a PackSet>,
        trees: Option<&'a PackedTrees>,
        hold_back: bool,
    ) -> TreeWalk<'a> {
        let n = packs.map_or(0, PackSet::len);
        TreeWalk {
            repo,
            packs,
            trees,
            seen_trees: Seen::new(n),
            seen_blobs: Seen::new(n),
            seen_other: Seen::new(n),
            walked: Seen::new(n),
            reuse_walked_bases: true,
            bases_reused: 0,
            stack: Vec::new(),
            entries: Vec::new(),
            held_back: hold_back.then(Vec::new),
        }
    }

    /// Walks the trees of the commit `oid`, at index `commit`, that were not seen before.
    fn commit(&mut self, commit: usize, oid: Oid, stats: &mut ScanStats, on_blob: &mut dyn FnMut(BlobEntry)) {
        let packed_tree = match (self.child(oid), self.trees) {
            (Child::Packed(id), Some(trees)) => trees.commit_tree(id).and_then(|raw| Oid::from_bytes(raw).ok()),
            _ => None,
        };
        let tree = match packed_tree.map_or_else(|| self.repo.find_commit(oid).map(|c| c.tree_id()), Ok) {
            Ok(tree) => tree,
            Err(e) => {
                let message = format!("commit {oid}: cannot read its tree: {}", e.message());
                return self.note(HeldBack::CommitError(message), stats);
            }
        };
        let root = self.child(tree);
        if !self.seen_trees.insert(root) {
            return;
        }
        match self.pending(root) {
            Ok(p) => self.stack.push((p, String::new())),
            Err(e) => {
                let message = format!("commit {oid}: cannot read its tree: {}", e.message());
                self.note(HeldBack::TreeError(root, message), stats);
            }
        }
        self.run(commit, stats, on_blob);
    }

    /// Counts a skip or reports an error, or holds it back (see [`HeldBack`]).
    fn note(&mut self, note: HeldBack, stats: &mut ScanStats) {
        match (&mut self.held_back, note) {
            (Some(held), note) => held.push(note),
            (None, HeldBack::Skip(_, reason)) => stats.skip(reason),
            (None, HeldBack::TreeError(_, message) | HeldBack::CommitError(message)) => stats.error(message),
        }
    }

    fn child(&self, oid: Oid) -> Child {
        let raw = raw_oid(oid);
        match self.packs.and_then(|p| p.find(&raw)) {
            Some(id) => Child::Packed(id),
            None => Child::Foreign(raw),
        }
    }

    fn oid(&self, child: Child) -> Oid {
        let raw = match child {
            Child::Packed(id) => self.packs.map_or([0; 20], |p| *p.oid(id)),
            Child::Foreign(raw) => raw,
        };
        Oid::from_bytes(&raw).unwrap_or_else(|_| Oid::zero())
    }

    /// A tree to walk: decoded already, or read now through libgit2.
    fn pending(&self, tree: Child) -> std::result::Result<PendingTree<'a>, git2::Error> {
        if let (Child::Packed(id), Some(trees)) = (tree, self.trees) {
            if trees.has(id) {
                return Ok(PendingTree::Packed(id));
            }
        }
        self.repo.find_tree(self.oid(tree)).map(PendingTree::Read)
    }

    /// Walks what is on the stack, for the commit at `commit`.
    fn run(&mut self, commit: usize, stats: &mut ScanStats, on_blob: &mut dyn FnMut(BlobEntry)) {
        while let Some((tree, prefix)) = self.stack.pop() {
            match tree {
                PendingTree::Packed(id) => {
                    let trees = self.trees.expect("packed trees");
                    self.walked.insert(Child::Packed(id));
                    // A tree kept as edits to a base this walk has gone through: the entries it keeps from the
                    // base were all met there, so only those the edits add can be new. Most of a history's trees
                    // are a new version of a directory with one entry changed (a pull request's merge commit is
                    // main's root tree with one entry changed).
                    let reusable = |(base, _): &(ObjectId, _)| self.reuse_walked_bases && self.walked.has(*base);
                    if let Some((_, added)) = trees.added_to_base(id).filter(reusable) {
                        self.bases_reused += 1;
                        for e in added {
                            let (name, kind, child) = trees.view(&e);
                            self.entry(commit, &prefix, name, kind, child, stats, on_blob);
                        }
                        continue;
                    }
                    let mut entries = std::mem::take(&mut self.entries);
                    trees.entries_into(id, &mut entries);
                    for e in &entries {
                        let (name, kind, child) = trees.view(e);
                        self.entry(commit, &prefix, name, kind, child, stats, on_blob);
                    }
                    self.entries = entries;
                }
                PendingTree::Read(tree) => {
                    for e in tree.iter() {
                        let kind = EntryKind::from_mode(e.filemode_raw() as u32);
                        self.entry(commit, &prefix, e.name_bytes(), kind, self.child(e.id()), stats, on_blob);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        commit: usize,
        prefix: &str,
        name: &[u8],
        kind: EntryKind,
        child: Child,
        stats: &mut ScanStats,
        on_blob: &mut dyn FnMut(BlobEntry),
    ) {
        // The path is only built for what is new: most entries are trees and blobs already seen.
        let path = || {
            let name = String::from_utf8_lossy(name);
            if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            }
        };
        match kind {
            EntryKind::Tree => {
                if self.seen_trees.insert(child) {
                    match self.pending(child) {
                        Ok(t) => self.stack.push((t, path())),
                        Err(e) => {
                            let message = format!("tree {} ({}): {}", self.oid(child), path(), e.message());
                            self.note(HeldBack::TreeError(child, message), stats);
                        }
                    }
                }
            }
            EntryKind::Submodule => {
                if self.seen_other.insert(child) {
                    self.note(HeldBack::Skip(child, SkipReason::Submodule), stats);
                }
            }
            // A link's blob holds its target path as git records it, but nothing stops a commit from putting any
            // bytes there (a whole private key): it is scanned like a file's.
            EntryKind::Blob | EntryKind::Link => {
                if self.seen_blobs.insert(child) {
                    on_blob(BlobEntry { oid: self.oid(child), path: path(), commit, added: None });
                }
            }
        }
    }
}

/// Objects seen by the walk: a bit per packed object, a set for the rest.
struct Seen {
    packed: Vec<u64>,
    foreign: HashSet<RawOid, FastBuild>,
}

impl Seen {
    fn new(packed: usize) -> Seen {
        Seen { packed: vec![0; packed.div_ceil(64)], foreign: HashSet::default() }
    }

    /// True when `child` was not seen before.
    fn insert(&mut self, child: Child) -> bool {
        match child {
            Child::Packed(id) => {
                let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
                let new = self.packed[word] & bit == 0;
                self.packed[word] |= bit;
                new
            }
            Child::Foreign(raw) => self.foreign.insert(raw),
        }
    }

    /// Whether packed object `id` was seen.
    fn has(&self, id: ObjectId) -> bool {
        self.packed.get(id as usize / 64).is_some_and(|word| word & (1u64 << (id % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git").args(args).current_dir(dir).output().expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Walking a tree through its edits alone, where its delta base was walked, lists exactly what walking all of
    /// its entries lists: over histories where files change, come and go, in packs with offset and reference
    /// deltas.
    #[test]
    fn walking_edits_to_a_walked_base_is_walking_the_whole_tree() {
        for repack in [&["gc", "-q", "--aggressive"][..], &["-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq"]]
        {
            let dir = crate::source::pack::tests::packed_repo(repack);
            let d = dir.path();
            let repo = Repository::open(d).unwrap();
            let commits: Vec<Oid> = git(d, &["rev-list", "--reverse", "--topo-order", "--all"])
                .lines()
                .map(|l| Oid::from_str(l).unwrap())
                .collect();
            let set = PackSet::open(&d.join(".git/objects")).0;
            let trees = PackedTrees::build(&set);
            let listed = |reuse: bool| {
                let (mut blobs, mut stats) = (Vec::new(), ScanStats::default());
                let mut walk = TreeWalk::new(&repo, Some(&set), Some(&trees), false);
                walk.reuse_walked_bases = reuse;
                for (i, oid) in commits.iter().enumerate() {
                    walk.commit(i, *oid, &mut stats, &mut |b: BlobEntry| blobs.push((b.oid, b.path, b.commit)));
                }
                (blobs, stats, walk.bases_reused)
            };
            let (blobs, stats, reused) = listed(true);
            let (whole_blobs, whole_stats, none) = listed(false);
            assert_eq!((blobs, stats), (whole_blobs, whole_stats));
            assert_eq!(none, 0);
            assert!(reused > 10, "only {reused} trees walked through their edits: the test would not exercise it");
        }
    }

    /// The two-thread walk lists the same blobs, in the same order, with the same commits and paths, and counts
    /// and reports the same, as the walk on one thread: over packed history and loose commits after it, with a
    /// blob, a symlink, a submodule and a missing tree met in both halves.
    #[test]
    fn the_split_walk_is_the_sequential_walk() {
        let dir = crate::source::pack::tests::packed_repo(&["gc", "-q"]);
        let d = dir.path();
        std::fs::create_dir_all(d.join("stable")).unwrap();
        std::fs::write(d.join("stable/kept.txt"), "kept\n").unwrap();
        std::os::unix::fs::symlink("a.txt", d.join("link")).unwrap();
        for i in 0..44 {
            std::fs::write(d.join("late.txt"), format!("late {i}\n")).unwrap();
            if i == 30 {
                // The content of a packed blob (`f03.txt` of commit 3), back under another name.
                std::fs::write(d.join("again.txt"), "3\n").unwrap();
            }
            git(d, &["add", "-A"]);
            if i == 0 {
                let head = git(d, &["rev-parse", "HEAD"]);
                git(d, &["update-index", "--add", "--cacheinfo", &format!("160000,{},sub", head.trim())]);
            }
            git(d, &["commit", "-q", "-m", &format!("late {i}")]);
        }
        // The loose tree of `stable/`, which every late commit names: unreadable in both halves.
        let stable = git(d, &["rev-parse", "HEAD:stable"]);
        let stable = stable.trim();
        std::fs::remove_file(d.join(format!(".git/objects/{}/{}", &stable[..2], &stable[2..]))).unwrap();

        let repo = Repository::open(d).unwrap();
        let commits: Vec<Oid> = git(d, &["rev-list", "--reverse", "--topo-order", "--all"])
            .lines()
            .map(|l| Oid::from_str(l).unwrap())
            .collect();
        assert_eq!(commits.len(), 84);
        let set = PackSet::open(&d.join(".git/objects")).0;
        let trees = PackedTrees::build(&set);
        let listed = |split: bool| {
            let (mut blobs, mut stats) = (Vec::new(), ScanStats::default());
            let on_blob = &mut |b: BlobEntry| blobs.push((b.oid, b.path, b.commit));
            if split {
                walk_split(&repo, &d.join(".git"), Some(&set), &trees, &commits, &mut stats, on_blob);
            } else {
                walk(&repo, Some(&set), Some(&trees), &commits, &mut stats, on_blob);
            }
            (blobs, stats)
        };
        let (blobs, stats) = listed(false);
        assert_eq!(listed(true), (blobs.clone(), stats.clone()));
        assert!(blobs.iter().any(|(_, path, commit)| path == "late.txt" && *commit > 42), "{blobs:?}");
        assert!(!blobs.iter().any(|(_, path, _)| path == "again.txt"), "{blobs:?}");
        assert!(blobs.iter().any(|(_, path, _)| path == "link"), "a symlink's blob is listed: {blobs:?}");
        assert_eq!(stats.skipped.get(&SkipReason::Symlink), None);
        assert_eq!(stats.skipped.get(&SkipReason::Submodule), Some(&1));
        assert_eq!(stats.errors.len(), 1, "{:?}", stats.errors);
        assert!(stats.errors[0].contains(stable), "{:?}", stats.errors);
    }
}
