//! `leakgate hook pre-push`: what the pre-push hook runs. git passes the remote's name and URL as arguments and
//! one line per ref on stdin; this turns those lines into the set of commits the push sends that no
//! remote-tracking branch has yet, and scans the lines they add, like `scan --range`. A ref that points at a blob
//! or a tree (a tag of one, annotated or not) sends content no commit holds: all of it is scanned.
use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};
use git2::{Oid, Repository};

use crate::cli::exit::Outcome;
use crate::cli::gate::Gate;
use crate::cli::PrePushArgs;
use crate::pipeline::Target;
use crate::source::history::{HistorySource, HistorySpec};

/// One line of git's pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RefUpdate {
    local_ref: String,
    local: String,
    remote: String,
}

pub fn pre_push(args: PrePushArgs) -> anyhow::Result<Outcome> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("cannot read the refs being pushed from stdin")?;
    let updates = parse_updates(&input)?;
    let dir = args.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let spec = {
        let source = HistorySource::open(&dir)?;
        push_spec(source.repo(), &updates)?
    };
    let started = std::time::Instant::now();
    let target = Target::History(spec);
    let mut request =
        crate::cli::scan::git_request(target, args.repo.clone(), &args.common, &args.output, &args.shared);
    request.gate = true;
    let result = request.run()?;
    crate::cli::scan::report_outcome(&args.output, &args.shared, result, started, Some(Gate::Push))
}

/// Parses git's pre-push input; anything unexpected is an error (the hook fails closed rather than guess).
fn parse_updates(input: &str) -> anyhow::Result<Vec<RefUpdate>> {
    let mut out = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [local_ref, local, _remote_ref, remote] = parts[..] else {
            bail!("unexpected pre-push input line (expected `<local ref> <local sha> <remote ref> <remote sha>`): {line:?}");
        };
        for sha in [local, remote] {
            if !is_object_name(sha) {
                bail!("unexpected pre-push input line (`{sha}` is not an object name): {line:?}");
            }
        }
        out.push(RefUpdate { local_ref: local_ref.to_string(), local: local.to_string(), remote: remote.to_string() });
    }
    Ok(out)
}

fn is_object_name(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// The commits a push sends: reachable from each pushed ref's new value, but not from its old value on the
/// remote (when we have that commit) nor from any remote-tracking branch (`refs/remotes/*`), since those are
/// on a remote already. A new branch thus scans only its own new commits, and a branch that merged in another
/// pushed branch is not blamed for that branch's commits. Deletions send nothing. A ref to a blob or a tree
/// sends it whole.
fn push_spec(repo: &Repository, updates: &[RefUpdate]) -> anyhow::Result<HistorySpec> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut objects = Vec::new();
    for u in updates {
        if is_zero(&u.local) {
            continue;
        }
        let local =
            Oid::from_str(&u.local).with_context(|| format!("bad object name {} for {}", u.local, u.local_ref))?;
        let object = repo.find_object(local, None).map_err(|e| {
            anyhow::anyhow!(
                "{} ({}) is being pushed but is not in this repository: {}",
                u.local_ref,
                u.local,
                e.message()
            )
        })?;
        // An annotated tag is peeled to what it tags; a tag of a tree or blob has no commit, but what it
        // reaches is pushed all the same.
        let object = peel_tags(repo, object)?;
        let Ok(commit) = object.peel_to_commit() else {
            objects.push((u.local_ref.clone(), object.id()));
            continue;
        };
        include.push(commit.id());
        if !is_zero(&u.remote) {
            // After someone else's push that was not fetched, the remote's commit is unknown here: then only the
            // remote-tracking branches bound what is new.
            let known = Oid::from_str(&u.remote)
                .ok()
                .and_then(|oid| repo.find_object(oid, None).ok())
                .and_then(|o| o.peel_to_commit().ok());
            if let Some(c) = known {
                exclude.push(c.id());
            }
        }
    }
    Ok(HistorySpec::Commits { include, exclude, exclude_globs: vec!["refs/remotes".to_string()], objects })
}

/// The object a chain of annotated tags ends at.
fn peel_tags<'r>(repo: &'r Repository, mut object: git2::Object<'r>) -> anyhow::Result<git2::Object<'r>> {
    // A tag cannot tag itself, but a corrupt chain must not loop.
    for _ in 0..64 {
        let Some(tag) = object.as_tag() else { return Ok(object) };
        let target = tag.target_id();
        object = repo
            .find_object(target, None)
            .map_err(|e| anyhow::anyhow!("cannot read {target}, which a pushed tag points at: {}", e.message()))?;
    }
    bail!("a pushed tag is a chain of more than 64 tags")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_git_pre_push_lines() {
        let input = format!("refs/heads/main {A} refs/heads/main {Z}\n\n(delete) {Z} refs/heads/old {A}\n");
        let u = parse_updates(&input).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].local_ref, "refs/heads/main");
        assert!(is_zero(&u[0].remote));
        assert!(is_zero(&u[1].local));
        assert!(parse_updates("").unwrap().is_empty());
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(parse_updates("refs/heads/main abc refs/heads/main def\n").is_err());
        assert!(parse_updates(&format!("refs/heads/main {A}\n")).is_err());
    }
}
