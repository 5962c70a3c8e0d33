//! `leakgate hook files [OPTIONS] FILE...`: what the pre-commit framework's `leakgate` hook runs. The framework
//! calls `entry`, then the hook's `args:`, then the file names, with nothing between: options come first and
//! every argument from the first file name on is a file name. A file name that clap would still read as an
//! option (a committed file named `--no-iac` first in the list) cannot be told from one: that fails the hook
//! rather than leaving the file unscanned.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::bail;

use crate::cli::exit::Outcome;
use crate::cli::gate::Gate;
use crate::cli::scan::{git_request, report_outcome};
use crate::cli::FilesHookArgs;
use crate::pipeline::Target;

pub fn files(args: FilesHookArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    refuse_files_read_as_options(&options_given(std::env::args_os()), &args.files)?;
    if args.files.is_empty() {
        // The framework runs the hook only with files; `always_run` with none must not scan the whole folder.
        if !args.output.quiet {
            eprintln!("leakgate: no files given, nothing to scan");
        }
        return Ok(Outcome::Clean);
    }
    // The framework never means stdin: a file named `-` is that file.
    let files = args.files.iter().map(|f| if f.as_os_str() == "-" { PathBuf::from("./-") } else { f.clone() });
    let mut request = git_request(Target::Paths(files.collect()), None, &args.common, &args.output, &args.shared);
    // A commit is gated: what is not scanned must not pass.
    request.gate = true;
    if args.no_iac {
        request.iac = Some(false);
    }
    let result = request.run()?;
    report_outcome(&args.output, &args.shared, result, started, Some(Gate::Files))
}

/// The arguments between `hook files` and the first file name, as the process got them.
fn options_given(argv: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let argv: Vec<OsString> = argv.collect();
    let start = argv.windows(2).position(|w| w[0] == "hook" && w[1] == "files").map_or(argv.len(), |i| i + 2);
    argv[start..].to_vec()
}

/// Fails when an argument taken as an option also names an existing file that is not in the file list: it
/// was meant as one of the files being committed, and would otherwise go unscanned.
fn refuse_files_read_as_options(given: &[OsString], files: &[PathBuf]) -> anyhow::Result<()> {
    for arg in given {
        let text = arg.to_string_lossy();
        if text.starts_with('-')
            && text != "-"
            && !files.iter().any(|f| f.as_os_str() == arg.as_os_str())
            && Path::new(arg).symlink_metadata().is_ok()
        {
            bail!(
                "`{text}` is both an option and a file in this folder; a file with that name cannot be committed \
                 through the pre-commit framework's leakgate hook unscanned: rename it, or use the leakgate-staged hook"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::options_given;
    use std::ffi::OsString;

    #[test]
    fn options_are_what_follows_the_subcommand() {
        let argv = ["leakgate", "hook", "files", "--no-iac", "a.txt"].map(OsString::from);
        assert_eq!(options_given(argv.into_iter()), ["--no-iac", "a.txt"].map(OsString::from));
    }
}
