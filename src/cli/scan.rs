//! `leakgate scan`: turn the flags into a [`ScanRequest`], run it, write the report, decide the outcome.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};

use super::exit::{outcome, Outcome};
use super::gate::{Blocking, Gate};
use super::progress::{ProgressBar, VerifyBar};
use super::{CommonArgs, OutputArgs, ScanArgs, SharedScanArgs, VerifyArgs};
use crate::pipeline::incremental::StateRequest;
use crate::pipeline::verification::VerifyRequest;
use crate::pipeline::{ScanRequest, ScanResult, Target};
use crate::policy::PolicyInputs;
use crate::report::secret_hash::SecretHashKey;
use crate::report::{self, Report, ReportOptions, Scope};
use crate::source::history::HistorySpec;

pub fn run(args: ScanArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // By hand, nothing is blocked: only `leakgate hook pre-commit` (what the hook runs) says so.
    let gate = args.staged.then_some(Gate::Staged);
    let request = request(&args)?;
    let result = request.run()?;
    report_outcome(&args.output, &args.shared, result, started, gate)
}

/// The request `leakgate scan`'s flags describe.
fn request(args: &ScanArgs) -> anyhow::Result<ScanRequest> {
    let target = if args.staged || args.history || args.range.is_some() {
        if args.staged && !args.paths.is_empty() {
            bail!("--staged takes no paths (it scans the index)");
        }
        if args.paths.iter().any(|p| p.as_os_str() == "-") {
            bail!("`-` (stdin) cannot be combined with --staged, --history or --range");
        }
        match (&args.range, args.staged) {
            (_, true) => Target::Staged,
            (Some(range), _) => Target::History(HistorySpec::Range(range.clone())),
            (None, _) if args.paths.is_empty() => Target::History(HistorySpec::AllRefs),
            (None, _) => Target::History(HistorySpec::Revs(
                args.paths.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
            )),
        }
    } else {
        if args.repo.is_some() {
            bail!("--repo goes with --staged, --history or --range");
        }
        file_target(&args.paths)?
    };
    let mut request = git_request(target, args.repo.clone(), &args.common, &args.output, &args.shared);
    request.policy.trust_head_config = args.trust_head_config;
    request.allow_empty_range = args.allow_empty_range;
    request.shard = args.shard;
    request.repository_name = args.repo_name.clone();
    if let Some(path) = &args.state {
        if !args.paths.is_empty() {
            bail!("--state audits all refs: it takes no revisions");
        }
        request.state = Some(StateRequest {
            path: path.clone(),
            all_findings: args.all_findings,
            secret_hash_key: secret_hash_key(),
        });
    }
    // A commit and a pull request are gated: what is not scanned must not pass.
    request.gate = args.staged || args.range.is_some();
    request.respect_ignore_files = !args.no_ignore;
    request.follow_symlinks = args.follow_symlinks;
    request.iac = if args.no_iac { Some(false) } else { args.iac.then_some(true) };
    request.verify = Some(verify_request(&args.verify, &args.output)?);
    Ok(request)
}

/// `leakgate scan`'s verification flags; the config may still turn verification on without them.
fn verify_request(args: &VerifyArgs, output: &OutputArgs) -> anyhow::Result<VerifyRequest> {
    let requested = args.verify || args.only_verified;
    if requested && !crate::verify::AVAILABLE {
        bail!("{}", crate::verify::UNAVAILABLE);
    }
    Ok(VerifyRequest {
        requested,
        timeout: args.verify_timeout.map(std::time::Duration::from_secs),
        concurrency: args.verify_concurrency.map(|n| n as usize),
        only_verified: args.only_verified,
        progress: VerifyBar::for_terminal(output.quiet).map(|b| std::sync::Arc::new(b) as _),
    })
}

/// Files, folders or stdin (`-`).
fn file_target(paths: &[PathBuf]) -> anyhow::Result<Target> {
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    if !stdin {
        let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        return Ok(Target::Paths(paths));
    }
    if paths.len() > 1 {
        bail!("`-` (stdin) cannot be combined with other paths");
    }
    // The pre-commit framework passes a committed file named `-` as `-`: reading stdin instead would pass the
    // commit without scanning that file. Which one was meant cannot be told, so neither is guessed.
    if std::fs::symlink_metadata("-").is_ok() {
        bail!("`-` reads stdin, but this folder also has a file named `-`: scan that file as `./-`");
    }
    Ok(Target::Stdin)
}

