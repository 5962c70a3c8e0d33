//! Git history: every distinct blob reachable from the chosen commits, each listed once with the first commit
//! (oldest first) and path where it appeared. Trees shared between commits are walked once, so the plan costs
//! one pass over the distinct trees, not one per commit. A range (`BASE..HEAD`) instead lists the blobs its
//! commits change, with the lines each change adds, so a PR check blames the PR only for what it wrote.
use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{DiffFindOptions, DiffOptions, Oid, Repository, Tree};

use super::commit_order;
use super::commits::{self, bad_rev, CommitInfo, Tips};
use super::git::{added_lines, changed_files, count_unread_blob, discover, git_error, is_partial_clone, LineSet};
use super::pack::{raw_oid, Kind, PackSet};
use super::packed_trees::PackedTrees;
use super::{since, tagged_objects, tree_walk, BlobEntry};
use crate::error::{Error, Result};
use crate::stats::ScanStats;

/// Which commits to read.
#[derive(Debug, Clone)]
pub enum HistorySpec {
    /// Everything reachable from any ref (and HEAD).
    AllRefs,
    /// Everything reachable from these revisions.
    Revs(Vec<String>),
    /// Everything reachable from any ref (and HEAD) but none of `audited` (sorted: every commit earlier audits
    /// read): an incremental audit. Planned like a full audit, each new commit's whole tree walked.
    Since { audited: Vec<Oid> },
    /// Only the commits in `BASE..HEAD`, and only the lines they add.
    Range(String),
    /// The commits reachable from `include` but from none of `exclude` and none of the refs matching
    /// `exclude_globs` (e.g. `refs/remotes/origin`, as for `git rev-list --not --glob`): what a push sends.
    /// Planned like a range: only the lines those commits add. `objects`: blobs and trees pushed without a
    /// commit (a tag of a blob or tree), as (ref name, object): every blob they reach is scanned whole.
    Commits { include: Vec<Oid>, exclude: Vec<Oid>, exclude_globs: Vec<String>, objects: Vec<(String, Oid)> },
}

#[derive(Debug)]
pub struct HistoryPlan {
    pub blobs: Vec<BlobEntry>,
    /// Commits read, oldest first.
    pub commits: Vec<Oid>,
}

pub struct HistorySource {
    repo: Repository,
    read_packs: bool,
    packs: OnceCell<Option<PackSet>>,
    /// A range that selects no commits is a note rather than an error.
    allow_empty_range: bool,
}

impl HistorySource {
    pub fn open(dir: &Path) -> Result<HistorySource> {
        tune_libgit2_for_bulk_reads();
        Ok(HistorySource { repo: discover(dir)?, read_packs: true, packs: OnceCell::new(), allow_empty_range: false })
    }

    /// Lets a range (`HistorySpec::Range`) select no commits: by default that is an error
    /// ([`Error::EmptyRange`]), since a PR check that scans nothing passes whatever the PR holds.
    pub fn allow_empty_range(mut self, allow: bool) -> HistorySource {
        self.allow_empty_range = allow;
        self
    }

    /// Reads every object through libgit2, one by one, instead of decoding the packs in bulk: slower, for
    /// comparing the two when the pack reader is in doubt.
    pub fn without_pack_reader(mut self) -> HistorySource {
        self.read_packs = false;
        self
    }

