//! Policy files as one commit holds them: blobs read from the commit's tree, never from the working tree
//! (which, in a PR check, is the pull request's own checkout). A file the commit does not have is absent: there
//! is no fallback to another version. A symbolic link is followed inside the tree, never out of it.
use std::path::{Component, Path, PathBuf};

use git2::{ObjectType, Oid, Repository, Tree};

use crate::config::gitleaks::GITLEAKS_CONFIG_FILE_NAME;
use crate::config::{Config, CONFIG_FILE_NAME};
use crate::error::{Error, Result};
use crate::source::git::git_error;
use crate::suppress::baseline::Baseline;
use crate::suppress::ignore_file::{IgnoreList, GITLEAKS_IGNORE_FILE_NAME, IGNORE_FILE_NAME};

/// Links followed before giving up (a link loop, or a chain nobody needs).
const MAX_LINKS: usize = 8;

/// Where the config sits in a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigLocation {
    /// `.leakgate.toml` at the root, else `.gitleaks.toml` (what discovery finds from the repository root).
    Discover,
    /// `--config` named this repository-relative path.
    At(String),
    /// `--config` named a file outside the repository: it is read from disk, not from commits.
    Outside,
}

/// Which files to read from a commit.
#[derive(Debug, Clone)]
pub struct PolicyPaths {
    pub config: ConfigLocation,
    /// `--baseline` when it names a file inside the repository (repository-relative).
    pub baseline: Option<String>,
}

/// One policy file as a commit holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Repository-relative, `/`-separated: where the commit has it (a link's own path, not its target's).
    pub path: String,
    pub text: String,
}

/// A file that is there but cannot be used: not UTF-8, not a file, a link leaving the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

/// `Ok(None)`: the commit has no such file.
pub type Slot = std::result::Result<Option<TreeFile>, Unreadable>;

/// The policy files of one commit.
#[derive(Debug, Clone)]
pub struct PolicyFiles {
    pub commit: Oid,
    pub config: Slot,
    pub ignore: Slot,
    pub gitleaks_ignore: Slot,
    pub baseline: Slot,
}