/// A request with the options every scanning command shares (`scan`, `hook pre-push`, `baseline create`).
pub(crate) fn git_request(
    target: Target,
    repo: Option<PathBuf>,
    common: &CommonArgs,
    output: &OutputArgs,
    shared: &SharedScanArgs,
) -> ScanRequest {
    let mut request = ScanRequest::new(target);
    // In a hook, git names the index the commit records (`git commit -a` uses a temporary one).
    if repo.is_none() {
        request.index_file = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
    }
    request.repo = repo;
    request.policy = PolicyInputs {
        config: common.config.clone(),
        baseline: shared.baseline.clone(),
        size_limit_given: shared.max_file_size.is_some(),
        trust_head_config: false,
        gitleaks_ignore: None,
    };
    request.max_file_size = shared.max_file_size;
    request.archives = shared.archives.settings();
    request.threads = shared.threads;
    if shared.no_binary_strings {
        request.binary_strings = Some(false);
    }
    request.min_confidence = shared.confidence;
    request.decode_depth = if shared.no_decode { Some(0) } else { shared.decode_depth };
    request.mask_lines = !output.show_secrets;
    // A diagnostic switch, not a flag: it only makes an audit slower, for comparing the two readers.
    request.pack_reader = std::env::var_os("LEAKGATE_PACK_READER").is_none_or(|v| v != "0");
    if matches!(request.target, Target::History(_)) {
        request.progress = ProgressBar::for_terminal(output.quiet).map(|b| Box::new(b) as _);
    }
    request
}

/// Report and outcome: the same for every mode. `gate` is the hook whose "how to proceed" is printed on stderr
/// when findings block it.
pub(crate) fn report_outcome(
    out: &OutputArgs,
    shared: &SharedScanArgs,
    result: ScanResult,
    started: Instant,
    gate: Option<Gate>,
) -> anyhow::Result<Outcome> {
    let fail_on = FailOn { given: shared.fail_on, default: Gate::default_fail_on(gate) };
    finish(result, started, shared.strict, fail_on, gate, |report| write_report(out, report))
}

/// The severity from which findings fail a scan: the one given, else the config's, else `default`.
pub(crate) struct FailOn {
    pub given: Option<crate::rules::Severity>,
    pub default: crate::rules::Severity,
}

/// Builds the report of `result`, hands it to `write`, and decides the outcome; what goes on stderr besides the
/// report (errors, a gate's "how to proceed") is said here. Shared by `scan`, the hooks and the gitleaks front
/// end, which differ only in how they write the report.
pub(crate) fn finish(
    mut result: ScanResult,
    started: Instant,
    strict: bool,
    fail_on: FailOn,
    gate: Option<Gate>,
    write: impl FnOnce(&Report<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    // A file crowded with findings must not stall the report: the first ones are listed, the rest counted.
    let key = secret_hash_key();
    let all = std::mem::take(&mut result.findings);
    let (findings, unlisted) = report::cap::cap_per_file(all, report::cap::DEFAULT_MAX_FINDINGS_PER_FILE);
    let report = Report {
        findings: &findings,
        unlisted,
        stats: &result.stats,
        suppressed: result.suppressed,
        elapsed: started.elapsed(),
        rules: result.rules(),
        strict_gaps: strict.then(|| result.strict_gaps()).flatten(),
        below_confidence: result.below_confidence,
        failed_validation: result.failed_validation,
        threshold: result.threshold,
        scope: Scope { repository: result.repository.as_deref(), shard: result.shard, secret_hash_key: key.as_ref() },
        fail_on: fail_on.given.or(result.config_fail_on).unwrap_or(fail_on.default),
    };
    write(&report)?;
    if let Some(m) = &result.gate_error {
        eprintln!("leakgate: error: {}", crate::report::sanitize::for_terminal(m));
    }
    if let Some(m) = report.strict_message() {
        // After the report, so findings are still shown; stderr, so a JSON or SARIF report stays clean.
        eprintln!("leakgate: error: {m}; see the summary");
    }
    let blocking = Blocking::of(findings.iter().filter(|f| !report.is_warning(f)));
    let result_outcome = outcome(blocking.total(), !report.complete());
    if let (Some(gate), Outcome::Findings) = (gate, result_outcome) {
        // stderr, after the report: never mixed into a machine-readable report on stdout.
        eprint!("{}", gate.how_to_proceed(blocking));
    }
    // The process ends right after this: freeing hundreds of compiled automata one by one is time for nothing.
    std::mem::forget(result);
    Ok(result_outcome)
}

pub(crate) fn write_report(out: &OutputArgs, report: &Report<'_>) -> anyhow::Result<()> {
    let to_terminal = out.output.is_none() && std::io::stdout().is_terminal();
    let opts = ReportOptions {
        show_secrets: out.show_secrets,
        color: to_terminal && !out.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        quiet: out.quiet,
    };
    let format = out.format.into();
    match &out.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(format, report, &opts, &mut w)?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
            // The report went to a file: say on the terminal what it holds, so a run is never silent.
            if !out.quiet {
                let summary = report::text::summary_line(report);
                let first = summary.lines().next().unwrap_or_default();
                eprintln!(
                    "{first}; report written to {}",
                    crate::report::sanitize::for_terminal(&path.display().to_string())
                );
            }
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::write(format, report, &opts, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// The environment variable holding the key of the secrets' keyed hash (`secret_hash` in JSON reports).
pub const SECRET_HASH_KEY_VAR: &str = "LEAKGATE_SECRET_HASH_KEY";

/// The key of `secret_hash`, from the environment (where CI systems put their secrets), if set.
pub(crate) fn secret_hash_key() -> Option<SecretHashKey> {
    SecretHashKey::new(&std::env::var_os(SECRET_HASH_KEY_VAR)?.into_encoded_bytes())
}