    /// The packs, once a full audit's walk has opened them: the scan decodes the blobs they hold.
    pub fn packs(&self) -> Option<&PackSet> {
        self.packs.get().and_then(Option::as_ref)
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The git dir, for workers to open their own handle (`Repository` is not `Sync`).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// Blobs missing from a partial clone are counted as not present locally, not as errors.
    pub fn partial_clone(&self) -> bool {
        is_partial_clone(&self.repo)
    }

    /// The working tree root, or the git dir of a bare repository.
    pub fn root(&self) -> PathBuf {
        self.repo.workdir().map_or_else(|| self.repo.path().to_path_buf(), Path::to_path_buf)
    }

    /// Lists what to scan. `max_size` is the scan's size limit: in a range, a blob over it is listed (the scan
    /// counts it as too large) without being read to find its added lines.
    pub fn plan(&self, spec: &HistorySpec, max_size: u64, stats: &mut ScanStats) -> Result<HistoryPlan> {
        let mut blobs = Vec::new();
        let commits = self.plan_streaming(spec, max_size, stats, &mut |blob| blobs.push(blob))?;
        Ok(HistoryPlan { blobs, commits })
    }

    /// [`plan`](Self::plan), handing each blob to `on_blob` instead of listing it, and returning the commits. A
    /// full audit hands each blob over as soon as the tree walk meets it, so it can be scanned while the walk goes
    /// on; a range hands its blobs over at the end, with all their added lines known.
    pub fn plan_streaming(
        &self,
        spec: &HistorySpec,
        max_size: u64,
        stats: &mut ScanStats,
        on_blob: &mut dyn FnMut(BlobEntry),
    ) -> Result<Vec<Oid>> {
        if self.repo.is_shallow() {
            stats.notes.push("shallow clone: history before the shallow boundary was not scanned".into());
        }
        if let HistorySpec::Range(_) | HistorySpec::Commits { .. } = spec {
            let commits = self.commits(spec, stats)?;
            self.plan_range(&commits, max_size, stats).into_iter().for_each(&mut *on_blob);
            if let HistorySpec::Commits { objects, .. } = spec {
                tagged_objects::plan_objects(&self.repo, objects, stats, on_blob);
            }
            return Ok(commits);
        }
        // Decoding every packed tree costs the same however few commits are audited, so it is done for all refs
        // (and then while libgit2 lists the commits, which takes one thread), or for revisions that reach a good
        // share of the packed commits. Otherwise the walk reads its trees through libgit2; the packs' blobs are
        // still decoded in bulk, which costs in proportion to what is audited.
        let (objects, read_packs) = (self.repo.commondir().join("objects"), self.read_packs);
        let open = || {
            // A pack left out is read through libgit2 instead, so it needs no mention.
            let set = read_packs.then(|| PackSet::open(&objects).0)?;
            (!set.is_empty()).then_some(set)
        };
        let (commits, trees) = if let HistorySpec::AllRefs = spec {
            // The refs are read while the packs are decoded; the commits' order then comes from the commits the
            // decoding parsed.
            let (tips, set, trees) = std::thread::scope(|scope| {
                let decoding = scope.spawn(|| {
                    let set = open();
                    let trees = set.as_ref().map(PackedTrees::build);
                    (set, trees)
                });
                let tips = self.all_tips(stats);
                let (set, trees) = decoding.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (tips, set, trees)
            });
            let _ = self.packs.set(set);
            let commits = tips.and_then(|tips| self.order(&tips, trees.as_ref(), stats));
            (commits, trees)
        } else {
            let commits = self.commits(spec, stats)?;
            // Listing the packs costs in proportion to all they hold (0.4 s for a mirror's 1.7 million objects),
            // more than libgit2 takes to read the objects of the few commits an incremental audit has as a rule
            // (2,000 new commits of that mirror: 0.4 s in all through libgit2, 1.8 s with the packs listed). So
            // they are listed for one only when their trees would be decoded too (about 7 objects a commit).
            let few = matches!(spec, HistorySpec::Since { .. })
                && (commits.len() as u64) * 16 < PackSet::estimated_objects(&objects);
            let set = if few { None } else { open() };
            let many = |set: &&PackSet| commits.len() * 2 >= set.count(Kind::Commit);
            let trees = set.as_ref().filter(many).map(PackedTrees::build);
            let _ = self.packs.set(set);
            (Ok(commits), trees)
        };
        let commits = commits?;
        if commits.is_empty() && matches!(spec, HistorySpec::AllRefs) {
            stats.notes.push("the repository has no commits: nothing to scan".into());
        }
        self.plan_trees(&commits, trees.as_ref(), stats, on_blob);
        Ok(commits)
    }

    /// Every ref's commit (and HEAD's).
    fn all_tips(&self, stats: &mut ScanStats) -> Result<Tips> {
        Ok(Tips { include: Tips::refs(&self.repo, None, stats)?, exclude: Vec::new() })
    }

    /// The commits reachable from `tips`, in libgit2's revwalk order: computed from the commits the packs'
    /// decoding parsed where it can be (nothing hidden, no grafts or shallow boundary, every commit in its
    /// canonical form), from libgit2's revwalk otherwise.
    fn order(&self, tips: &Tips, trees: Option<&PackedTrees>, stats: &mut ScanStats) -> Result<Vec<Oid>> {
        let (Some(trees), Some(set)) = (trees, self.packs()) else { return commits::walk(&self.repo, tips, stats) };
        let grafted = self.repo.is_shallow() || self.repo.commondir().join("info/grafts").exists();
        if tips.include.is_empty() || !tips.exclude.is_empty() || grafted {
            return commits::walk(&self.repo, tips, stats);
        }
        let read = |oid: Oid| match set.find(&raw_oid(oid)) {
            Some(id) => {
                let (time, parents) = trees.commits().graph(id)?;
                Some((
                    time,
                    parents.iter().map(|&p| Oid::from_bytes(set.oid(p)).unwrap_or_else(|_| Oid::zero())).collect(),
                ))
            }
            // Loose, or in an alternate: libgit2 reads it as its revwalk would.
            None => {
                let c = self.repo.find_commit(oid).ok()?;
                let time = c.committer().when().seconds();
                Some((time, c.parent_ids().collect()))
            }
        };
        match commit_order::topological(&tips.include, read) {
            Some(order) => Ok(order),
            None => commits::walk(&self.repo, tips, stats),
        }
    }

    fn commits(&self, spec: &HistorySpec, stats: &mut ScanStats) -> Result<Vec<Oid>> {
        let repo = &self.repo;
        let tips = match spec {
            HistorySpec::AllRefs => self.all_tips(stats)?,
            HistorySpec::Since { audited } => return since::new_commits(repo, audited, stats),
            HistorySpec::Revs(revs) => {
                let mut include = Vec::new();
                for rev in revs {
                    let obj = repo.revparse_single(rev).map_err(|e| bad_rev(repo, rev, e))?;
                    include.push(obj.peel_to_commit().map_err(|e| bad_rev(repo, rev, e))?.id());
                }
                Tips { include, exclude: Vec::new() }
            }
            HistorySpec::Range(range) => {
                let not_a_range =
                    || Error::config("--range", format!("`{range}` is not a range (expected BASE..HEAD)"));
                if !range.contains("..") {
                    return Err(not_a_range());
                }
                // git reads an empty side as HEAD, so an unset `$BASE` in `"$BASE..$HEAD"` would scan nothing.
                if let Some((base, head)) = range.split_once("..").filter(|_| !range.contains("...")) {
                    for (side, text) in [("BASE", base), ("HEAD", head)] {
                        if text.trim().is_empty() {
                            return Err(Error::RangeSideEmpty { range: range.clone(), side });
                        }
                    }
                }
                let revspec = repo.revparse(range).map_err(|e| bad_rev(repo, range, e))?;
                if revspec.mode().contains(git2::RevparseMode::MERGE_BASE) {
                    return Err(Error::config("--range", format!("`{range}`: use BASE..HEAD, not BASE...HEAD")));
                }
                let (Some(from), Some(to)) = (revspec.from(), revspec.to()) else { return Err(not_a_range()) };
                let base = from.peel_to_commit().map_err(|e| bad_rev(repo, range, e))?.id();
                let head = to.peel_to_commit().map_err(|e| bad_rev(repo, range, e))?.id();
                let commits = commits::walk(repo, &Tips { include: vec![head], exclude: vec![base] }, stats)?;
                if commits.is_empty() {
                    let (base_rev, head_rev) = range.split_once("..").unwrap_or((range, range));
                    let name = |rev: &str, oid: Oid| format!("`{}` ({})", rev.trim(), &oid.to_string()[..8]);
                    if !self.allow_empty_range {
                        let (base, head) = (name(base_rev, base), name(head_rev, head));
                        return Err(Error::EmptyRange { range: range.clone(), base, head });
                    }
                    stats.notes.push(format!("the range `{range}` selects no commits (--allow-empty-range)"));
                }
                return Ok(commits);
            }
            HistorySpec::Commits { include, exclude, exclude_globs, .. } => {
                if include.is_empty() {
                    return Ok(Vec::new());
                }
                let mut exclude = exclude.clone();
                for glob in exclude_globs {
                    exclude.extend(Tips::refs(repo, Some(glob), stats)?);
                }
                Tips { include: include.clone(), exclude }
            }
        };
        commits::walk(repo, &tips, stats)
    }

    /// Full audit: walk each commit's tree, skipping subtrees already walked; every new blob is listed with the
    /// commit and path it first appeared at.
    ///
    /// The walk visits every distinct tree once (like `git rev-list --objects --all`). Packed trees are all
    /// decoded first, chain by chain in parallel ([`PackedTrees`]); the walk itself then reads only what the
    /// packs do not hold, through libgit2, which reads trees one by one several times slower.
    fn plan_trees(
        &self,
        commits: &[Oid],
        trees: Option<&PackedTrees>,
        stats: &mut ScanStats,
        on_blob: &mut dyn FnMut(BlobEntry),
    ) {
        match trees {
            Some(trees) if commits.len() >= SPLIT_WALK_AFTER && rayon::current_num_threads() > 1 => {
                tree_walk::walk_split(&self.repo, self.git_dir(), self.packs(), trees, commits, stats, on_blob)
            }
            _ => tree_walk::walk(&self.repo, self.packs(), trees, commits, stats, on_blob),
        }
    }

    /// Range: diff each commit against its parents; a blob's added lines are what its commits add. For a merge,
    /// only lines new relative to every parent count (what the merge itself wrote, not what it brought in).
    fn plan_range(&self, commits: &[Oid], max_size: u64, stats: &mut ScanStats) -> Vec<BlobEntry> {
        let partial_clone = self.partial_clone();
        let mut blobs: Vec<BlobEntry> = Vec::new();
        let mut index: HashMap<Oid, usize> = HashMap::new();
        for (idx, oid) in commits.iter().enumerate() {
            let changes = match self.commit_changes(*oid, max_size, partial_clone, stats) {
                Ok(c) => c,
                Err(e) => {
                    stats.error(format!("commit {oid}: {e}"));
                    continue;
                }
            };
            for (path, blob, lines) in changes {
                if lines.is_empty() {
                    continue;
                }
                match index.get(&blob) {
                    Some(&i) => {
                        if let Some(a) = blobs[i].added.as_mut() {
                            a.union(&lines);
                        }
                    }
                    None => {
                        index.insert(blob, blobs.len());
                        blobs.push(BlobEntry { oid: blob, path, commit: idx, added: Some(lines) });
                    }
                }
            }
        }
        blobs
    }

    /// (path, new blob, added lines) for each file a commit adds or changes, relative to all of its parents.
    fn commit_changes(
        &self,
        oid: Oid,
        max_size: u64,
        partial_clone: bool,
        stats: &mut ScanStats,
    ) -> Result<Vec<(String, Oid, LineSet)>> {
        let commit = self.repo.find_commit(oid).map_err(|e| git_error("cannot read commit", e))?;
        let tree = commit.tree().map_err(|e| git_error("cannot read tree", e))?;
        // A parent that cannot be read leaves nothing to compare with: the commit's files count as new.
        let mut parents: Vec<Option<Tree>> = Vec::new();
        for pid in commit.parent_ids() {
            match self.repo.find_commit(pid).and_then(|p| p.tree()) {
                Ok(t) => parents.push(Some(t)),
                Err(e) => {
                    stats.error(format!(
                        "commit {oid}: cannot read its parent {pid} ({}); all lines of its files count as added",
                        e.message()
                    ));
                    parents.push(None);
                }
            }
        }
        if parents.is_empty() {
            parents.push(None);
        }
        let mut result: Option<HashMap<String, (Oid, LineSet)>> = None;
        for parent in &parents {
            let mut opts = DiffOptions::new();
            opts.ignore_submodules(false);
            let mut diff = self.repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts)).map_err(|e| {
                git_error("cannot diff it against its parent (an object in its trees cannot be read)", e)
            })?;
            diff.find_similar(Some(DiffFindOptions::new().renames(true)))
                .map_err(|e| git_error("cannot detect renames", e))?;
            let mut this: HashMap<String, (Oid, LineSet)> = HashMap::new();
            for file in changed_files(&diff, stats) {
                let lines = self.added_in(&file.path, file.blob, file.old_blob, max_size, partial_clone, stats);
                this.insert(file.path, (file.blob, lines));
            }
            result = Some(match result {
                None => this,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(path, (blob, lines))| {
                        let (b2, l2) = this.get(&path)?;
                        (*b2 == blob).then(|| (path, (blob, lines.intersect(l2))))
                    })
                    .collect(),
            });
        }
        let mut out: Vec<_> = result.unwrap_or_default().into_iter().map(|(p, (b, l))| (p, b, l)).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The lines a change adds to a file. A blob over the size limit is not read (the scan counts it as too
    /// large), nor is one that cannot be read (the scan counts that); where the old version cannot be read, what
    /// was added is unknown, so every line counts and the unread version is counted here.
    fn added_in(
        &self,
        path: &str,
        blob: Oid,
        old_blob: Option<Oid>,
        max_size: u64,
        partial_clone: bool,
        stats: &mut ScanStats,
    ) -> LineSet {
        let odb = match self.repo.odb() {
            Ok(odb) => odb,
            Err(_) => return LineSet::All,
        };
        if !odb.read_header(blob).is_ok_and(|(size, _)| size as u64 <= max_size) {
            return LineSet::All;
        }
        match self.repo.find_blob(blob) {
            Ok(b) if !super::looks_binary(b.content()) => {}
            _ => return LineSet::All,
        }
        if let Some(old) = old_blob.filter(|o| *o != blob) {
            match odb.read_header(old) {
                Ok((size, _)) if size as u64 <= max_size => {}
                // Diffing against an old version over the limit would load it whole.
                Ok(_) => return LineSet::All,
                Err(e) => {
                    count_unread_blob(partial_clone, &e, || format!("{path}: previous version {old}"), stats);
                    return LineSet::All;
                }
            }
        }
        added_lines(&self.repo, old_blob, blob).unwrap_or_else(|e| {
            stats.error(format!("{path}: {e}"));
            LineSet::All
        })
    }

    /// A commit's own text as a piece of content: its author and committer (name and e-mail) and its whole
    /// message, which can hold a secret as well as any file (`git commit -m "key: ..."`).
    pub fn commit_text(repo: &Repository, oid: Oid) -> Option<Vec<u8>> {
        let c = repo.find_commit(oid).ok()?;
        let mut text = Vec::new();
        for (role, who) in [("author", c.author()), ("committer", c.committer())] {
            text.extend_from_slice(role.as_bytes());
            text.extend_from_slice(b": ");
            text.extend_from_slice(who.name_bytes());
            text.extend_from_slice(b" <");
            text.extend_from_slice(who.email_bytes());
            text.extend_from_slice(b">\n");
        }
        text.push(b'\n');
        text.extend_from_slice(c.message_raw_bytes());
        Some(text)
    }

    /// Author, date and subject of a commit, for findings.
    pub fn commit_info(&self, oid: Oid) -> Option<CommitInfo> {
        let c = self.repo.find_commit(oid).ok()?;
        let author = c.author();
        Some(CommitInfo {
            id: oid.to_string(),
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            date: rfc3339(author.when()),
            subject: c.summary_bytes().map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default(),
            further_occurrences: 0,
            order: 0,
        })
    }
}

