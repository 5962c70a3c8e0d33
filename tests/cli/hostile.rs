//! Hostile and odd input, end to end: huge files and lines, huge trees, deep trees, symlink loops, FIFOs,
//! sockets and devices, unreadable files, names made to break terminals and report formats, configs made to
//! blow up the regex engine, `--strict`, and the pre-commit hook failing closed. Every run has a time limit:
//! what these tests guard against is as often a hang as a wrong answer.
//!
//! Big inputs are made cheaply (a block written over and over, sparse files); each test takes seconds in a
//! debug build.
mod config;
mod crowded;
mod hook;
mod inputs;
mod output;
mod special;
mod strict;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::support::Run;

/// Far above what any of these runs needs; a run that takes this long has hung.
const HANG: Duration = Duration::from_secs(180);

fn finished(out: std::process::Output, what: &str) -> Run {
    assert!(
        out.status.code().is_some(),
        "{what} did not finish (killed after {HANG:?} or by a signal: {:?})\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Run(out)
}

/// `leakgate ARGS` in `dir`, killed if it hangs.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out =
        assert_cmd::Command::cargo_bin("leakgate").unwrap().current_dir(dir).args(args).timeout(HANG).output().unwrap();
    finished(out, &format!("leakgate {args:?}"))
}

/// `leakgate ARGS` in `dir` started by `sh -c` after `prelude` (`ulimit -n 64`, a redirection), killed if it
/// hangs.
pub fn run_sh(dir: &Path, prelude: &str, args: &[&str]) -> Run {
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    let out = assert_cmd::Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!("{prelude}\nexec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .timeout(HANG)
        .output()
        .unwrap();
    finished(out, &format!("{prelude}; leakgate {args:?}"))
}

/// Writes `chunk` over and over until `total` bytes, in blocks of about a megabyte, then `tail`.
pub fn write_repeated(path: &Path, chunk: &[u8], total: usize, tail: &[u8]) {
    let block = chunk.repeat((1 << 20) / chunk.len() + 1);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = total;
    while left > 0 {
        let n = left.min(block.len());
        f.write_all(&block[..n]).unwrap();
        left -= n;
    }
    f.write_all(tail).unwrap();
    f.flush().unwrap();
}

/// The last line of stderr (where leakgate and the hooks put their one-line verdicts).
pub fn last_stderr_line(run: &Run) -> String {
    run.stderr().trim_end().lines().last().unwrap_or_default().to_string()
}
