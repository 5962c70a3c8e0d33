//! The arguments of the git hooks (`hook pre-commit`, `pre-merge-commit`, `pre-push`, the framework's `files`)
//! and of `install` / `uninstall`, which set those hooks up.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{CommonArgs, OutputArgs, SharedScanArgs};

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