impl PolicyFiles {
    /// Reads the files `paths` names from `commit`'s tree. Errors only when the commit itself cannot be read.
    pub fn read(repo: &Repository, commit: Oid, paths: &PolicyPaths) -> Result<PolicyFiles> {
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_error(&format!("cannot read the tree of commit {commit}"), e))?;
        let config = match &paths.config {
            ConfigLocation::Discover => match read_file(repo, &tree, CONFIG_FILE_NAME) {
                Ok(None) => read_file(repo, &tree, GITLEAKS_CONFIG_FILE_NAME),
                found => found,
            },
            ConfigLocation::At(p) => read_file(repo, &tree, p),
            ConfigLocation::Outside => Ok(None),
        };
        Ok(PolicyFiles {
            commit,
            config,
            ignore: read_file(repo, &tree, IGNORE_FILE_NAME),
            gitleaks_ignore: read_file(repo, &tree, GITLEAKS_IGNORE_FILE_NAME),
            baseline: match &paths.baseline {
                Some(p) => read_file(repo, &tree, p),
                None => Ok(None),
            },
        })
    }

    /// True when both commits hold the same text in every slot.
    pub fn same_as(&self, other: &PolicyFiles) -> bool {
        self.config == other.config
            && self.ignore == other.ignore
            && self.gitleaks_ignore == other.gitleaks_ignore
            && self.baseline == other.baseline
    }

    /// The repository-relative paths of the files whose text differs from `other`'s.
    pub fn changed_paths(&self, other: &PolicyFiles) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (a, b) in self.slots().into_iter().zip(other.slots()) {
            if a != b {
                for slot in [a, b] {
                    let path = match slot {
                        Ok(Some(f)) => Some(f.path.clone()),
                        Err(u) => Some(u.path.clone()),
                        Ok(None) => None,
                    };
                    if let Some(p) = path.filter(|p| !out.contains(p)) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    fn slots(&self) -> [&Slot; 4] {
        [&self.config, &self.ignore, &self.gitleaks_ignore, &self.baseline]
    }

    /// The config: parsed from the commit's file, or the defaults when it has none.
    pub fn config(&self) -> Result<Config> {
        match &self.config {
            Ok(Some(f)) => Config::parse(Path::new(&f.path), &f.text),
            Ok(None) => Ok(Config::default()),
            Err(u) => Err(Error::config(&u.path, &u.reason)),
        }
    }

    /// `.leakgateignore` and `.gitleaksignore` together, as [`IgnoreList::load`] reads them from disk.
    pub fn ignore_list(&self) -> Result<IgnoreList> {
        let mut list = match &self.ignore {
            Ok(Some(f)) => IgnoreList::parse(&f.text),
            Ok(None) => IgnoreList::default(),
            Err(u) => return Err(Error::config(&u.path, &u.reason)),
        };
        match &self.gitleaks_ignore {
            Ok(Some(f)) => list.add_gitleaks(&f.text),
            Ok(None) => {}
            Err(u) => return Err(Error::config(&u.path, &u.reason)),
        }
        Ok(list)
    }

    /// The baseline, `None` when the commit has no file at the baseline's path.
    pub fn baseline(&self) -> Result<Option<Baseline>> {
        match &self.baseline {
            Ok(Some(f)) => Baseline::parse(&f.path, &f.text).map(Some),
            Ok(None) => Ok(None),
            Err(u) => Err(Error::config(&u.path, &u.reason)),
        }
    }
}

/// Reads `path` from `tree`, following symbolic links that stay inside the tree.
fn read_file(repo: &Repository, tree: &Tree<'_>, path: &str) -> Slot {
    let unreadable = |reason: String| Unreadable { path: path.to_string(), reason };
    let mut target = path.to_string();
    for _ in 0..=MAX_LINKS {
        let entry = match tree.get_path(Path::new(&target)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                return if target == path {
                    Ok(None)
                } else {
                    Err(unreadable(format!("a symbolic link to `{target}`, which the commit does not have")))
                };
            }
            Err(e) => return Err(unreadable(e.message().to_string())),
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(unreadable("not a file".to_string()));
        }
        let blob =
            repo.find_blob(entry.id()).map_err(|e| unreadable(format!("blob {}: {}", entry.id(), e.message())))?;
        if entry.filemode() == i32::from(git2::FileMode::Link) {
            let link = String::from_utf8_lossy(blob.content()).into_owned();
            let Some(next) = resolve_link(&target, &link) else {
                return Err(unreadable(format!("a symbolic link to `{link}`, outside the repository")));
            };
            target = next;
            continue;
        }
        return match std::str::from_utf8(blob.content()) {
            Ok(text) => Ok(Some(TreeFile { path: path.to_string(), text: text.to_string() })),
            Err(_) => Err(unreadable("not UTF-8 text".to_string())),
        };
    }
    Err(unreadable(format!("more than {MAX_LINKS} symbolic links in a row")))
}

/// A link's target as a repository-relative path, `None` when it leaves the repository.
fn resolve_link(link_path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link_path.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `path` (as given on the command line, relative to the current folder) as a path inside the repository whose
/// working tree is `workdir`, or `None` when it lies outside it. Files under `.git` are not in any commit, so
/// they count as outside.
pub fn repo_relative(workdir: &Path, path: &Path) -> Option<String> {
    let abs = normalize(&std::path::absolute(path).ok()?);
    let mut roots = vec![normalize(workdir)];
    if let Ok(c) = workdir.canonicalize() {
        roots.push(c);
    }
    // Through symlinked folders (a temp dir under a linked /tmp): compare the canonical forms too.
    let mut candidates = vec![abs.clone()];
    if let Some(c) = abs.canonicalize().ok().or_else(|| {
        let parent = abs.parent()?.canonicalize().ok()?;
        Some(parent.join(abs.file_name()?))
    }) {
        candidates.push(c);
    }
    for candidate in &candidates {
        for root in &roots {
            if let Ok(rel) = candidate.strip_prefix(root) {
                let parts: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if parts.is_empty() || parts[0] == ".git" {
                    return None;
                }
                return Some(parts.join("/"));
            }
        }
    }
    None
}

/// `.` and `..` resolved without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{repo_relative, resolve_link};
    use std::path::Path;

    #[test]
    fn links_resolve_inside_the_tree_only() {
        assert_eq!(resolve_link(".leakgate.toml", "config/leakgate.toml").as_deref(), Some("config/leakgate.toml"));
        assert_eq!(resolve_link("a/b/.leakgateignore", "../ignore").as_deref(), Some("a/ignore"));
        assert_eq!(resolve_link(".leakgateignore", "../outside"), None);
        assert_eq!(resolve_link(".leakgateignore", "/etc/passwd"), None);
    }

    #[test]
    fn paths_inside_and_outside_the_working_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        assert_eq!(repo_relative(&root, &root.join("sub/../base.json")).as_deref(), Some("base.json"));
        assert_eq!(repo_relative(&root, &root.join("sub/b.json")).as_deref(), Some("sub/b.json"));
        assert_eq!(repo_relative(&root, &dir.path().join("elsewhere.json")), None);
        assert_eq!(repo_relative(&root, &root.join(".git/leakgate.toml")), None);
        assert_eq!(repo_relative(&root, Path::new("/")), None);
    }
}
