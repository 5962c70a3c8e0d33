//! The command line: argument definitions and dispatch. Each subcommand lives in its own file; exit codes are
//! decided in `exit.rs` and nowhere else.
pub mod baseline;
pub mod exit;
pub mod gate;
pub mod hook;
pub mod install;
pub mod progress;
pub mod rules;
pub mod scan;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

/// The formats of `leakgate rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One line per rule: id, severity, tags, description (`--long` adds the fix).
    Text,
    /// An array of objects: kind, id, description, severity, tags, keywords, validator, remediation, ...
    Json,
}

/// The report formats, as flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people: one block per finding and a summary line.
    Text,
    /// The versioned JSON report (`version`, `tool`, `findings`, `summary`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one failing test case per finding.
    Junit,
    /// CSV with a header row, safe to open in a spreadsheet.
    Csv,
    /// GitLab secret-detection report (`gl-secret-detection-report.json`).
    Gitlab,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Format {
        match f {
            ReportFormat::Text => Format::Text,
            ReportFormat::Json => Format::Json,
            ReportFormat::Sarif => Format::Sarif,
            ReportFormat::Junit => Format::Junit,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Gitlab => Format::Gitlab,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "leakgate",
    version,
    about = "Catch secrets and unsafe infrastructure settings before they land in git."
)]
#[command(
    after_help = "Exit codes: 0 no findings, 1 findings, 2 error (bad usage or config, or input that could not be read)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders (default: the current folder), or stdin with `-`.
    Scan(ScanArgs),
    /// List the active rules, or check the examples of a rule file.
    Rules(RulesArgs),
    /// Record the current findings as accepted, so that `scan --baseline` reports only new ones.
    Baseline(BaselineArgs),
    /// Install leakgate's git hooks (pre-commit, pre-merge-commit; --pre-push adds pre-push), or --check them.
    Install(InstallArgs),
    /// Remove leakgate's git hooks and put back the hooks they chained.
    Uninstall(UninstallArgs),
    /// Run as a git hook (what the installed hook scripts call): `pre-commit`, `pre-merge-commit`, `pre-push`.
    Hook(HookArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Also install the pre-push hook, which scans the commits being pushed.
    #[arg(long)]
    pub pre_push: bool,

    /// Replace an existing hook that is not leakgate's even when a chained hook (`<hook>.leakgate-chained/`)
    /// already exists.
    #[arg(long, conflicts_with = "check")]
    pub force: bool,

    /// Install into the folder a core.hooksPath from your global or system git config names: every repository
    /// that runs hooks from it then runs leakgate's. Without it, such a setting makes `install` refuse.
    #[arg(long, conflicts_with = "check")]
    pub global: bool,

    /// Write nothing; exit 0 if git runs leakgate's hooks for commits here, else 1 with the reason.
    #[arg(long)]
    pub check: bool,

    /// The repository (default: the current folder or a parent).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Uninstall from the folder a core.hooksPath from your global or system git config names.
    #[arg(long)]
    pub global: bool,

    /// The repository (default: the current folder or a parent).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub hook: HookCommand,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// The pre-commit hook: scans the staged change like `scan --staged` (for `git commit --amend`, against
    /// HEAD's parent where that can be told); findings block the commit.
    PreCommit(StagedHookArgs),
    /// The pre-merge-commit hook: scans what a merge brings in (the merged index against HEAD, its first
    /// parent); findings block the merge.
    PreMergeCommit(StagedHookArgs),
    /// The pre-push hook: scans the lines added by the commits being pushed that no remote-tracking branch
    /// has yet. Reads git's `<local ref> <local sha> <remote ref> <remote sha>` lines from stdin.
    PrePush(PrePushArgs),
    /// The pre-commit framework's `leakgate` hook: options (from `args:`), then the file names the framework
    /// passes. Each file is scanned whole; findings block the commit.
    Files(FilesHookArgs),
}

/// `leakgate hook files [OPTIONS] FILE...`. Every argument after the first file name is a file name, also one
/// that starts with `-`; there is no `--help` flag here (`leakgate help hook files`), so a committed file named
/// `--help` is scanned, not answered with a help text and exit 0.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct FilesHookArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub shared: SharedScanArgs,

    /// Do not lint infrastructure files.
    #[arg(long)]
    pub no_iac: bool,

    /// The files to scan, as the framework passes them.
    #[arg(value_name = "FILE", trailing_var_arg = true, allow_hyphen_values = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StagedHookArgs {
    /// The repository (default: the current folder or a parent).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub shared: SharedScanArgs,
}

#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name (as git passes it to the hook).
    pub remote: String,

    /// The remote's URL (as git passes it to the hook).
    pub url: Option<String>,

    /// The repository (default: the current folder or a parent).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub shared: SharedScanArgs,
}

/// Flags every scanning command takes (`scan`, `hook ...`).
#[derive(Debug, Args)]
pub struct SharedScanArgs {
    /// Report only findings whose fingerprints are not in FILE (made by `leakgate baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Skip files and blobs larger than this (bytes, or with a K/M/G suffix). Default: 50M or the config's
    /// max_file_size.
    #[arg(long, value_name = "SIZE", value_parser = crate::config::size::parse_size)]
    pub max_file_size: Option<u64>,

