//! The gitleaks front end: gitleaks 8's command line (`detect`, `protect`, `git`, `dir`, `stdin` and their common
//! flags), so that CI scripts and hooks written for gitleaks run unchanged with the binary's name changed, or
//! with leakgate installed under the name `gitleaks` (`argv[0]`, e.g. a symlink). It only parses: `plan` maps the
//! flags onto a `ScanRequest` (`crate::pipeline`) and `output` writes gitleaks' report shapes; the
//! scan is leakgate's own pipeline.
//!
//! A gitleaks flag leakgate cannot honour is refused with one line naming it (exit 2), never ignored:
//! [`UNSUPPORTED`] lists the known ones with the reason; any other unknown flag is clap's usage error. What is
//! done to the raw arguments before clap sees them (the name, refusals, flags before the command) is in `argv`.
mod argv;
mod output;
mod plan;

pub use argv::{hoist_persistent_flags, invoked_as_gitleaks, is_gitleaks_command, refuse_unsupported, UNSUPPORTED};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::exit::Outcome;

/// The name under which the binary speaks gitleaks' command line only.
pub const GITLEAKS_NAME: &str = "gitleaks";

/// The gitleaks release whose command line this front end follows, then leakgate's own version as semver build
/// metadata: a script that checks for gitleaks 8.x keeps working, and the text still says what runs.
macro_rules! version {
    () => {
        concat!("8.30.1+leakgate.", env!("CARGO_PKG_VERSION"))
    };
}

/// What `gitleaks version` prints (gitleaks prints its bare version, e.g. `8.30.1`).
pub const VERSION: &str = version!();

/// `gitleaks ...` (the binary run under that name): gitleaks' commands and nothing else.
#[derive(Debug, Parser)]
#[command(
    name = "gitleaks",
    // clap prints `gitleaks <version>` for --version; gitleaks prints `gitleaks version 8.30.1`.
    version = concat!("version ", version!()),
    about = "leakgate, speaking gitleaks' command line (see README: Switching from gitleaks).",
    after_help = "Exit codes: 0 no leaks, --exit-code (default 1) leaks found, 2 error or input that could not be read."
)]
pub struct GitleaksCli {
    #[command(subcommand)]
    pub command: GitleaksCommand,
}

/// gitleaks 8's scanning commands; also `leakgate detect`, `leakgate protect`, ... as subcommands of leakgate.
#[derive(Debug, Subcommand)]
pub enum GitleaksCommand {
    /// gitleaks-compatible: scan the git history of --source (every commit, or what --log-opts selects), or with
    /// --no-git its files. Writes gitleaks' report shapes with -r.
    Detect(DetectArgs),
    /// gitleaks-compatible: scan the working tree's changes not yet staged (what `git diff` shows), or with
    /// --staged the staged change (what `git commit` would record).
    Protect(ProtectArgs),
    /// gitleaks-compatible (gitleaks 8.19+): scan the git history of PATH (default `.`), with --pre-commit its
    /// unstaged changes, with --staged its staged change.
    Git(GitArgs),
    /// gitleaks-compatible (gitleaks 8.19+): scan files and folders (default `.`), .gitignore'd files included.
    #[command(visible_alias = "directory", alias = "file")]
    Dir(DirArgs),
    /// gitleaks-compatible (gitleaks 8.19+): scan standard input.
    Stdin(StdinArgs),
    /// Print the version of gitleaks' command line followed, and leakgate's (`8.30.1+leakgate.0.1.0`).
    #[command(hide = true)]
    Version(VersionArgs),
}

/// The flags every gitleaks command takes (gitleaks' persistent flags). As with gitleaks, a flag given twice
/// takes its last value (each command sets `args_override_self`).
#[derive(Debug, Args)]
#[command(next_help_heading = "gitleaks flags")]
pub struct CommonFlags {
    /// Config file: a gitleaks TOML config (or a .leakgate.toml). Default: the GITLEAKS_CONFIG variable, else
    /// discovered as leakgate does (.leakgate.toml, else .gitleaks.toml).
    #[arg(short = 'c', long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Exit code when leaks are found.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub exit_code: u8,

    /// Write the report to this file (`-` for stdout). Without it no report is written.
    #[arg(short = 'r', long, value_name = "PATH")]
    pub report_path: Option<PathBuf>,

    /// Report format: json and csv in gitleaks' own shapes, sarif and junit as leakgate writes them. Default:
    /// from the report file's extension (.json, .csv, .sarif), else json.
    #[arg(short = 'f', long, value_enum, value_name = "FORMAT", ignore_case = true)]
    pub report_format: Option<GitleaksFormat>,

