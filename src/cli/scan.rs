//! `leakgate scan`: load config → build the scanner → scan paths or stdin → suppress → report → outcome.
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};

use super::exit::{outcome, Outcome};
use super::hook::Gate;
use super::progress::ProgressBar;
use super::{OutputArgs, ScanArgs};
use crate::config::Config;
use crate::report::{self, Report, ReportOptions};
use crate::scan::git::{scan_history, scan_staged};
use crate::scan::{scan_bytes, scan_paths, ScanOutput};
use crate::source::fs::WalkOptions;
use crate::source::history::{HistorySource, HistorySpec};
use crate::source::staged::StagedSource;
use crate::stats::ScanStats;
use crate::suppress::{self, baseline::Baseline, ignore_file::IgnoreList};

/// What a scan found, before suppression and reporting; `leakgate baseline create` uses it too.
pub(crate) struct Scanned {
    pub output: ScanOutput,
    pub scanner: crate::engine::Scanner,
    pub ignore: IgnoreList,
    /// The folder holding `.leakgateignore`: the repository root in git modes.
    pub root: PathBuf,
}

pub fn run(args: ScanArgs) -> anyhow::Result<Outcome> {
    if args.staged || args.history || args.range.is_some() {
        return run_git(args);
    }
    let started = Instant::now();
    let baseline = load_baseline(&args)?;
    let scanned = collect_paths(&args)?;
    finish(&args, scanned, baseline.as_ref(), started, None)
}

/// Scans files, folders or stdin.
pub(crate) fn collect_paths(args: &ScanArgs) -> anyhow::Result<Scanned> {
    if args.repo.is_some() {
        bail!("--repo goes with --staged, --history or --range");
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && paths.len() > 1 {
        bail!("`-` (stdin) cannot be combined with other paths");
    }
    for p in paths.iter().filter(|p| p.as_os_str() != "-") {
        std::fs::symlink_metadata(p).with_context(|| format!("cannot scan {}", p.display()))?;
    }
    let start_dir = if stdin { PathBuf::from(".") } else { search_start(&paths[0]) };
    let config = load_config(args.common.config.as_deref(), &start_dir)?;
    let mut scanner = config.scanner()?;
    scanner.set_iac_enabled(!args.no_iac);
    let root = project_root(&config, &start_dir);
    let ignore = IgnoreList::load(&root.join(suppress::ignore_file::IGNORE_FILE_NAME))?;

    let output: ScanOutput = if stdin {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("cannot read stdin")?;
        scan_bytes(&scanner, &buf, "-")
    } else {
        let opts = WalkOptions {
            max_file_size: args.shared.max_file_size.unwrap_or(config.max_file_size()),
            follow_symlinks: args.follow_symlinks,
            respect_ignore_files: !args.no_ignore,
            threads: args.shared.threads,
        };
        scan_paths(&scanner, &paths, &opts)
    };
    Ok(Scanned { output: with_notes(output, &config), scanner, ignore, root })
}

/// `--staged`, `--history`, `--range`: config and ignore file come from the repository's root.
fn run_git(args: ScanArgs) -> anyhow::Result<Outcome> {
    let gate = args.staged.then_some(Gate::Commit);
    run_git_with(args, None, gate)
}

/// [`run_git`], with the commits to scan given as `spec` (the pre-push hook) instead of by flags; `gate` is
/// the hook whose "how to proceed" is printed on stderr when findings block it.
pub(crate) fn run_git_with(args: ScanArgs, spec: Option<HistorySpec>, gate: Option<Gate>) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let baseline = load_baseline(&args)?;
    let scanned = collect_git(&args, spec)?;
    finish(&args, scanned, baseline.as_ref(), started, gate)
}

