//! Files, folders, stdin and in-memory content: the config is discovered from the first scanned folder (or the
//! folder of the first file), the ignore file read from the project's root.
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{with_notes, Collected, ScanRequest};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::policy::{load_baseline, work_tree_ignore};
use crate::scan::{scan_bytes, scan_paths, ScanOutput};
use crate::source::fs::WalkOptions;
use crate::stats::SkipReason;
use crate::suppress::InlineMarkers;

/// The file-like targets.
pub(super) enum Input<'a> {
    Paths(&'a [PathBuf]),
    Stdin,
    Bytes { name: &'a str, content: &'a [u8] },
}

pub(super) fn collect(request: &ScanRequest, input: Input<'_>) -> Result<Collected> {
    let baseline = load_baseline(request.policy.baseline.as_deref())?;
    let start_dir = match input {
        Input::Paths(paths) => {
            for p in paths {
                std::fs::symlink_metadata(p)
                    .map_err(|e| Error::Io { context: format!("cannot scan {}", p.display()), source: e })?;
            }
            paths.first().map_or_else(|| PathBuf::from("."), |p| search_start(p))
        }
        _ => PathBuf::from("."),
    };
    let config = Config::discover_or_default(request.policy.config.as_deref(), &start_dir)?;
    let verifying = super::verification::begin(request, &config.file.verify)?;
    let mut scanner = config.scanner()?;
    scanner.set_iac_enabled(request.iac.unwrap_or(true));
    if let Some(on) = request.binary_strings {
        scanner.set_binary_strings(on);
    }
    request.apply_decode(&mut scanner);
    let root = project_root(&config, &start_dir);
    let ignore = work_tree_ignore(&request.policy, &root)?;

    let max_file_size = request.max_file_size.unwrap_or(config.max_file_size());
    scanner.set_archives(request.archives.limits(&config.file.archives, max_file_size));
    let too_large = || {
        let mut output = ScanOutput::default();
        output.stats.skip(SkipReason::TooLarge);
        output
    };
    let output: ScanOutput = match input {
        Input::Stdin => {
            // The size limit holds for stdin too: `leakgate scan - < /dev/zero` must end, not fill memory.
            let mut buf = Vec::new();
            std::io::stdin()
                .take(max_file_size + 1)
                .read_to_end(&mut buf)
                .map_err(|e| Error::Io { context: "cannot read stdin".into(), source: e })?;
            if buf.len() as u64 > max_file_size {
                too_large()
            } else {
                scan_bytes(&scanner, &buf, "-")
            }
        }
        Input::Bytes { content, .. } if content.len() as u64 > max_file_size => too_large(),
        Input::Bytes { name, content } => scan_bytes(&scanner, content, name),
        Input::Paths(paths) => {
            let opts = WalkOptions {
                max_file_size,
                follow_symlinks: request.follow_symlinks,
                respect_ignore_files: request.respect_ignore_files,
                threads: request.threads,
            };
            scan_paths(&scanner, paths, &opts)
        }
    };
    let markers = InlineMarkers::Honoured;
    let config_confidence = config.file.confidence;
    Ok(Collected {
        output: with_notes(output, &config.notes),
        scanner,
        ignore,
        baseline,
        markers,
        root,
        in_git: false,
        config_confidence,
        repository: None,
        state: None,
        config_fail_on: config.file.fail_on,
        verifying,
    })
}

/// Where config discovery starts: the first scanned folder, or the folder of the first scanned file.
fn search_start(first: &Path) -> PathBuf {
    if first.is_dir() {
        first.to_path_buf()
    } else {
        first.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
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
