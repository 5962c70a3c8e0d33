//! The command line: argument definitions and dispatch. Each subcommand lives in its own file; exit codes are
//! decided in `exit.rs` and nowhere else.
pub mod baseline;
pub mod exit;
pub mod gate;
pub mod gitleaks_compat;
pub mod hook;
mod hook_args;
pub mod install;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use hook_args::{FilesHookArgs, HookArgs, HookCommand, InstallArgs, PrePushArgs, StagedHookArgs, UninstallArgs};

use crate::report::Format;

/// The formats of `leakgate rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One line per rule: id, severity, tags, description (`--long` adds the fix and the format's documentation).
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
    /// Work with JSON reports: `merge` combines reports from many repositories and shards into one.
    Report(ReportArgs),
    /// Install leakgate's git hooks (pre-commit, pre-merge-commit; --pre-push adds pre-push), or --check them.
    Install(InstallArgs),
    /// Remove leakgate's git hooks and put back the hooks they chained.
    Uninstall(UninstallArgs),
    /// Run as a git hook (what the installed hook scripts call): `pre-commit`, `pre-merge-commit`, `pre-push`.
    Hook(HookArgs),
    /// gitleaks' commands (`detect`, `protect`, `git`, `dir`, `stdin`), for scripts written for gitleaks.
    #[command(flatten)]
    Gitleaks(gitleaks_compat::GitleaksCommand),
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

    /// Skip binary files (counted as `binary`) instead of scanning their printable strings for the specific
    /// high-confidence rules. Config: `binary_strings = false`.
    #[arg(long)]
    pub no_binary_strings: bool,

    /// Report secrets at this confidence and above: low, medium or high. Default: the config's `confidence`,
    /// else medium. The summary counts what was left out.
    #[arg(long, value_name = "LEVEL", value_parser = parse_confidence)]
    pub confidence: Option<crate::evidence::Confidence>,

    /// Do not decode encoded spans (base64, hex, percent-encoding, string escapes) to look for secrets in them.
    #[arg(long, conflicts_with = "decode_depth")]
    pub no_decode: bool,

    /// How many layers of encoding to look through (1 to 4; default 2 or the config's decode_depth).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=crate::engine::decode::MAX_DEPTH as i64))]
    pub decode_depth: Option<u8>,

    /// Fail (exit 1; block the commit, merge or push) only for findings at this severity and above: critical,
    /// high, medium, low or info. Findings under it are still reported, as warnings. Default: the config's
    /// `fail_on`, else medium for `leakgate hook ...` and `scan --staged`, info (every finding) otherwise.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<crate::rules::Severity>,

    /// Exit 2 if any input was skipped (too large, symlink, FIFO/socket/device, submodule, an infrastructure
    /// file that could not be linted, an archive member over a limit or unreadable), not only if some could not
    /// be read. Binary files skipped with --no-binary-strings do not count.
    #[arg(long)]
    pub strict: bool,

    #[command(flatten)]
    pub archives: ArchiveArgs,
}

/// How archives (zip, jar, tar, gzip, ...) are opened; each flag overrides the config's `[archives]`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Archives")]
pub struct ArchiveArgs {
    /// Do not open archives: count them as binary files.
    #[arg(long)]
    pub no_archives: bool,

    /// Archive levels opened, the scanned file being the first (default 3: `a.zip!/b.jar!/c.tgz!/member`).
    #[arg(long, value_name = "N")]
    pub archive_max_depth: Option<u32>,

    /// Bytes one archive may decompress to in all, nested archives included (default 512M).
    #[arg(long, value_name = "SIZE", value_parser = crate::config::size::parse_size)]
    pub archive_max_total_size: Option<u64>,

    /// Largest archive member scanned (default: the file size limit).
    #[arg(long, value_name = "SIZE", value_parser = crate::config::size::parse_size)]
    pub archive_max_member_size: Option<u64>,

    /// Highest compression ratio allowed once a member passes 1 MiB (default 200).
    #[arg(long, value_name = "N")]
    pub archive_max_ratio: Option<u64>,

    /// Members read from one archive, nested ones included (default 100000).
    #[arg(long, value_name = "N")]
    pub archive_max_members: Option<u64>,
}