/// Scans the staged change or commits (`spec`, else what the flags say).
pub(crate) fn collect_git(args: &ScanArgs, spec: Option<HistorySpec>) -> anyhow::Result<Scanned> {
    let dir = args.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    if args.staged && !args.paths.is_empty() {
        bail!("--staged takes no paths (it scans the index)");
    }
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("`-` (stdin) cannot be combined with --staged, --history or --range");
    }
    let (output, scanner, ignore, root) = if args.staged {
        let mut source = StagedSource::open(&dir)?;
        // In a hook, git names the index the commit records (`git commit -a` uses a temporary one).
        if let Some(index) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
            if args.repo.is_none() {
                source = source.with_index_file(Path::new(&index))?;
            }
        }
        let root = source.workdir();
        let config = load_config(args.common.config.as_deref(), &root)?;
        let mut scanner = config.scanner()?;
        scanner.set_iac_enabled(!args.no_iac);
        let ignore = IgnoreList::load(&root.join(suppress::ignore_file::IGNORE_FILE_NAME))?;
        let max = args.shared.max_file_size.unwrap_or(config.max_file_size());
        let output = with_notes(scan_staged(&scanner, &source, max)?, &config);
        (output, scanner, ignore, root)
    } else {
        let source = HistorySource::open(&dir)?;
        let root = source.root();
        let config = load_config(args.common.config.as_deref(), &root)?;
        let mut scanner = config.scanner()?;
        // History is audited for secrets; IaC lint of old blobs is asked for with --iac.
        scanner.set_iac_enabled(args.iac);
        let ignore = IgnoreList::load(&root.join(suppress::ignore_file::IGNORE_FILE_NAME))?;
        let max = args.shared.max_file_size.unwrap_or(config.max_file_size());
        let spec = match (spec, &args.range) {
            (Some(spec), _) => spec,
            (None, Some(r)) => HistorySpec::Range(r.clone()),
            (None, None) if args.paths.is_empty() => HistorySpec::AllRefs,
            (None, None) => HistorySpec::Revs(args.paths.iter().map(|p| p.to_string_lossy().into_owned()).collect()),
        };
        let mut plan_stats = ScanStats::default();
        let plan = source.plan(&spec, max, &mut plan_stats)?;
        let bar = ProgressBar::for_terminal(args.output.quiet);
        let progress = bar.as_ref().map(|b| b as &dyn crate::scan::git::Progress);
        let mut output = scan_history(&scanner, &source, plan, max, args.shared.threads, progress)?;
        output.stats.merge(plan_stats);
        (with_notes(output, &config), scanner, ignore, root)
    };
    Ok(Scanned { output, scanner, ignore, root })
}

/// The baseline named by `--baseline`: read before scanning, so that a wrong path fails fast (exit 2).
fn load_baseline(args: &ScanArgs) -> anyhow::Result<Option<Baseline>> {
    args.shared.baseline.as_deref().map(|p| Baseline::load(p).map_err(anyhow::Error::from)).transpose()
}

/// The config's notes (how a gitleaks config was read) travel with the scan's own notes into every report.
fn with_notes(mut output: ScanOutput, config: &Config) -> ScanOutput {
    for n in &config.notes {
        if !output.stats.notes.contains(n) {
            output.stats.notes.push(n.clone());
        }
    }
    output
}

/// Suppression, report and outcome: the same for every mode.
fn finish(
    args: &ScanArgs,
    scanned: Scanned,
    baseline: Option<&Baseline>,
    started: Instant,
    gate: Option<Gate>,
) -> anyhow::Result<Outcome> {
    let Scanned { output, scanner, ignore, .. } = scanned;
    let out = &args.output;
    let (findings, mut suppressed) = suppress::apply(output.findings, &ignore, baseline);
    // Markers the IaC lint resolved itself (on a block or resource) are inline suppressions too.
    suppressed.inline += output.stats.iac_suppressed;
    let report = Report {
        findings: &findings,
        stats: &output.stats,
        suppressed,
        elapsed: started.elapsed(),
        rules: scanner.rules(),
    };
    write_report(out, &report)?;
    let result = outcome(findings.len(), output.stats.has_unread_input());
    if let (Some(gate), Outcome::Findings) = (gate, result) {
        // stderr, after the report: never mixed into a machine-readable report on stdout.
        eprint!("{}", gate.how_to_proceed(findings.len()));
    }
    Ok(result)
}

/// Where config discovery starts: the first scanned folder, or the folder of the first scanned file.
fn search_start(first: &Path) -> PathBuf {
    if first.is_dir() {
        first.to_path_buf()
    } else {
        first.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

pub(crate) fn load_config(explicit: Option<&Path>, start: &Path) -> anyhow::Result<Config> {
    match explicit {
        Some(p) => Ok(Config::load(p)?),
        None => match Config::discover(start) {
            Some(p) => Ok(Config::load(&p)?),
            None => Ok(Config::default()),
        },
    }
}

/// The folder holding `.leakgateignore`: the config file's folder, else the repository root, else `start`.
fn project_root(config: &Config, start: &Path) -> PathBuf {
    if let Some(dir) = config.path.as_ref().and_then(|p| p.parent()) {
        return dir.to_path_buf();
    }
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start.ancestors().find(|d| d.join(".git").exists()).map_or(start.clone(), Path::to_path_buf)
}

pub(crate) fn write_report(out: &OutputArgs, report: &Report<'_>) -> anyhow::Result<()> {
    let to_terminal = out.output.is_none() && std::io::stdout().is_terminal();
    let opts = ReportOptions {
        show_secrets: out.show_secrets,
        color: to_terminal && !out.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        quiet: out.quiet,
    };
    match &out.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(out.format, report, &opts, &mut w)?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::write(out.format, report, &opts, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// `leakgate scan`'s defaults, for commands that scan on the user's behalf (`baseline create`, `hook pre-push`):
/// flags added to `scan` later keep their defaults there.
pub(crate) fn default_args() -> ScanArgs {
    use clap::{Args as _, FromArgMatches as _};
    let cmd = ScanArgs::augment_args(clap::Command::new("scan"));
    let matches = cmd.get_matches_from(["scan"]);
    ScanArgs::from_arg_matches(&matches).expect("scan's defaults parse")
}
