//! A temp tree builder and helpers for running the binary.
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Runs `leakgate ARGS` with the tree as working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::cargo_bin("leakgate").unwrap().current_dir(self.path()).args(args).output().unwrap();
        Run(out)
    }

    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        let out = Command::cargo_bin("leakgate")
            .unwrap()
            .current_dir(self.path())
            .args(args)
            .write_stdin(input.to_vec())
            .output()
            .unwrap();
        Run(out)
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().expect("exited normally, not by a signal")
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout()))
    }
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr());
        self
    }
}

/// (rule id, secret) of each finding in a JSON report.
pub fn findings(json: &serde_json::Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["secret"].as_str().unwrap().to_string()))
        .collect()
}

/// A valid GitHub classic token (its checksum is right) and one with a wrong checksum.
pub const GITHUB_PAT: &str = "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";
pub const GITHUB_PAT_BAD_CHECKSUM: &str = "ghp_ZJDeVREhkptGF7Wvep0NwJWlPEQP7a0t2nxM";

/// Writes `text` as the config file `name`, runs `leakgate scan`, and checks that it fails with exit 2 and one
/// line on stderr containing every `expected` piece.
pub fn assert_config_error(name: &str, text: &str, expected: &[&str]) {
    let tree = Tree::new();
    tree.write(name, text);
    tree.write("a.txt", "hello\n");
    let run = tree.run(&["scan"]);
    run.assert_code(2);
    let err = run.stderr();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for e in expected {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
}

/// `leakgate scan --verify --format json` of `tree`'s `src` folder with `config` written as its `--config` file
/// (the verifier endpoints a test points at its mock), and `extra` flags; the run, whose exit code is checked to
/// be 1 (the findings are there).
pub fn scan_src_verified(tree: &Tree, config: &str, extra: &[&str]) -> Run {
    tree.write("verify.toml", config);
    let mut args = vec!["scan", "--verify", "--format", "json", "--config", "verify.toml"];
    args.extend_from_slice(extra);
    args.push("src");
    let run = tree.run(&args);
    run.assert_code(1);
    run
}