    /// Worker threads (default: one per core; 0 means the same).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,

    /// Report secrets at this confidence and above: low, medium or high. Default: the config's `confidence`,
    /// else medium. The summary counts what was left out.
    #[arg(long, value_name = "LEVEL", value_parser = parse_confidence)]
    pub confidence: Option<crate::evidence::Confidence>,

    /// Fail (exit 1; block the commit, merge or push) only for findings at this severity and above: critical,
    /// high, medium, low or info. Findings under it are still reported, as warnings. Default: the config's
    /// `fail_on`, else medium for `leakgate hook ...` and `scan --staged`, info (every finding) otherwise.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<crate::rules::Severity>,

    /// Exit 2 if any input was skipped (too large, symlink, FIFO/socket/device, submodule, an infrastructure
    /// file that could not be linted), not only if some could not be read. Binary files do not count.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan; `-` reads stdin. Default: `.`  With --history: revisions (default: all refs).
    #[arg(value_name = "PATH|REV")]
    pub paths: Vec<PathBuf>,

    /// Scan the staged change (what `git commit` would record): index content, added lines only.
    #[arg(long, conflicts_with_all = ["history", "range"])]
    pub staged: bool,

    /// Scan every distinct blob in the history reachable from all refs, or from the revisions given.
    #[arg(long, conflicts_with = "range")]
    pub history: bool,

    /// Scan only the commits in BASE..HEAD and report only lines they add (a pull-request check). The config,
    /// .leakgateignore/.gitleaksignore and a --baseline inside the repository are read from BASE, and changes the
    /// range makes to them that hide findings are reported as `config-weakened`.
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: Option<String>,

    /// With --range: a range that selects no commits passes (with a note) instead of failing with exit 2.
    #[arg(long, requires = "range", conflicts_with_all = ["staged", "history"])]
    pub allow_empty_range: bool,

    /// With --range: trust the range's own config, ignore files, baseline and leakgate:allow markers (read from
    /// HEAD, the range's tip); its changes to them are listed as notes, not findings. Only for repositories where
    /// everyone who can open a pull request may also change what leakgate reports.
    #[arg(long, requires = "range", conflicts_with_all = ["staged", "history"])]
    pub trust_head_config: bool,

    /// The repository for --staged, --history and --range (default: the current folder or a parent).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Scan files that .gitignore/.ignore exclude too.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links (loops are detected).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Do not lint infrastructure files (Terraform, CloudFormation, Kubernetes, Dockerfiles, compose).
    #[arg(long, conflicts_with = "iac")]
    pub no_iac: bool,

    /// Also lint infrastructure files in --history and --range scans (on by default for files and --staged).
    #[arg(long)]
    pub iac: bool,

    #[command(flatten)]
    pub shared: SharedScanArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Config file (default: .leakgate.toml in the scanned folder or a parent, up to the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of stdout; the one-line summary still goes to stderr (unless -q).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No colours (also when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub no_color: bool,

    /// Show only the first characters of each secret (the default).
    #[arg(long, conflicts_with = "show_secrets")]
    pub redact: bool,

    /// Show secrets in full in every format. Reports are often uploaded to CI logs: use with care.
    #[arg(long)]
    pub show_secrets: bool,

    /// Print nothing when there are no findings; with -o, no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan (the repository's working tree, the PATHs given, or with --history every commit) and write the
    /// fingerprints of what is found to .leakgate-baseline.json at the repository root.
    Create(BaselineCreateArgs),
}

#[derive(Debug, Args)]
pub struct BaselineCreateArgs {
    /// Files or folders to scan (default: the whole working tree of the repository, from its root).
    #[arg(value_name = "PATH", conflicts_with = "history")]
    pub paths: Vec<PathBuf>,

    /// Scan every distinct blob in the history reachable from all refs instead of the working tree.
    #[arg(long)]
    pub history: bool,

    /// The repository for --history (default: the current folder or a parent).
    #[arg(long, value_name = "DIR", requires = "history")]
    pub repo: Option<PathBuf>,

    /// Where to write the baseline (default: .leakgate-baseline.json at the repository root, or in the
    /// scanned folder outside a repository).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Run the examples and negative examples of the rules in FILE (a rule file or a .leakgate.toml).
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,

    /// Output format of the list.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    /// Text list: a `fix:` line under each rule, how to fix what it finds (JSON always has `remediation`).
    #[arg(long)]
    pub long: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(cli: Cli) -> anyhow::Result<exit::Outcome> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::Install(args) => install::install(args),
        Command::Uninstall(args) => install::uninstall(args),
        Command::Hook(args) => hook::run(args),
    }
}

fn parse_severity(s: &str) -> Result<crate::rules::Severity, String> {
    use crate::rules::Severity;
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| format!("unknown severity `{s}` (expected critical, high, medium, low or info)"))
}

fn parse_confidence(s: &str) -> Result<crate::evidence::Confidence, String> {
    s.parse()
}