/// The state of a full audit's tree walk: what has been seen, and the trees still to read.
/// Commits from which a walk of the packed trees is split over two threads (see `tree_walk`): below this the walk
/// is short, and a second thread, with a repository of its own to open, has little to win.
const SPLIT_WALK_AFTER: usize = 2000;

/// An audit reads every tree and blob once, so libgit2's object cache only costs memory and time, and
/// re-hashing each object on read re-checks what the pack's own CRC and zlib checksums already catch.
///
/// Memory: libgit2 reads packs through mmap windows, 1 GB each by default, and only unmaps them once the mapped
/// total passes its limit; every page it touches stays resident while its window stays mapped. A full audit reads
/// only commits through libgit2 (the packs' trees and blobs are decoded in bulk), but those lie all over the pack,
/// so the windows are made small (64 MB under a 256 MB limit); smaller still costs ranges, which read blobs
/// through libgit2, more in faults than it saves (BENCHMARKS.md has the measurements).
fn tune_libgit2_for_bulk_reads() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        // SAFETY: sets process-global libgit2 limits once, before any repository is opened by this process's
        // history scan and before worker threads start.
        unsafe {
            let _ = git2::opts::set_mwindow_size(PACK_WINDOW_BYTES);
            let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_LIMIT_BYTES);
        }
    });
}

