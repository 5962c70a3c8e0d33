//! Which config, ignore files, baseline and inline markers a git-mode scan applies (the trust model is in
//! `crate::policy`). `--staged`, `--history` and the pre-push hook use the working tree's: the person running
//! them owns it (for the hook, the pusher is the author of what is pushed). `--range` is a PR check, run on
//! the pull request's checkout: it uses BASE's files and reports the range's weakening changes to them as
//! `config-weakened` findings, unless `--trust-head-config` says the range's own files are to be trusted.
use std::path::Path;

use anyhow::{bail, Context};
use git2::{Oid, Repository};

use super::ScanArgs;
use crate::config::Config;
use crate::engine::Scanner;
use crate::finding::{Finding, FindingKind};
use crate::policy::revision::{repo_relative, ConfigLocation, PolicyFiles, PolicyPaths};
use crate::policy::weakened::{self, View};
use crate::source::history::HistorySource;
use crate::suppress::baseline::Baseline;
use crate::suppress::ignore_file::{IgnoreList, IGNORE_FILE_NAME};
use crate::suppress::InlineMarkers;

pub(crate) struct Policy {
    pub config: Config,
    pub ignore: IgnoreList,
    pub baseline: Option<Baseline>,
    pub markers: InlineMarkers,
    /// `config-weakened` findings; they go through the suppressors like any other finding.
    pub findings: Vec<Finding>,
    /// For the report: where the files came from, what the range changed in them.
    pub notes: Vec<String>,
    /// The commit the files were read from (`BASE (1a2b3c4d)`), for errors; `None`: the working tree.
    from: Option<String>,
}

impl Policy {
    /// The working tree's files: config discovered from `root` (or `--config`), ignore files at `root`, the
    /// `--baseline` file as given.
    pub fn work_tree(args: &ScanArgs, root: &Path) -> anyhow::Result<Policy> {
        let baseline = load_baseline(args)?;
        let config = super::scan::load_config(args.common.config.as_deref(), root)?;
        Ok(Policy {
            config,
            ignore: IgnoreList::load(&root.join(IGNORE_FILE_NAME))?,
            baseline,
            markers: InlineMarkers::Honoured,
            findings: Vec::new(),
            notes: Vec::new(),
            from: None,
        })
    }

    /// A PR check over `range`, whose commits are `commits` (oldest first).
    pub fn for_range(args: &ScanArgs, source: &HistorySource, range: &str, commits: &[Oid]) -> anyhow::Result<Policy> {
        let repo = source.repo();
        let (base, head) = range_ends(repo, range)?;
        let paths = policy_paths(repo, args);
        let trust_head = args.trust_head_config;
        let trusted = if trust_head { head } else { base };
        let from = format!("{} ({})", if trust_head { "HEAD" } else { "BASE" }, short(trusted));
        let trusted_files = PolicyFiles::read(repo, trusted, &paths)?;
        let head_files = if trust_head { trusted_files.clone() } else { PolicyFiles::read(repo, head, &paths)? };
        let mut notes = Vec::new();

        let config = match (&paths.config, &args.common.config) {
            (ConfigLocation::Outside, Some(p)) => Config::load(p)?,
            _ => trusted_files.config().with_context(|| format!("config at {from}"))?,
        };
        let ignore = trusted_files.ignore_list().with_context(|| format!("ignore file at {from}"))?;
        let baseline = match (&args.shared.baseline, &paths.baseline) {
            (None, _) => None,
            // Outside the repository: the CI maintainer's own file, as given.
            (Some(p), None) => Some(Baseline::load(p)?),
            (Some(p), Some(rel)) => match trusted_files.baseline().with_context(|| format!("baseline at {from}"))? {
                Some(b) => Some(b),
                None if !trust_head && !matches!(head_files.baseline, Ok(None)) => {
                    notes.push(format!("BASE ({}) has no {rel}: no baseline applies (the range adds it)", short(base)));
                    None
                }
                None => bail!("--baseline {}: {from} has no such file", p.display()),
            },
        };

        // Changes are measured from where the range started, so what the base branch changed meanwhile is not
        // blamed on the range.
        let start = repo.merge_base(base, head).unwrap_or(base);
        let start_files =
            if start == trusted { trusted_files.clone() } else { PolicyFiles::read(repo, start, &paths)? };
        let changed = start_files.changed_paths(&head_files);
        let mut weakenings = Vec::new();
        if !changed.is_empty() {
            let mut before = View::of(&start_files, false);
            if !before.config_usable() {
                // A start whose config this leakgate cannot read (an older format): compare with BASE's instead.
                before = View::of(&PolicyFiles::read(repo, base, &paths)?, false);
            }
            let fixed = args.shared.max_file_size.is_some();
            weakenings = weakened::compare(&before, &View::of(&head_files, !trust_head), &head_files, fixed);
            weakened::attribute(repo, commits, &paths, &before, fixed, &mut weakenings);
            notes.push(format!("this range changes {}; this check applies the version at {from}", changed.join(", ")));
        }
        let disabled = config.file.disable.iter().any(|d| d == weakened::RULE_ID);
        let mut findings = Vec::new();
        for w in weakenings {
            if trust_head || disabled {
                let why = if trust_head { "--trust-head-config" } else { "config-weakened is disabled" };
                notes.push(format!("{} ({why})", w.note()));
            } else {
                let info = w.commit.and_then(|c| source.commit_info(c));
                findings.push(w.into_finding(info));
            }
        }
        Ok(Policy {
            config,
            ignore,
            baseline,
            markers: if trust_head { InlineMarkers::Honoured } else { InlineMarkers::NotHonoured },
            findings,
            notes,
            from: Some(from),
        })
    }

