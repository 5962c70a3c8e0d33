//! The order in which libgit2's revwalk (`TOPOLOGICAL | REVERSE`, every tip pushed, none hidden) lists a history,
//! computed from commits already parsed: a full audit decodes every packed commit anyway ([`PackedCommits`]), and
//! on a mirror with tens of thousands of pull-request refs, reading each commit again through libgit2 for its
//! revwalk took a core for a third of the audit's first phase. The order decides which commit a blob is
//! attributed to, so it must be libgit2's exactly: this is its algorithm (`prepare_walk`, `limit_list` with
//! `git_commit_list_insert_by_date`, then `sort_in_topological_order`), step for step, and a test compares the
//! two on histories with merges, many tips and equal commit times.
//!
//! [`PackedCommits`]: super::packed_commits::PackedCommits
use std::collections::{HashMap, VecDeque};

use git2::Oid;

struct Node {
    oid: Oid,
    time: i64,
    /// `parents[parents_at..parents_at + parent_count]`, as indexes into the nodes.
    parents_at: usize,
    parent_count: usize,
    seen: bool,
    added: bool,
    in_degree: u32,
}

struct Walk<F> {
    nodes: Vec<Node>,
    index: HashMap<Oid, usize>,
    parents: Vec<usize>,
    /// A commit's committer time and parents; `None` when it cannot be read that way.
    read: F,
}

impl<F: FnMut(Oid) -> Option<(i64, Vec<Oid>)>> Walk<F> {
    /// The node of `oid`, read.
    fn node(&mut self, oid: Oid) -> Option<usize> {
        let i = self.placeholder(oid);
        self.parse(i)?;
        Some(i)
    }

    /// The node of `oid`, made unread if it is new: a parent is read when the walk reaches it, as libgit2 does.
    fn placeholder(&mut self, oid: Oid) -> usize {
        *self.index.entry(oid).or_insert_with(|| {
            self.nodes.push(Node {
                oid,
                time: 0,
                parents_at: usize::MAX,
                parent_count: 0,
                seen: false,
                added: false,
                in_degree: 0,
            });
            self.nodes.len() - 1
        })
    }

    /// Reads node `i` if only its placeholder exists.
    fn parse(&mut self, i: usize) -> Option<()> {
        if self.nodes[i].parents_at != usize::MAX {
            return Some(());
        }
        let oid = self.nodes[i].oid;
        let (time, parents) = (self.read)(oid)?;
        let ids: Vec<usize> = parents.into_iter().map(|p| self.placeholder(p)).collect();
        let node = &mut self.nodes[i];
        node.time = time;
        node.parents_at = self.parents.len();
        node.parent_count = ids.len();
        self.parents.extend(ids);
        Some(())
    }

    fn parents_of(&self, i: usize) -> std::ops::Range<usize> {
        let n = &self.nodes[i];
        n.parents_at..n.parents_at + n.parent_count
    }
}

