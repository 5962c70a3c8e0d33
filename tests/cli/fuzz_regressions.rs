//! Inputs the fuzz targets in `fuzz/` (or probing around them) showed a bug with, replayed in the normal
//! `cargo test` so the fixes stay fixed without cargo-fuzz. Byte inputs live in
//! `tests/fixtures/fuzz-regressions/<target>/` and go through the same entry point as that target; inputs too
//! large to commit are generated here. A single input taking more than a second in a release build is a bug
//! for a pre-commit hook; the time limits below are that second with room for an unoptimised test build on a
//! busy machine, while the bugs they guard took minutes.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leakgate::config::Config;
use leakgate::iac::{self, IacFormat};
use leakgate::scan::scan_bytes;

/// What `iac::lint` reports in place of a parser panic.
const INTERNAL_ERROR: &str = "internal error while reading this file";

fn timed<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?} (limit {limit:?})");
    out
}

/// A minified file: 30,000 password assignments on one 1 MB line. Locating each finding counted characters
/// from the start of the line (quadratic in the line's length), and resolving overlaps compared every
/// candidate with every kept one (quadratic in the number of findings): this took minutes.
#[test]
fn many_findings_on_one_long_line_take_linear_time() {
    let scanner = Config::default().scanner().unwrap();
    let n = 30_000;
    let content = "password='aB3dE5gH7jK9mN1pQ3sT5'; ".repeat(n); // leakgate:allow (made up)
    let out =
        timed(Duration::from_secs(20), "scanning one long line", || scan_bytes(&scanner, content.as_bytes(), "-"));
    assert_eq!(out.findings.len(), n);
    let last = out.findings.last().unwrap();
    assert_eq!((last.start_line, last.start_column), (1, 34 * (n - 1) + 11));
    assert_eq!(last.end_column, 34 * (n - 1) + 31);
}

/// The file name and format each IaC fuzz target lints its input as (see `fuzz/fuzz_targets/`).
fn iac_target(target: &str) -> Option<(&'static str, IacFormat)> {
    Some(match target {
        "iac_terraform" => ("main.tf", IacFormat::Terraform),
        "iac_terraform_json" => ("main.tf.json", IacFormat::TerraformJson),
        "iac_cloudformation_yaml" => ("template.yaml", IacFormat::CloudFormation),
        "iac_cloudformation_json" => ("template.json", IacFormat::CloudFormation),
        "iac_arm" => ("azuredeploy.json", IacFormat::Arm),
        "iac_kubernetes" => ("deployment.yaml", IacFormat::Kubernetes),
        "iac_dockerfile" => ("Dockerfile", IacFormat::Dockerfile),
        "iac_compose" => ("docker-compose.yml", IacFormat::Compose),
        _ => return None,
    })
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Every kept input, through its target's entry point: no panic (which `lint` would turn into a warning), a
/// sane outcome, and well under the time the bug took.
#[test]
fn kept_fuzz_inputs_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    let mut replayed = 0;
    for dir in inputs(&root) {
        let target = dir.file_name().unwrap().to_str().unwrap().to_string();
        let (name, format) = iac_target(&target).unwrap_or_else(|| panic!("no replay for fuzz target `{target}`"));
        for input in inputs(&dir) {
            let content = std::fs::read(&input).unwrap();
            let what = format!("{target} {}", input.display());
            let o = timed(Duration::from_secs(10), &what, || iac::lint(name, &content, format));
            if let Some(w) = &o.parse_warning {
                assert_ne!(w.message, INTERNAL_ERROR, "{what}: the parser panicked");
            }
            assert!(o.findings.iter().all(|f| f.line >= 1 && f.end_line >= f.line), "{what}: {:?}", o.findings);
            replayed += 1;
        }
    }
    assert!(replayed >= 2, "the kept inputs are missing");
}