const PACK_WINDOW_BYTES: usize = 64 * 1024 * 1024;
const PACK_MAPPED_LIMIT_BYTES: usize = 256 * 1024 * 1024;

/// `git2::Time` as RFC 3339 with the author's offset.
fn rfc3339(t: git2::Time) -> String {
    crate::date::rfc3339(t.seconds(), i64::from(t.offset_minutes()))
}

#[cfg(test)]
mod tests {
    /// The text read from a packed commit's bytes (`packed_commits`) is the text libgit2 gives, for commits of
    /// many shapes; and those in the canonical form are read.
    #[test]
    fn commit_text_is_libgit2s() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
        let parent = "parent 0123456789abcdef0123456789abcdef01234567\n";
        let author = "author A U Thor <a@example.com> 1700000000 +0100\n";
        let committer = "committer C O Mitter <c@example.com> 1700000001 -0200\n";
        let canonical = [
            format!("{tree}{author}{committer}\nsubject\n\nbody\n"),
            format!("{tree}{parent}{parent}{author}{committer}\nno newline at the end"),
            format!("{tree}{author}{committer}encoding ISO-8859-1\ngpgsig -----BEGIN\n line\n -----END\n\nsigned\n"),
            format!("{tree}{author}{committer}\n"),
            format!("{tree}{author}{committer}"),
            format!("{tree}{author}{committer}\n\n\nblank lines first\n"),
            format!("{tree}author  Spaced  Name  <  a@example.com  > 1 +0000\n{committer}\nm\n"),
            format!("{tree}author A <b> C <a@example.com> 1 +0000\n{committer}\nm\n"),
            format!("{tree}author <> 1 +0000\n{committer}\nm\n"),
        ];
        for raw in &canonical {
            let oid = odb.write(git2::ObjectType::Commit, raw.as_bytes()).unwrap();
            let expected = super::HistorySource::commit_text(&repo, oid);
            assert!(expected.is_some(), "libgit2 reads {raw:?}");
            assert_eq!(crate::source::packed_commit_text(raw.as_bytes()), expected, "{raw:?}");
        }
        // Left to libgit2: two author lines, a NUL byte, a line without an e-mail.
        for raw in [
            format!("{tree}{author}{author}{committer}\nm\n"),
            format!("{tree}{author}{committer}\nm\0after\n"),
            format!("{tree}author nobody 1 +0000\n{committer}\nm\n"),
        ] {
            assert_eq!(crate::source::packed_commit_text(raw.as_bytes()), None, "{raw:?}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(super::rfc3339(git2::Time::new(0, 0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::rfc3339(git2::Time::new(1_700_000_000, 60)), "2023-11-14T23:13:20+01:00");
        assert_eq!(super::rfc3339(git2::Time::new(951_782_400, -300)), "2000-02-28T19:00:00-05:00");
    }
}
