//! `.leakgateignore`: one fingerprint per line, `#` starts a comment; a listed finding is not reported.
//!
//! `.gitleaksignore` next to it is read too, so that findings a team already reviewed with gitleaks stay
//! hidden. gitleaks fingerprints are `commit:path:rule-id:line` (git scans) or `path:rule-id:line` (folder
//! scans). They are matched on **path and line only**: gitleaks and leakgate name their rules differently
//! (`generic-api-key` against `generic-api-key-assignment`, `github-pat` against `github-classic-pat`), so
//! requiring the rule id to match would make nearly every entry dead; the path and line identify the spot
//! someone reviewed. The commit, when the entry has one, must also match the commit a history finding is
//! attributed to; findings with no commit (folder and staged scans) are matched on path and line alone.
//! Like gitleaks' own, these entries are line-based: they stop matching when the line moves, and they hide
//! whatever is found on that line later. Prefer leakgate's own fingerprints (no line number) for new entries.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::finding::{Finding, Fingerprint};

pub const IGNORE_FILE_NAME: &str = ".leakgateignore";
pub const GITLEAKS_IGNORE_FILE_NAME: &str = ".gitleaksignore";

#[derive(Debug, Default)]
pub struct IgnoreList {
    fingerprints: HashSet<String>,
    /// From `.gitleaksignore`.
    gitleaks: GitleaksSpots,
}

/// Spots gitleaks named (a `.gitleaksignore` entry, a finding of a gitleaks report used as a baseline): path and
/// line, and the commit when one is named. See the module doc for why the rule id is not compared.
#[derive(Debug, Default)]
pub struct GitleaksSpots {
    /// (path, line) → the commits named for it (`None`: any).
    spots: HashMap<(String, usize), Vec<Option<String>>>,
}

impl GitleaksSpots {
    /// Adds a spot; `commit` empty or absent means any commit (and findings with no commit).
    pub fn add(&mut self, commit: Option<&str>, path: &str, line: usize) {
        let commit = commit.filter(|c| !c.is_empty()).map(str::to_ascii_lowercase);
        self.spots.entry((normalize_path(path), line)).or_default().push(commit);
    }

    /// A spot names the finding's path and line, and its commit if the spot has one.
    pub fn matches(&self, f: &Finding) -> bool {
        if self.spots.is_empty() {
            return false;
        }
        let key = (normalize_path(&f.path), f.start_line);
        self.spots.get(&key).is_some_and(|commits| {
            commits.iter().any(|c| match (c, &f.commit) {
                (Some(c), Some(fc)) => fc.id.starts_with(c.as_str()) || c.starts_with(&fc.id),
                _ => true,
            })
        })
    }

    pub fn len(&self) -> usize {
        self.spots.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }
}

impl IgnoreList {
    pub fn parse(text: &str) -> IgnoreList {
        let fingerprints = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        IgnoreList { fingerprints, ..IgnoreList::default() }
    }

    /// Reads the file if it exists, and `.gitleaksignore` in the same folder if that exists; missing files are
    /// empty lists.
    pub fn load(path: &Path) -> Result<IgnoreList> {
        let mut list = match read_if_present(path)? {
            Some(text) => IgnoreList::parse(&text),
            None => IgnoreList::default(),
        };
        let gitleaks = path.with_file_name(GITLEAKS_IGNORE_FILE_NAME);
        if let Some(text) = read_if_present(&gitleaks)? {
            list.add_gitleaks(&text);
        }
        Ok(list)
    }