/// The commits reachable from `tips`, parents before children, in libgit2's revwalk order for the tips pushed in
/// this order; `None` as soon as a commit cannot be read through `read` (the caller then asks libgit2).
pub fn topological(tips: &[Oid], read: impl FnMut(Oid) -> Option<(i64, Vec<Oid>)>) -> Option<Vec<Oid>> {
    let mut walk = Walk { nodes: Vec::new(), index: HashMap::new(), parents: Vec::new(), read };
    // `git_revwalk_push` puts each tip at the front of the user's list.
    let mut user_input = Vec::with_capacity(tips.len());
    for &tip in tips {
        let i = walk.node(tip)?;
        user_input.push(i);
    }
    // `prepare_walk`: the list from the front, each commit once.
    let mut list = VecDeque::new();
    for &i in user_input.iter().rev() {
        walk.parse(i)?;
        if !walk.nodes[i].seen {
            walk.nodes[i].seen = true;
            list.push_back(i);
        }
    }
    // `limit_list`: take the front, add its parents by date.
    let mut limited = Vec::new();
    while let Some(i) = list.pop_front() {
        if !walk.nodes[i].added {
            walk.nodes[i].added = true;
            for k in walk.parents_of(i) {
                let p = walk.parents[k];
                walk.parse(p)?;
                if !walk.nodes[p].seen {
                    walk.nodes[p].seen = true;
                    // `git_commit_list_insert_by_date`: before the first commit older than it.
                    let time = walk.nodes[p].time;
                    let at = list.iter().position(|&q| walk.nodes[q].time < time).unwrap_or(list.len());
                    list.insert(at, p);
                }
            }
        }
        limited.push(i);
    }
    // `sort_in_topological_order`, without a time order: the tips in the list's order, then depth first.
    for &i in &limited {
        walk.nodes[i].in_degree = 1;
    }
    for &i in &limited {
        for k in walk.parents_of(i) {
            let p = walk.parents[k];
            if walk.nodes[p].in_degree != 0 {
                walk.nodes[p].in_degree += 1;
            }
        }
    }
    let mut stack: Vec<usize> = limited.iter().copied().filter(|&i| walk.nodes[i].in_degree == 1).collect();
    stack.reverse();
    let mut order = Vec::with_capacity(limited.len());
    while let Some(i) = stack.pop() {
        for k in walk.parents_of(i) {
            let p = walk.parents[k];
            if walk.nodes[p].in_degree == 0 {
                continue;
            }
            walk.nodes[p].in_degree -= 1;
            if walk.nodes[p].in_degree == 1 {
                stack.push(p);
            }
        }
        walk.nodes[i].in_degree = 0;
        order.push(walk.nodes[i].oid);
    }
    order.reverse();
    Some(order)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use git2::{Repository, Sort};

    fn git(dir: &Path, args: &[&str], date: &str) {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_DATE", date)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn revwalk(repo: &Repository, tips: &[git2::Oid]) -> Vec<git2::Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).unwrap();
        for t in tips {
            walk.push(*t).unwrap();
        }
        walk.collect::<Result<_, _>>().unwrap()
    }

    /// Branches forked at many points, merged back and not, many tips, commit times that tie, go backwards and
    /// jump: the order is libgit2's, whatever order the tips come in.
    #[test]
    fn the_order_is_libgit2s() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"], "1000000000 +0000");
        git(d, &["config", "user.email", "t@example.com"], "1000000000 +0000");
        git(d, &["config", "user.name", "t"], "1000000000 +0000");
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for i in 0..120 {
            // Times that often tie and sometimes go backwards.
            let date = format!("{} +0000", 1_000_000_000 + (next() % 40) * 60);
            match next() % 6 {
                0 if i > 3 => {
                    git(d, &["checkout", "-q", "-b", &format!("b{i}"), &format!("main~{}", next() % 3)], &date)
                }
                1 if i > 3 => git(d, &["checkout", "-q", "main"], &date),
                2 if i > 3 => {
                    git(d, &["checkout", "-q", "main"], &date);
                    let branch = format!("b{}", i - 1 - next() % 4);
                    let _ = Command::new("git").args(["merge", "-q", "--no-edit", &branch]).current_dir(d).output();
                }
                _ => {}
            }
            git(d, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")], &date);
        }
        let repo = Repository::open(d).unwrap();
        let mut tips: Vec<git2::Oid> = repo.references().unwrap().filter_map(|r| r.ok()?.target()).collect();
        tips.sort();
        tips.dedup();
        assert!(tips.len() > 10, "{} tips", tips.len());
        let read = |oid: git2::Oid| {
            let c = repo.find_commit(oid).ok()?;
            let time = c.committer().when().seconds();
            Some((time, c.parent_ids().collect()))
        };
        for round in 0..4 {
            let expected = revwalk(&repo, &tips);
            assert!(expected.len() > 100);
            assert_eq!(super::topological(&tips, read), Some(expected), "round {round}");
            tips.rotate_left(3);
            if round == 2 {
                tips.reverse();
            }
        }
        let missing = |_| None;
        assert_eq!(super::topological(&tips, missing), None);
    }
}