    /// A gitleaks JSON report (or a leakgate baseline): the findings it lists are not reported again.
    #[arg(short = 'b', long, value_name = "PATH")]
    pub baseline_path: Option<PathBuf>,

    /// A .gitleaksignore file, or a folder holding one, read besides the one at the repository root.
    #[arg(short = 'i', long, value_name = "PATH")]
    pub gitleaks_ignore_path: Option<PathBuf>,

    /// Print each finding (leakgate's text report) on stdout.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// No colours in the verbose output.
    #[arg(long)]
    pub no_color: bool,

    /// Hide secrets: `--redact` writes REDACTED, `--redact=N` hides N percent of each secret, `--redact=0`
    /// shows secrets in full. Without it, secrets are shortened as leakgate always does.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "100",
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub redact: Option<u8>,

    /// Skip files larger than this many megabytes (1 MB = 1,000,000 bytes; 0: leakgate's limit, 50M).
    #[arg(long, value_name = "N")]
    pub max_target_megabytes: Option<u64>,

    /// Layers of encoding to decode (0 turns decoding off; leakgate looks through at most 4, so more is 4).
    #[arg(long, value_name = "N")]
    pub max_decode_depth: Option<u32>,

    /// Accepted for compatibility; leakgate prints no banner.
    #[arg(long)]
    pub no_banner: bool,

    /// Accepted for compatibility (trace, debug, info, warn, error, fatal; like gitleaks, any value is taken);
    /// leakgate's messages on stderr do not depend on it.
    #[arg(short = 'l', long, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

/// `--report-format` values leakgate writes (in any case, as gitleaks reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GitleaksFormat {
    Json,
    Csv,
    Sarif,
    Junit,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct DetectArgs {
    /// The repository (or with --no-git the folder or file) to scan.
    #[arg(short = 's', long, value_name = "PATH", default_value = ".")]
    pub source: PathBuf,

    /// Scan the files of --source as a plain folder, not its git history.
    #[arg(long)]
    pub no_git: bool,

    /// Scan standard input (`cat file | gitleaks detect --pipe`).
    #[arg(long, conflicts_with = "no_git")]
    pub pipe: bool,

    /// Which commits to scan, as `git log` options: `A..B` (the lines the commits in A..B add), `--all` (the
    /// default: every commit of every ref) or revisions. Other git log options are refused.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub log_opts: Option<String>,

    /// With --no-git: follow symbolic links.
    #[arg(long)]
    pub follow_symlinks: bool,

    #[command(flatten)]
    pub common: CommonFlags,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct ProtectArgs {
    /// The repository.
    #[arg(short = 's', long, value_name = "PATH", default_value = ".")]
    pub source: PathBuf,

    /// Scan the staged change. Without it: the working tree's changes not yet staged (what `git diff` shows).
    #[arg(long)]
    pub staged: bool,

    /// Accepted and without effect, as in gitleaks: a change not yet committed has no commits to select.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub log_opts: Option<String>,

    #[command(flatten)]
    pub common: CommonFlags,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct GitArgs {
    /// The repository (default: `.`).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Scan the staged change instead of the history.
    #[arg(long)]
    pub staged: bool,

    /// Scan the working tree's changes not yet staged (what `git diff` shows) instead of the history; with
    /// --staged, the staged change.
    #[arg(long)]
    pub pre_commit: bool,

    /// Which commits to scan, as for `detect --log-opts`; without effect with --staged or --pre-commit, as in
    /// gitleaks.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub log_opts: Option<String>,

    #[command(flatten)]
    pub common: CommonFlags,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct DirArgs {
    /// Files or folders (default: `.`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Follow symbolic links.
    #[arg(long)]
    pub follow_symlinks: bool,

    #[command(flatten)]
    pub common: CommonFlags,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct StdinArgs {
    #[command(flatten)]
    pub common: CommonFlags,
}

/// `version` takes gitleaks' persistent flags (`gitleaks --no-banner version`), to no effect.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct VersionArgs {
    #[command(flatten)]
    pub common: CommonFlags,
}

pub fn run(command: GitleaksCommand) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let plan = match command {
        GitleaksCommand::Version(_) => {
            println!("{VERSION}");
            return Ok(Outcome::Clean);
        }
        command => plan::Plan::of(command)?,
    };
    output::run(plan, started)
}
