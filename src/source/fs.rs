//! Files and folders: walked in parallel with the `ignore` crate (honours .gitignore, skips `.git`), each
//! regular file read whole unless it is over the size limit. Symlinks, FIFOs, sockets and devices are counted
//! and skipped, never opened.
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};

use super::FragmentSink;
use crate::stats::SkipReason;

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub max_file_size: u64,
    pub follow_symlinks: bool,
    /// Honour .gitignore, .ignore and git's exclude files.
    pub respect_ignore_files: bool,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
}

/// Walks `roots` and feeds every regular file to a sink made by `make_sink` (one per thread).
/// Roots must exist (the caller checks, so that a typo is an error rather than an empty scan).
pub fn walk<S, F>(roots: &[PathBuf], opts: &WalkOptions, make_sink: F)
where
    S: FragmentSink,
    F: Fn() -> S + Sync,
{
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(opts.follow_symlinks)
        .git_ignore(opts.respect_ignore_files)
        .git_global(opts.respect_ignore_files)
        .git_exclude(opts.respect_ignore_files)
        .ignore(opts.respect_ignore_files)
        .parents(opts.respect_ignore_files)
        .require_git(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    let max = opts.max_file_size;
    builder.build_parallel().run(|| {
        let mut sink = make_sink();
        Box::new(move |entry| {
            match entry {
                Ok(entry) => visit(&entry, max, &mut sink),
                Err(err) => {
                    let path = error_path(&err).unwrap_or_default();
                    sink.skipped(&path, SkipReason::Unreadable, Some(one_line(&err.to_string())));
                }
            }
            WalkState::Continue
        })
    });
}

fn visit<S: FragmentSink>(entry: &ignore::DirEntry, max: u64, sink: &mut S) {
    let Some(ft) = entry.file_type() else { return }; // stdin; never produced for paths
    if ft.is_dir() {
        return;
    }
    let path = display_path(entry.path());
    if ft.is_symlink() {
        return sink.skipped(&path, SkipReason::Symlink, None);
    }
    if !ft.is_file() {
        return sink.skipped(&path, SkipReason::Special, None);
    }
    match read_file(entry.path(), max) {
        Ok(Some(content)) => sink.fragment(&path, &content),
        Ok(None) => sink.skipped(&path, SkipReason::TooLarge, None),
        Err(e) => sink.skipped(&path, SkipReason::Unreadable, Some(format!("{path}: {e}"))),
    }
}

/// Reads a file unless it is larger than `max` bytes (checked on the open handle, and again while reading,
/// so a file that grows or lies about its size cannot exceed the limit).
fn read_file(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Ok(None);
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Ok(None);
    }
    Ok(Some(buf))
}

/// `/`-separated, without a leading `./`, lossy for non-UTF-8 names.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.to_string()
}

fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(display_path(path)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(display_path(child)),
        _ => None,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
