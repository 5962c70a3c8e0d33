//! Files and folders: walked in parallel with the `ignore` crate (honours .gitignore, skips `.git`), each
//! regular file read whole unless it is over the size limit. Symlinks, FIFOs, sockets and devices are counted
//! and skipped, never read; a name that turns into one of those between the walk and the open is caught on the
//! open handle (`safe_read`). The walker keeps its own stack, so depth costs memory, not call stack, and it
//! holds no directory handle open while it descends, so a huge tree needs no more file descriptors than a
//! small one.
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};
use rayon::prelude::*;

use super::{FragmentSink, Origin, Piece};
use crate::safe_read::{read_regular, Contents};
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
    // Files named one by one (the pre-commit framework passes the commit's files) need no walker, and the
    // parallel walker's idle threads sleep in 1 ms steps before they see the walk is over: a one-file scan waited
    // on that sleep. Named files are scanned whatever the ignore files say, as the walker does with its roots.
    if roots.iter().all(|r| std::fs::symlink_metadata(r).is_ok_and(|m| m.is_file())) {
        let max = opts.max_file_size;
        // One file needs no thread pool (starting one is a measurable part of a one-file run).
        if rest.is_empty() {
            return visit(first, FileKind::Regular, max, &mut make_sink());
        }
        let scan_all =
            || roots.par_iter().for_each_init(&make_sink, |sink, root| visit(root, FileKind::Regular, max, sink));
        match opts.threads {
            0 => scan_all(),
            n => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
                Ok(pool) => pool.install(scan_all),
                Err(_) => scan_all(),
            },
        }
        return;
    }
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
                // Folders give no kind: their files come as entries of their own.
                Ok(entry) => {
                    if let Some(kind) = FileKind::of(&entry) {
                        visit(entry.path(), kind, max, &mut sink);
                    }
                }
                // With --follow-symlinks, a link back to a folder being walked: its content is scanned once,
                // under the folder's own path, so nothing is left unread; the link is counted like any other.
                Err(err) if is_loop(&err) => {
                    sink.skipped(&error_path(&err).unwrap_or_default(), SkipReason::Symlink, None);
                }
                Err(err) => {
                    let path = error_path(&err).unwrap_or_default();
                    sink.skipped(&path, SkipReason::Unreadable, Some(one_line(&err.to_string())));
                }
            }
            WalkState::Continue
        })
    });
}

#[derive(Clone, Copy)]
enum FileKind {
    Regular,
    Symlink,
    /// FIFO, socket or device.
    Special,
}

impl FileKind {
    fn of(entry: &ignore::DirEntry) -> Option<FileKind> {
        let ft = entry.file_type()?; // None only for stdin, never produced for paths
        if ft.is_dir() {
            None
        } else if ft.is_symlink() {
            Some(FileKind::Symlink)
        } else if ft.is_file() {
            Some(FileKind::Regular)
        } else {
            Some(FileKind::Special)
        }
    }
}

fn visit<S: FragmentSink>(file: &Path, kind: FileKind, max: u64, sink: &mut S) {
    let path = display_path(file);
    match kind {
        FileKind::Symlink => return sink.skipped(&path, SkipReason::Symlink, None),
        FileKind::Special => return sink.skipped(&path, SkipReason::Special, None),
        FileKind::Regular => {}
    }
    match read_regular(file, max) {
        Ok(Contents::Text(content)) => {
            let origin = Origin::File { raw_name: raw_name(file) };
            sink.piece(Piece { path: &path, content: &content, origin });
        }
        Ok(Contents::TooLarge) => sink.skipped(&path, SkipReason::TooLarge, None),
        Ok(Contents::NotRegular) => sink.skipped(&path, SkipReason::Special, None),
        Err(e) => sink.skipped(&path, SkipReason::Unreadable, Some(format!("{path}: {e}"))),
    }
}

/// The exact bytes of a path that is not valid UTF-8 (its display form has U+FFFD in their place).
fn raw_name(p: &Path) -> Option<&[u8]> {
    if p.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = p.as_os_str().as_bytes();
        Some(bytes.strip_prefix(b"./").unwrap_or(bytes))
    }
    #[cfg(not(unix))]
    {
        None
    }
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

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