    /// Adds the entries of a `.gitleaksignore` file; lines that are not gitleaks fingerprints are skipped.
    pub fn add_gitleaks(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if let Some(e) = GitleaksEntry::parse(line) {
                self.gitleaks.add(e.commit.as_deref(), &e.path, e.line);
            }
        }
    }

    /// Adds a `.gitleaksignore` named explicitly (gitleaks' `--gitleaks-ignore-path`): the file itself, or the
    /// one in that folder if it has one. A path that does not exist is an error: a named file that is missing is
    /// a mistake to report, not an empty list.
    pub fn add_gitleaks_path(&mut self, path: &Path) -> Result<()> {
        let file = if path.is_dir() { path.join(GITLEAKS_IGNORE_FILE_NAME) } else { path.to_path_buf() };
        match read_if_present(&file)? {
            Some(text) => self.add_gitleaks(&text),
            None if path.is_dir() => {}
            None => {
                return Err(Error::Io {
                    context: format!("cannot read {}", path.display()),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                })
            }
        }
        Ok(())
    }

    pub fn contains(&self, fp: &Fingerprint) -> bool {
        self.fingerprints.contains(&fp.0)
    }

    /// The finding's fingerprint is listed, or a `.gitleaksignore` entry names its path and line (and commit).
    pub fn matches(&self, f: &Finding) -> bool {
        self.contains(&f.fingerprint) || self.gitleaks.matches(f)
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.gitleaks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn read_if_present(path: &Path) -> Result<Option<String>> {
    match crate::safe_read::read_own_file(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io { context: format!("cannot read {}", path.display()), source: e }),
    }
}

/// One `.gitleaksignore` line: `[commit:]path:rule-id:line`.
#[derive(Debug, PartialEq, Eq)]
struct GitleaksEntry {
    commit: Option<String>,
    path: String,
    line: usize,
}

impl GitleaksEntry {
    /// Read from the right, since a path may itself contain `:`; the first field is a commit only when it is
    /// a full SHA-1 or SHA-256 object id (gitleaks writes full ids).
    fn parse(s: &str) -> Option<GitleaksEntry> {
        let (rest, line) = s.rsplit_once(':')?;
        let line: usize = line.trim().parse().ok().filter(|n| *n > 0)?;
        let (rest, _rule) = rest.rsplit_once(':')?;
        let (commit, path) = match rest.split_once(':') {
            Some((c, p)) if (c.len() == 40 || c.len() == 64) && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (Some(c.to_ascii_lowercase()), p)
            }
            _ => (None, rest),
        };
        let path = normalize_path(path);
        (!path.is_empty()).then_some(GitleaksEntry { commit, path, line })
    }
}

/// `/` separators, no leading `./` (gitleaks folder scans may write either).
fn normalize_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).to_string()
}

#[cfg(test)]
mod tests {
    use super::{GitleaksEntry, IgnoreList};
    use crate::finding::test_support::secret_finding;
    use crate::finding::CommitInfo;

    #[test]
    fn gitleaks_fingerprints_parse() {
        let sha = "6e6ee6596d337bb656496425fb98644eb62b4a82";
        assert_eq!(
            GitleaksEntry::parse(&format!("{sha}:src/a.py:generic-api-key:12")),
            Some(GitleaksEntry { commit: Some(sha.into()), path: "src/a.py".into(), line: 12 })
        );
        assert_eq!(
            GitleaksEntry::parse("./dir/with:colon.env:aws-access-token:3"),
            Some(GitleaksEntry { commit: None, path: "dir/with:colon.env".into(), line: 3 })
        );
        assert_eq!(GitleaksEntry::parse("github-classic-pat:a.env:0123abcd"), None);
        assert_eq!(GitleaksEntry::parse("just-text"), None);
    }

    #[test]
    fn gitleaks_entries_match_on_path_line_and_commit() {
        let mut list = IgnoreList::default();
        let sha = "6e6ee6596d337bb656496425fb98644eb62b4a82";
        list.add_gitleaks(&format!("# reviewed\na.env:generic-api-key:3\n{sha}:b.env:github-pat:3\n"));
        let a = secret_finding("a.env"); // line 3
        assert!(list.matches(&a));
        let mut moved = a.clone();
        moved.start_line = 4;
        assert!(!list.matches(&moved));
        let mut b = secret_finding("b.env");
        assert!(list.matches(&b), "no commit on the finding: path and line decide");
        b.commit = Some(CommitInfo {
            id: "0000000000000000000000000000000000000000".into(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            subject: String::new(),
            further_occurrences: 0,
            order: 0,
        });
        assert!(!list.matches(&b), "another commit");
        b.commit.as_mut().unwrap().id = sha.into();
        assert!(list.matches(&b));
    }
}
