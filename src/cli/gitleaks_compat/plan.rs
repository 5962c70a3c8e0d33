//! gitleaks flags → a leakgate [`ScanRequest`] and how its report is written. What gitleaks scans is kept:
//! secrets only (no IaC lint), files that .gitignore excludes too, every finding failing the run; `--log-opts`
//! ranges scan only the lines their commits add, with the working tree's config and ignore files, as gitleaks
//! does (leakgate's own PR check, `scan --range`, reads them from the base instead).
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use git2::Repository;

use super::{CommonFlags, GitleaksCommand, GitleaksFormat};
use crate::cli::gate::Gate;
use crate::pipeline::{ScanRequest, Target};
use crate::policy::PolicyInputs;
use crate::report::gitleaks::{Redaction, Scanned, Shape};
use crate::source::history::HistorySpec;

/// gitleaks' megabyte (`--max-target-megabytes`).
const MEGABYTE: u64 = 1_000_000;

/// A gitleaks command, as leakgate runs it.
pub(super) struct Plan {
    pub request: ScanRequest,
    /// `--staged`: a commit is being gated (what its "how to proceed" says).
    pub gate: Option<Gate>,
    pub output: OutputPlan,
}

/// Where and how the report goes.
pub(super) struct OutputPlan {
    /// `-r`: a file, or `-` for stdout; `None`: no report, only the summary on stderr.
    pub report_path: Option<PathBuf>,
    pub format: GitleaksFormat,
    /// What of each secret the report shows, and what was scanned (which decides some of gitleaks' fields).
    pub shape: Shape,
    /// `-v`: leakgate's text report on stdout.
    pub verbose: bool,
    pub color: bool,
    /// `--exit-code`: the exit code when leaks are found.
    pub exit_code: u8,
}

/// What a command scans, before the common flags apply.
struct Scope {
    target: Target,
    repo: Option<PathBuf>,
    follow_symlinks: bool,
}

impl Plan {
    pub fn of(command: GitleaksCommand) -> anyhow::Result<Plan> {
        let (scope, common) = match command {
            GitleaksCommand::Detect(a) => {
                let scope = if a.pipe {
                    Scope { target: Target::Stdin, repo: None, follow_symlinks: false }
                } else if a.no_git {
                    // gitleaks documents that --log-opts has no effect with --no-git; so it is here.
                    Scope { target: Target::Paths(vec![a.source]), repo: None, follow_symlinks: a.follow_symlinks }
                } else {
                    history(a.source, a.log_opts.as_deref())?
                };
                (scope, a.common)
            }
            // gitleaks reads no --log-opts for a change not yet committed; neither does leakgate.
            GitleaksCommand::Protect(a) => {
                let scope = if a.staged { staged(a.source) } else { worktree_changes(a.source) };
                (scope, a.common)
            }
            GitleaksCommand::Git(a) => {
                let repo = a.path.unwrap_or_else(|| PathBuf::from("."));
                let scope = match (a.staged, a.pre_commit) {
                    (true, _) => staged(repo),
                    (false, true) => worktree_changes(repo),
                    (false, false) => history(repo, a.log_opts.as_deref())?,
                };
                (scope, a.common)
            }
            GitleaksCommand::Dir(a) => {
                let paths = if a.paths.is_empty() { vec![PathBuf::from(".")] } else { a.paths };
                (Scope { target: Target::Paths(paths), repo: None, follow_symlinks: a.follow_symlinks }, a.common)
            }
            GitleaksCommand::Stdin(a) => {
                (Scope { target: Target::Stdin, repo: None, follow_symlinks: false }, a.common)
            }
            GitleaksCommand::Version(_) => bail!("`version` scans nothing"),
        };
        Plan::with_flags(scope, common)
    }

    fn with_flags(scope: Scope, flags: CommonFlags) -> anyhow::Result<Plan> {
        let staged = matches!(scope.target, Target::Staged);
        let scanned = match scope.target {
            Target::Stdin => Scanned::Stdin,
            Target::Staged | Target::WorktreeChanges => Scanned::Uncommitted,
            _ => Scanned::Files,
        };
        let max_file_size = match flags.max_target_megabytes.filter(|&n| n > 0) {
            Some(n) => Some(n.checked_mul(MEGABYTE).context("--max-target-megabytes is too large")?),
            None => None,
        };
        let redaction = match flags.redact {
            None => Redaction::Leakgate,
            Some(0) => Redaction::None,
            Some(n) => Redaction::Percent(n),
        };
        let mut request = ScanRequest::new(scope.target);
        // In a hook, git names the index the commit records (`git commit -a` uses a temporary one).
        if staged && scope.repo.is_none() {
            request.index_file = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
        }
        request.repo = scope.repo;
        // gitleaks' order: --config, then the GITLEAKS_CONFIG variable, then the config found in the scanned place.
        let config =
            flags.config.or_else(|| std::env::var_os("GITLEAKS_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from));
        request.policy = PolicyInputs {
            config,
            baseline: flags.baseline_path,
            size_limit_given: max_file_size.is_some(),
            trust_head_config: false,
            gitleaks_ignore: flags.gitleaks_ignore_path,
        };
        request.max_file_size = max_file_size;
        // gitleaks finds secrets; a team switching keeps that (`leakgate scan` lints infrastructure too).
        request.iac = Some(false);
        // gitleaks reads every file of a folder, .gitignore'd ones (a local .env) included.
        request.respect_ignore_files = false;
        request.follow_symlinks = scope.follow_symlinks;
        // gitleaks' default is 5 layers; leakgate looks through at most MAX_DEPTH.
        let max_depth = crate::engine::decode::MAX_DEPTH;
        request.decode_depth = flags.max_decode_depth.map(|n| u8::try_from(n).unwrap_or(u8::MAX).min(max_depth));
        request.mask_lines = redaction != Redaction::None;
        // A change about to be committed is gated: what was not scanned must not pass, as with `leakgate scan
        // --staged`.
        request.gate = scanned == Scanned::Uncommitted;
        let format = flags.report_format.or_else(|| flags.report_path.as_deref().and_then(format_of_extension));
        Ok(Plan {
            request,
            gate: staged.then_some(Gate::Staged),
            output: OutputPlan {
                report_path: flags.report_path,
                format: format.unwrap_or(GitleaksFormat::Json),
                shape: Shape { redaction, scanned },
                verbose: flags.verbose,
                color: !flags.no_color,
                exit_code: flags.exit_code,
            },
        })
    }
}

/// The staged change of the repository at `source`.
fn staged(source: PathBuf) -> Scope {
    // `.` is the current repository, whose index a hook may name in GIT_INDEX_FILE.
    let repo = (source != Path::new(".")).then_some(source);
    Scope { target: Target::Staged, repo, follow_symlinks: false }
}

/// The working tree's changes not yet staged in the repository at `source` (what `git diff` shows).
fn worktree_changes(source: PathBuf) -> Scope {
    Scope { target: Target::WorktreeChanges, repo: Some(source), follow_symlinks: false }
}

/// Without `-f`, gitleaks picks the format from the report file's extension: `.json`, `.csv` or `.sarif`.
fn format_of_extension(path: &Path) -> Option<GitleaksFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(GitleaksFormat::Json),
        "csv" => Some(GitleaksFormat::Csv),
        "sarif" => Some(GitleaksFormat::Sarif),
        _ => None,
    }
}