impl ArchiveArgs {
    pub fn settings(&self) -> crate::config::ArchiveSettings {
        crate::config::ArchiveSettings {
            enabled: self.no_archives.then_some(false),
            max_depth: self.archive_max_depth,
            max_total_size: self.archive_max_total_size,
            max_member_size: self.archive_max_member_size,
            max_ratio: self.archive_max_ratio,
            max_members: self.archive_max_members,
        }
    }
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

    /// With --history: scan only share K of N (1 <= K <= N) of the distinct blobs and commit messages, chosen by
    /// object id, so N machines audit one repository together; `leakgate report merge` joins their reports into
    /// what one run reports.
    #[arg(long, value_name = "K/N", requires = "history", value_parser = parse_shard)]
    pub shard: Option<crate::source::shard::Shard>,

    /// With --history: an incremental audit. FILE records what was scanned (commits, blob ids, findings; never a
    /// secret); the next run scans only new commits and blobs and reports findings in new content. A missing,
    /// damaged or outdated FILE (other rules or settings) means a full audit, said in one line.
    #[arg(long, value_name = "FILE", requires = "history")]
    pub state: Option<PathBuf>,

    /// With --state: also report the findings of earlier runs, kept in the state.
    #[arg(long, requires = "state")]
    pub all_findings: bool,

    /// With --history or --range: the repository's name in reports (default: its `origin` remote's URL without
    /// credentials, else its folder). `leakgate report merge` groups findings by it.
    #[arg(long, value_name = "NAME")]
    pub repo_name: Option<String>,

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

    /// Do not lint infrastructure files (Terraform, CloudFormation, ARM, Kubernetes, Dockerfiles, compose).
    #[arg(long, conflicts_with = "iac")]
    pub no_iac: bool,

    /// Also lint infrastructure files in --history and --range scans (on by default for files and --staged).
    #[arg(long)]
    pub iac: bool,

    #[command(flatten)]
    pub shared: SharedScanArgs,

    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// Live verification: `leakgate scan` only; the hooks never verify.
#[derive(Debug, Args)]
#[command(next_help_heading = "Verification")]
pub struct VerifyArgs {
    /// Ask each secret's provider, with one read-only identity call, whether it still works and whose it is
    /// (live, revoked or unknown, in every report format). Sends secrets over the network: see the README's
    /// Verification section. Config: `[verify] enabled = true`.
    #[arg(long)]
    pub verify: bool,

    /// Verify, and report only the findings whose provider said live (the exit code follows what is reported).
    #[arg(long)]
    pub only_verified: bool,

    /// Seconds one verification request may take (default 10, or the config's `[verify] timeout`).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub verify_timeout: Option<u64>,

    /// Verification requests in flight at once, all providers together (default 16; at most 4 to one provider).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub verify_concurrency: Option<u64>,
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
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine JSON reports (`scan --format json`, from many repositories and from the shards of an audit) into
    /// one: each finding once per repository (shards of one audit merge into what one run reports), and each
    /// secret found in several places one incident (by `secret_hash`, see LEAKGATE_SECRET_HASH_KEY). Exit 1 if
    /// there are findings, 2 if a report's scan did not read all its input.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The JSON reports.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Format of the merged report.
    #[arg(long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,

    /// Write the merged report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats a merged report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    /// The JSON report, each finding with its `repository`, and `incidents`.
    Json,
    /// SARIF 2.1.0, one run per repository.
    Sarif,
    /// CSV: the scan report's columns after a `repository` column.
    Csv,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Run the examples and negative examples of the rules in FILE (a rule file or a .leakgate.toml).
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,

    /// Output format of the list.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    /// Text list: a `fix:` line under each rule, how to fix what it finds, and a `docs:` line, the public
    /// documentation of a secret rule's format (JSON always has `remediation` and `reference`).
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
        Command::Report(args) => report::run(args),
        Command::Install(args) => install::install(args),
        Command::Uninstall(args) => install::uninstall(args),
        Command::Hook(args) => hook::run(args),
        Command::Gitleaks(command) => gitleaks_compat::run(command),
    }
}

fn parse_shard(s: &str) -> Result<crate::source::shard::Shard, String> {
    crate::source::shard::Shard::parse(s)
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
