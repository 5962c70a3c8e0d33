//! Runs `leakgate::iac` over every fixture under `tests/fixtures/iac/<format>/` and compares the exact result
//! with that folder's `expected.txt`, one entry per line:
//!
//! ```text
//! iac-s3-public-acl s3_public_acl_bad.tf:4      a finding: check id, file, line
//! parse-warning broken.tf:3                      a parse warning and the parser's line
//! skipped helm_deployment.yaml                   detected as IaC but not linted (Helm template)
//! suppressed static_website_suppressed.tf 6      findings hidden by allow markers
//! not-iac notes.yaml                             detect() says it is not IaC
//! not-followed calls/main.tf                     a module call in that file was not followed
//! ```
//!
//! A finding in a called module's instance also names the resource through the call
//! (`iac-db-publicly-accessible calls/main.tf:31 module.db.aws_db_instance.this`). Any extra or missing entry
//! fails, so a check that starts firing on a safe fixture, or stops firing on an unsafe one, is caught. A
//! directory inside the `terraform` folder is a Terraform tree: its directories are modules, linted together
//! (with the module calls between them followed) by `lint_terraform_tree`; one inside `arm` holds templates and
//! parameter files, linted together by `lint_arm_deployments`. `LEAKGATE_PRINT_ACTUAL=1` prints the
//! actual entries (review before copying).
use std::path::{Path, PathBuf};

use leakgate::iac::{self, IacFormat, IacOutcome};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iac")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    entries
}

fn record(rel: &str, o: &IacOutcome, out: &mut Vec<String>) {
    for f in &o.findings {
        assert_eq!(f.path, rel, "finding path");
        assert!(f.end_line >= f.line, "{rel}: end_line before line");
        assert!(!f.message.is_empty() && !f.resource.is_empty(), "{rel}: empty text");
        assert!(iac::check_info(f.check_id).is_some(), "unregistered {}", f.check_id);
        if f.resource.starts_with("module.") {
            out.push(format!("{} {rel}:{} {}", f.check_id, f.line, f.resource));
        } else {
            out.push(format!("{} {rel}:{}", f.check_id, f.line));
        }
    }
    for _ in &o.modules_not_followed {
        out.push(format!("not-followed {rel}"));
    }
    if let Some(w) = &o.parse_warning {
        assert_eq!(w.path, rel, "warning path");
        let line = w.line.map_or("?".to_string(), |l| l.to_string());
        out.push(format!("parse-warning {rel}:{line}"));
    }
    if o.skipped_reason.is_some() {
        out.push(format!("skipped {rel}"));
    }
    if o.suppressed > 0 {
        out.push(format!("suppressed {rel} {}", o.suppressed));
    }
}

/// The Terraform files under `dir`, recursively, as `(path under the format folder, content)`.
fn tree_files(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for p in sorted_entries(dir) {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let rel = format!("{rel}/{name}");
        if p.is_dir() {
            tree_files(&p, &rel, out);
        } else {
            let content = std::fs::read(&p).expect("read fixture");
            if iac::detect(&rel, &content).is_some() || iac::is_arm_parameters(&rel, &content) {
                out.push((rel, content));
            }
        }
    }
}

/// The actual entries for one format folder.
fn actual(folder: &str, formats: &[IacFormat]) -> Vec<String> {
    let dir = root().join(folder);
    let mut out = Vec::new();
    for path in sorted_entries(&dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if path.is_dir() {
            let mut files = Vec::new();
            tree_files(&path, &name, &mut files);
            let outcomes = match folder {
                "arm" => iac::lint_arm_deployments(&files),
                _ => iac::lint_terraform_tree(&files),
            };
            assert_eq!(outcomes.len(), files.len());
            for ((rel, _), o) in files.iter().zip(&outcomes) {
                record(rel, o, &mut out);
            }
            continue;
        }
        if name == "expected.txt" {
            continue;
        }
        let content = std::fs::read(&path).expect("read fixture");
        match iac::detect(&name, &content) {
            None => out.push(format!("not-iac {name}")),
            Some(f) => {
                assert!(formats.contains(&f), "{folder}/{name} detected as {f:?}");
                record(&name, &iac::lint(&name, &content, f), &mut out);
            }
        }
    }
    out.sort();
    out
}

fn expected(folder: &str) -> Vec<String> {
    let path = root().join(folder).join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    out.sort();
    out
}