/// The history of the repository at `repo`, or the part `--log-opts` selects.
fn history(repo: PathBuf, log_opts: Option<&str>) -> anyhow::Result<Scope> {
    let spec = history_spec(&repo, log_opts.unwrap_or(""))?;
    Ok(Scope { target: Target::History(spec), repo: Some(repo), follow_symlinks: false })
}

/// The `git log` options gitleaks passes on, as far as leakgate can honour them: `--all` or nothing (every
/// commit of every ref), revisions (every commit they reach), or one range `A..B` (the commits reachable from
/// B but not A, and only the lines they add: what `git log -p A..B` shows). Anything else is refused by name.
fn history_spec(repo: &Path, log_opts: &str) -> anyhow::Result<HistorySpec> {
    let mut all = false;
    let mut ranges = Vec::new();
    let mut revs = Vec::new();
    for opt in log_opts.split_whitespace() {
        if opt == "--all" {
            all = true;
        } else if opt.starts_with('-') {
            bail!(
                "--log-opts: `{opt}` is a git log option leakgate does not support (it takes A..B, --all or revisions)"
            );
        } else if opt.contains("...") {
            bail!("--log-opts: `{opt}`: leakgate takes a range as A..B, not A...B");
        } else if let Some((base, head)) = opt.split_once("..") {
            ranges.push((base.to_string(), head.to_string()));
        } else {
            revs.push(opt.to_string());
        }
    }
    let given = usize::from(all) + usize::from(!ranges.is_empty()) + usize::from(!revs.is_empty());
    if given > 1 || ranges.len() > 1 {
        bail!("--log-opts `{log_opts}`: leakgate takes one of: a range A..B, --all, or revisions");
    }
    if let [(base, head)] = ranges.as_slice() {
        let repository = Repository::discover(repo)
            .map_err(|e| anyhow::anyhow!("{} is not a git repository: {}", repo.display(), e.message()))?;
        // git reads an empty side as HEAD.
        let commit = |rev: &str| {
            let rev = if rev.is_empty() { "HEAD" } else { rev };
            repository
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|e| anyhow::anyhow!("--log-opts: bad revision `{rev}`: {}", e.message()))
        };
        return Ok(HistorySpec::Commits {
            include: vec![commit(head)?],
            exclude: vec![commit(base)?],
            exclude_globs: Vec::new(),
            objects: Vec::new(),
        });
    }
    Ok(if revs.is_empty() { HistorySpec::AllRefs } else { HistorySpec::Revs(revs) })
}

#[cfg(test)]
mod tests {
    use super::{format_of_extension, history_spec};
    use crate::cli::gitleaks_compat::GitleaksFormat;

    #[test]
    fn report_format_follows_the_extension_as_in_gitleaks() {
        let of = |p: &str| format_of_extension(p.as_ref());
        assert_eq!(of("out/results.sarif"), Some(GitleaksFormat::Sarif));
        assert_eq!(of("report.CSV"), Some(GitleaksFormat::Csv));
        assert_eq!(of("report.json"), Some(GitleaksFormat::Json));
        assert_eq!((of("report.xml"), of("-"), of("report")), (None, None, None));
    }
    use crate::source::history::HistorySpec;

    #[test]
    fn log_opts_all_revisions_and_refusals() {
        let here = std::path::Path::new(".");
        assert!(matches!(history_spec(here, "").unwrap(), HistorySpec::AllRefs));
        assert!(matches!(history_spec(here, " --all ").unwrap(), HistorySpec::AllRefs));
        assert!(matches!(history_spec(here, "main v1.0").unwrap(), HistorySpec::Revs(r) if r == ["main", "v1.0"]));
        let err = history_spec(here, "--since=2024-01-01").unwrap_err().to_string();
        assert!(err.contains("`--since=2024-01-01` is a git log option leakgate does not support"), "{err}");
        let err = history_spec(here, "--all main").unwrap_err().to_string();
        assert!(err.contains("one of"), "{err}");
        assert!(history_spec(here, "a...b").unwrap_err().to_string().contains("not A...B"));
    }
}
