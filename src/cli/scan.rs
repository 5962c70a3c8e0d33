//! `leakgate scan`: load config → build the scanner → scan paths or stdin → suppress → report → outcome.
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};

use super::exit::{outcome, Outcome};
use super::hook::Gate;
use super::policy::{load_baseline, Policy};
use super::progress::ProgressBar;
use super::{OutputArgs, ScanArgs};
use crate::config::Config;
use crate::report::{self, Report, ReportOptions};
use crate::scan::git::{scan_history, scan_staged};
use crate::scan::{scan_bytes, scan_paths, ScanOutput};
use crate::source::fs::WalkOptions;
use crate::source::history::{HistorySource, HistorySpec};
use crate::source::staged::StagedSource;
use crate::stats::{ScanStats, SkipReason};
use crate::suppress::{self, baseline::Baseline, ignore_file::IgnoreList, InlineMarkers};

/// What a scan found, before suppression and reporting, and what is to suppress it; `leakgate baseline create`
/// uses it too.
pub(crate) struct Scanned {
    pub output: ScanOutput,
    pub scanner: crate::engine::Scanner,
    pub ignore: IgnoreList,
    pub baseline: Option<Baseline>,
    pub markers: InlineMarkers,
    /// The folder holding `.leakgateignore`: the repository root in git modes.
    pub root: PathBuf,
    /// Scanned from git objects (`--staged`, `--history`, `--range`, the pre-push hook) rather than files.
    pub in_git: bool,
}

pub fn run(args: ScanArgs) -> anyhow::Result<Outcome> {
    if args.staged || args.history || args.range.is_some() {
        return run_git(args);
    }
    let started = Instant::now();
    let scanned = collect_paths(&args)?;
    finish(&args, scanned, started, None)
}

