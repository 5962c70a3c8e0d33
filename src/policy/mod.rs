//! The files that decide what a scan hides or skips besides the rules themselves — the config
//! (`.leakgate.toml`, or `.gitleaks.toml`), the ignore files (`.leakgateignore`, `.gitleaksignore`) and a
//! `--baseline` file — and which version of them a scan trusts ([`Policy`]).
//!
//! File, folder, `--staged` and `--history` scans and the pre-push hook read them from the working tree: whoever
//! runs those scans owns that tree. A PR check (`--range BASE..HEAD`) runs on the pull request's checkout, and the
//! pull request's author could disable the rule of the secret it adds, or list its fingerprint. So a range reads
//! them from BASE's tree ([`revision`]), and reports what the range changes in them that weakens detection as
//! `config-weakened` findings ([`weakened`]), unless the caller trusts the range's own files
//! ([`PolicyInputs::trust_head_config`]); their changes are then listed as notes, not findings.
pub mod revision;
pub mod weakened;

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::config::Config;
use crate::engine::Scanner;
use crate::error::{Error, Result};
use crate::finding::{Finding, FindingKind};
use crate::source::history::HistorySource;
use crate::suppress::baseline::Baseline;
use crate::suppress::ignore_file::{IgnoreList, IGNORE_FILE_NAME};
use crate::suppress::InlineMarkers;
use revision::{repo_relative, ConfigLocation, PolicyFiles, PolicyPaths};
use weakened::View;

/// What the caller names of the policy: the files given explicitly and how far a range's own files are trusted.
#[derive(Debug, Clone, Default)]
pub struct PolicyInputs {
    /// `--config`: the config file (default: discovered).
    pub config: Option<PathBuf>,
    /// `--baseline`: the baseline file.
    pub baseline: Option<PathBuf>,
    /// A size limit was given explicitly, so a range's change to `max_file_size` does not weaken the check.
    pub size_limit_given: bool,
    /// Trust the range's own config, ignore files, baseline and markers (read from HEAD).
    pub trust_head_config: bool,
    /// A `.gitleaksignore` named explicitly (gitleaks' `--gitleaks-ignore-path`: the file, or a folder holding
    /// one), read besides those at the root. Working-tree policies only: a PR check reads BASE's files.
    pub gitleaks_ignore: Option<PathBuf>,
}

/// What a scan applies besides the rules: the config, the ignore files, the baseline and whether inline markers
/// count, with the policy findings and notes a PR check adds.
pub struct Policy {
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
    pub fn work_tree(inputs: &PolicyInputs, root: &Path) -> Result<Policy> {
        let baseline = load_baseline(inputs.baseline.as_deref())?;
        let config = Config::discover_or_default(inputs.config.as_deref(), root)?;
        Ok(Policy {
            config,
            ignore: work_tree_ignore(inputs, root)?,
            baseline,
            markers: InlineMarkers::Honoured,
            findings: Vec::new(),
            notes: Vec::new(),
            from: None,
        })
    }

    /// A PR check over `range`, whose commits are `commits` (oldest first).
    pub fn for_range(inputs: &PolicyInputs, source: &HistorySource, range: &str, commits: &[Oid]) -> Result<Policy> {
        let repo = source.repo();
        let (base, head) = range_ends(repo, range)?;
        let paths = policy_paths(repo, inputs);
        let trust_head = inputs.trust_head_config;
        let trusted = if trust_head { head } else { base };
        let from = format!("{} ({})", if trust_head { "HEAD" } else { "BASE" }, short(trusted));
        let trusted_files = PolicyFiles::read(repo, trusted, &paths)?;
        let head_files = if trust_head { trusted_files.clone() } else { PolicyFiles::read(repo, head, &paths)? };
        let mut notes = Vec::new();

        let config = match (&paths.config, &inputs.config) {
            (ConfigLocation::Outside, Some(p)) => Config::load(p)?,
            _ => trusted_files.config().map_err(|e| e.context(format!("config at {from}")))?,
        };
        let ignore = trusted_files.ignore_list().map_err(|e| e.context(format!("ignore file at {from}")))?;
        let baseline = match (&inputs.baseline, &paths.baseline) {
            (None, _) => None,
            // Outside the repository: the CI maintainer's own file, as given.
            (Some(p), None) => Some(Baseline::load(p)?),
            (Some(p), Some(rel)) => match trusted_files
                .baseline()
                .map_err(|e| e.context(format!("baseline at {from}")))?
            {
                Some(b) => Some(b),
                None if !trust_head && !matches!(head_files.baseline, Ok(None)) => {
                    notes.push(format!("BASE ({}) has no {rel}: no baseline applies (the range adds it)", short(base)));
                    None
                }
                None => {
                    return Err(Error::config(
                        format!("--baseline {}", p.display()),
                        format!("{from} has no such file"),
                    ))
                }
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
            let fixed = inputs.size_limit_given;
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
    pub fn scanner(&self) -> Result<Scanner> {
        let scanner = self.config.scanner();
        match &self.from {
            Some(from) => scanner.map_err(|e| e.context(format!("config at {from}"))),
            None => scanner,
        }
    }
}

/// What a PR check says about the findings it reports although a `leakgate:allow` marker is on their line.
pub fn unhonoured_markers_note(reported: &[Finding]) -> Option<String> {
    let marked = reported
        .iter()
        .filter(|f| f.kind() != FindingKind::Config && crate::suppress::inline::allows(&f.line, &f.rule_id))
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

/// The ignore files at `root` (`.leakgateignore`, `.gitleaksignore`) and the `.gitleaksignore` the caller names.
pub fn work_tree_ignore(inputs: &PolicyInputs, root: &Path) -> Result<IgnoreList> {
    let mut ignore = IgnoreList::load(&root.join(IGNORE_FILE_NAME))?;
    if let Some(path) = &inputs.gitleaks_ignore {
        ignore.add_gitleaks_path(path)?;
    }
    Ok(ignore)
}

/// The baseline named by `--baseline`: read before scanning, so that a wrong path fails fast (exit 2).
pub fn load_baseline(path: Option<&Path>) -> Result<Option<Baseline>> {
    path.map(Baseline::load).transpose()
}

/// BASE and HEAD of `BASE..HEAD` as commits (an empty side is HEAD, as for git).
fn range_ends(repo: &Repository, range: &str) -> Result<(Oid, Oid)> {
    let spec = repo.revparse(range).map_err(|e| Error::config(format!("revision `{range}`"), e.message()))?;
    let (Some(from), Some(to)) = (spec.from(), spec.to()) else {
        return Err(Error::config("--range", format!("`{range}` is not a range (expected BASE..HEAD)")));
    };
    let commit = |o: &git2::Object<'_>| {
        o.peel_to_commit().map(|c| c.id()).map_err(|e| Error::config(format!("revision `{range}`"), e.message()))
    };
    Ok((commit(from)?, commit(to)?))
}

/// `--config` and `--baseline` inside the working tree are read from commits at their repository-relative
/// paths; outside it (or in a bare repository) they are the CI maintainer's own files, read as given.
fn policy_paths(repo: &Repository, inputs: &PolicyInputs) -> PolicyPaths {
    let inside = |p: &Path| repo.workdir().and_then(|w| repo_relative(w, p));
    PolicyPaths {
        config: match inputs.config.as_deref() {
            None => ConfigLocation::Discover,
            Some(p) => inside(p).map_or(ConfigLocation::Outside, ConfigLocation::At),
        },
        baseline: inputs.baseline.as_deref().and_then(inside),
    }
}

fn short(oid: Oid) -> String {
    oid.to_string()[..8].to_string()
}