    /// The scanner the config describes; a broken config names the commit it came from.
    pub fn scanner(&self) -> anyhow::Result<Scanner> {
        let scanner = self.config.scanner();
        match &self.from {
            Some(from) => scanner.with_context(|| format!("config at {from}")),
            None => Ok(scanner?),
        }
    }
}

/// What a PR check says about the findings it reports although a `leakgate:allow` marker is on their line.
pub(crate) fn unhonoured_markers_note(reported: &[Finding]) -> Option<String> {
    let marked = reported
        .iter()
        .filter(|f| f.kind != FindingKind::Config && crate::suppress::inline::allows(&f.line, &f.rule_id))
        .count();
    (marked > 0).then(|| {
        format!(
            "{marked} finding{} on lines this range adds carr{} a leakgate:allow marker, which a PR check does not \
             honour: the marker is part of the change under review (a maintainer can list the fingerprint in BASE's \
             .leakgateignore; see --trust-head-config)",
            if marked == 1 { "" } else { "s" },
            if marked == 1 { "ies" } else { "y" },
        )
    })
}

/// The baseline named by `--baseline`: read before scanning, so that a wrong path fails fast (exit 2).
pub(crate) fn load_baseline(args: &ScanArgs) -> anyhow::Result<Option<Baseline>> {
    args.shared.baseline.as_deref().map(|p| Baseline::load(p).map_err(anyhow::Error::from)).transpose()
}

/// BASE and HEAD of `BASE..HEAD` as commits (an empty side is HEAD, as for git).
fn range_ends(repo: &Repository, range: &str) -> anyhow::Result<(Oid, Oid)> {
    let spec = repo.revparse(range).map_err(|e| anyhow::anyhow!("revision `{range}`: {}", e.message()))?;
    let (Some(from), Some(to)) = (spec.from(), spec.to()) else {
        bail!("--range: `{range}` is not a range (expected BASE..HEAD)");
    };
    let commit = |o: &git2::Object<'_>| {
        o.peel_to_commit().map(|c| c.id()).map_err(|e| anyhow::anyhow!("revision `{range}`: {}", e.message()))
    };
    Ok((commit(from)?, commit(to)?))
}

/// `--config` and `--baseline` inside the working tree are read from commits at their repository-relative
/// paths; outside it (or in a bare repository) they are the CI maintainer's own files, read as given.
fn policy_paths(repo: &Repository, args: &ScanArgs) -> PolicyPaths {
    let inside = |p: &Path| repo.workdir().and_then(|w| repo_relative(w, p));
    PolicyPaths {
        config: match args.common.config.as_deref() {
            None => ConfigLocation::Discover,
            Some(p) => inside(p).map_or(ConfigLocation::Outside, ConfigLocation::At),
        },
        baseline: args.shared.baseline.as_deref().and_then(inside),
    }
}

fn short(oid: Oid) -> String {
    oid.to_string()[..8].to_string()
}