/// Scans files, folders or stdin.
pub(crate) fn collect_paths(args: &ScanArgs) -> anyhow::Result<Scanned> {
    if args.repo.is_some() {
        bail!("--repo goes with --staged, --history or --range");
    }
    let baseline = load_baseline(args)?;
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && paths.len() > 1 {
        bail!("`-` (stdin) cannot be combined with other paths");
    }
    // The pre-commit framework passes a committed file named `-` as `-`: reading stdin instead would pass the
    // commit without scanning that file. Which one was meant cannot be told, so neither is guessed.
    if stdin && std::fs::symlink_metadata("-").is_ok() {
        bail!("`-` reads stdin, but this folder also has a file named `-`: scan that file as `./-`");
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

    let max_file_size = args.shared.max_file_size.unwrap_or(config.max_file_size());
    let output: ScanOutput = if stdin {
        // The size limit holds for stdin too: `leakgate scan - < /dev/zero` must end, not fill memory.
        let mut buf = Vec::new();
        std::io::stdin().take(max_file_size + 1).read_to_end(&mut buf).context("cannot read stdin")?;
        if buf.len() as u64 > max_file_size {
            let mut output = ScanOutput::default();
            output.stats.skip(SkipReason::TooLarge);
            output
        } else {
            scan_bytes(&scanner, &buf, "-")
        }
    } else {
        let opts = WalkOptions {
            max_file_size,
            follow_symlinks: args.follow_symlinks,
            respect_ignore_files: !args.no_ignore,
            threads: args.shared.threads,
        };
        scan_paths(&scanner, &paths, &opts)
    };
    let markers = InlineMarkers::Honoured;
    Ok(Scanned { output: with_notes(output, &config), scanner, ignore, baseline, markers, root, in_git: false })
}

/// `--staged`, `--history`, `--range`: config and ignore file come from the repository's root (for a range, from
/// BASE's commit: see `policy`).
fn run_git(args: ScanArgs) -> anyhow::Result<Outcome> {
    let gate = args.staged.then_some(Gate::Commit);
    run_git_with(args, None, gate)
}

/// [`run_git`], with the commits to scan given as `spec` (the pre-push hook) instead of by flags; `gate` is
/// the hook whose "how to proceed" is printed on stderr when findings block it.
pub(crate) fn run_git_with(args: ScanArgs, spec: Option<HistorySpec>, gate: Option<Gate>) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let scanned = collect_git(&args, spec)?;
    finish(&args, scanned, started, gate)
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
    let (output, scanner, policy, root) = if args.staged {
        let mut source = StagedSource::open(&dir)?;
        // In a hook, git names the index the commit records (`git commit -a` uses a temporary one).
        if let Some(index) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
            if args.repo.is_none() {
                source = source.with_index_file(Path::new(&index))?;
            }
        }
        let root = source.workdir();
        let policy = Policy::work_tree(args, &root)?;
        let mut stats = ScanStats::default();
        // Loading the rules (parsing them, building the keyword automaton) and diffing the index against HEAD
        // are independent and each a few milliseconds of a pre-commit run: on two cores they overlap.
        let (scanner, files) = std::thread::scope(|s| {
            let loading = s.spawn(|| policy.scanner());
            let files = source.changes(&mut stats);
            (loading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), files)
        });
        let mut scanner = scanner?;
        scanner.set_iac_enabled(!args.no_iac);
        let max = args.shared.max_file_size.unwrap_or(policy.config.max_file_size());
        let output = with_notes(scan_staged(&scanner, &source, files?, stats, max)?, &policy.config);
        (output, scanner, policy, root)
    } else {
        let mut source = HistorySource::open(&dir)?;
        // A diagnostic switch, not a flag: it only makes an audit slower, for comparing the two readers.
        if std::env::var_os("LEAKGATE_PACK_READER").is_some_and(|v| v == "0") {
            source = source.without_pack_reader();
        }
        // Packed trees and blobs are decoded on the rayon pool; --threads sizes it as it sizes the workers.
        if args.shared.threads != 0 {
            let _ = rayon::ThreadPoolBuilder::new().num_threads(args.shared.threads).build_global();
        }
        let root = source.root();
        let spec = match (spec, &args.range) {
            (Some(spec), _) => spec,
            (None, Some(r)) => HistorySpec::Range(r.clone()),
            (None, None) if args.paths.is_empty() => HistorySpec::AllRefs,
            (None, None) => HistorySpec::Revs(args.paths.iter().map(|p| p.to_string_lossy().into_owned()).collect()),
        };
        let mut plan_stats = ScanStats::default();
        // The plan needs the size limit before the policy (which needs the plan's commits) gives the config's:
        // a blob over this estimate only has all its lines counted as added, the safe direction.
        let plan_max = args.shared.max_file_size.unwrap_or(crate::config::DEFAULT_MAX_FILE_SIZE);
        // A range's policy comes from its BASE commit, so its plan is made first; any other audit's policy is the
        // work tree's, and its blobs are scanned while the plan still walks the trees.
        let (mut policy, planned) = match &spec {
            HistorySpec::Range(range) => {
                let plan = source.plan(&spec, plan_max, &mut plan_stats)?;
                (Policy::for_range(args, &source, range, &plan.commits)?, Some(plan))
            }
            _ => (Policy::work_tree(args, &root)?, None),
        };
        let mut scanner = policy.scanner()?;
        // History is audited for secrets; IaC lint of old blobs is asked for with --iac.
        scanner.set_iac_enabled(args.iac);
        let max = args.shared.max_file_size.unwrap_or(policy.config.max_file_size());
        let bar = ProgressBar::for_terminal(args.output.quiet);
        let progress = bar.as_ref().map(|b| b as &dyn crate::scan::git::Progress);
        let mut output =
            scan_history(&scanner, &source, max, args.shared.threads, progress, |on_blob| match planned {
                Some(plan) => {
                    plan.blobs.into_iter().for_each(on_blob);
                    Ok(plan.commits)
                }
                None => source.plan_streaming(&spec, plan_max, &mut plan_stats, on_blob),
            })?;
        output.stats.merge(plan_stats);
        output.findings.append(&mut policy.findings);
        for n in policy.notes.drain(..) {
            if !output.stats.notes.contains(&n) {
                output.stats.notes.push(n);
            }
        }
        (with_notes(output.sorted(), &policy.config), scanner, policy, root)
    };
    let Policy { ignore, baseline, markers, .. } = policy;
    Ok(Scanned { output, scanner, ignore, baseline, markers, root, in_git: true })
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
fn finish(args: &ScanArgs, scanned: Scanned, started: Instant, gate: Option<Gate>) -> anyhow::Result<Outcome> {
    let Scanned { mut output, scanner, ignore, baseline, markers, in_git, .. } = scanned;
    let out = &args.output;
    // A secret that suppression drops can share a line with one that is reported: mask each quoted line against
    // every finding while they are all still here (the report writers only see the reported ones).
    let all = if out.show_secrets { output.findings } else { report::redact::mask_shared_lines(&output.findings) };
    let (findings, mut suppressed) = suppress::apply_with(all, &ignore, baseline.as_ref(), markers);
    // Markers the IaC lint resolved itself (on a block or resource) are inline suppressions too.
    suppressed.inline += output.stats.iac_suppressed;
    if markers == InlineMarkers::NotHonoured {
        output.stats.notes.extend(super::policy::unhonoured_markers_note(&findings));
    }
    let (findings, unlisted) = report::cap::cap_per_file(findings, report::cap::DEFAULT_MAX_FINDINGS_PER_FILE);
    let report = Report {
        findings: &findings,
        stats: &output.stats,
        suppressed,
        elapsed: started.elapsed(),
        rules: scanner.rules(),
        strict_gaps: args.shared.strict.then(|| output.stats.strict_gaps(in_git)).flatten(),
        unlisted,
    };
    write_report(out, &report)?;
    if let Some(m) = report.strict_message() {
        // After the report, so findings are still shown; stderr, so a JSON or SARIF report stays clean.
        eprintln!("leakgate: error: {m}; see the summary");
    }
    let result = outcome(findings.len(), !report.complete());
    if let (Some(gate), Outcome::Findings) = (gate, result) {
        // stderr, after the report: never mixed into a machine-readable report on stdout.
        eprint!("{}", gate.how_to_proceed(findings.len()));
    }
    // The process ends right after this: freeing hundreds of compiled automata one by one cost a pre-commit run
    // ~5 ms for nothing.
    std::mem::forget(scanner);
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