fn assert_folder(folder: &str, formats: &[IacFormat]) {
    let got = actual(folder, formats);
    if std::env::var_os("LEAKGATE_PRINT_ACTUAL").is_some() {
        println!("--- {folder}\n{}", got.join("\n"));
    }
    let want = expected(folder);
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && got.len() == want.len(),
        "{folder}: result differs from expected.txt\n  missing: {missing:#?}\n  extra: {extra:#?}"
    );
}

#[test]
fn terraform_fixtures_match_expected() {
    assert_folder("terraform", &[IacFormat::Terraform, IacFormat::TerraformJson]);
}

#[test]
fn cloudformation_fixtures_match_expected() {
    assert_folder("cloudformation", &[IacFormat::CloudFormation]);
}

#[test]
fn arm_fixtures_match_expected() {
    assert_folder("arm", &[IacFormat::Arm]);
}

#[test]
fn kubernetes_fixtures_match_expected() {
    assert_folder("kubernetes", &[IacFormat::Kubernetes]);
}

#[test]
fn dockerfile_fixtures_match_expected() {
    assert_folder("dockerfile", &[IacFormat::Dockerfile]);
}

#[test]
fn compose_fixtures_match_expected() {
    assert_folder("compose", &[IacFormat::Compose]);
}

const FOLDERS: &[&str] = &["terraform", "cloudformation", "arm", "kubernetes", "dockerfile", "compose"];

fn folder_of(format: IacFormat) -> &'static str {
    match format {
        IacFormat::Terraform | IacFormat::TerraformJson => "terraform",
        IacFormat::CloudFormation => "cloudformation",
        IacFormat::Arm => "arm",
        IacFormat::Kubernetes => "kubernetes",
        IacFormat::Dockerfile => "dockerfile",
        IacFormat::Compose => "compose",
    }
}

#[test]
fn every_check_has_a_positive_fixture_in_each_format() {
    for check in iac::checks() {
        for format in check.formats {
            let fired = expected(folder_of(*format)).iter().any(|e| e.split_whitespace().next() == Some(check.id));
            assert!(fired, "{} has no positive fixture in {}", check.id, folder_of(*format));
        }
    }
}

#[test]
fn every_bad_fixture_has_a_good_twin() {
    for folder in FOLDERS {
        for path in sorted_entries(&root().join(folder)) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.contains("_bad") {
                let twin = path.with_file_name(name.replace("_bad", "_good"));
                assert!(twin.exists(), "{folder}/{name} has no good twin {}", twin.display());
            }
        }
    }
}

/// Every check's own examples, linted as its `example_path`: `bad` yields a finding of that check, `good` none,
/// both parse. The IaC twin of `rule_examples.rs`; the failures name the check and the example.
#[test]
fn every_check_bad_example_fires_and_good_example_does_not() {
    let failures: Vec<String> = iac::check_examples().iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{} IaC check example failures:\n{}", failures.len(), failures.join("\n"));
}

/// Truncations and byte flips of every fixture must never reach a panic (which `lint` would turn into an
/// "internal error" warning). A deterministic stand-in for the fuzz targets, cheap enough for every run.
#[test]
fn mutated_fixtures_never_panic() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const JUNK: &[u8] = b"{}[]:\"'\\\n\t -#$<>=!*&|\x00\xff";
    let mut files = Vec::new();
    for folder in FOLDERS {
        for path in sorted_entries(&root().join(folder)) {
            if path.is_dir() {
                files.extend(sorted_entries(&path));
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let Ok(content) = std::fs::read(&path) else {
            continue;
        };
        let Some(format) = iac::detect(&name, &content) else {
            continue;
        };
        let mut variants: Vec<Vec<u8>> = (1..32).map(|i| content[..content.len() * i / 32].to_vec()).collect();
        for _ in 0..64 {
            let mut v = content.clone();
            for _ in 0..(1 + next() % 4) {
                if v.is_empty() {
                    break;
                }
                let at = (next() % v.len() as u64) as usize;
                let b = JUNK[(next() % JUNK.len() as u64) as usize];
                match next() % 3 {
                    0 => v[at] = b,
                    1 => v.insert(at, b),
                    _ => {
                        v.remove(at);
                    }
                }
            }
            variants.push(v);
        }
        for v in variants {
            let o = iac::lint(&name, &v, format);
            let internal = o.parse_warning.as_ref().is_some_and(|w| w.message.contains("internal error"));
            assert!(!internal, "{name}: a mutation reached a panic:\n{}", String::from_utf8_lossy(&v));
        }
    }
}
