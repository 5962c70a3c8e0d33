//! What the fuzz targets share: how an input names the path it is scanned as, the properties every scan and
//! lint result must have whatever the input, and findings built from fuzzed text. A violated property panics,
//! which libFuzzer reports as a crash and saves the input for.
pub mod content;
pub mod report;

use std::path::Path;
use std::sync::OnceLock;

use leakgate::config::Config;
use leakgate::engine::Scanner;
use leakgate::finding::{Detail, Finding, FindingKind, Fingerprint, SecretMatch};
use leakgate::iac::{self, IacFormat, IacOutcome};
use leakgate::rules::Severity;
use leakgate::scan::ScanOutput;

/// An input that starts with this line (`//path:NAME\n`) is scanned as the file NAME; any other input is
/// scanned as standard input (`-`), which is what `leakgate scan -` does. A readable prefix rather than a
/// selector byte keeps seeds readable, and libFuzzer's comparison tracing finds it quickly.
pub const PATH_PREFIX: &[u8] = b"//path:";

/// The display path and the content of an input, per [`PATH_PREFIX`].
pub fn split_path(data: &[u8]) -> (String, &[u8]) {
    if let Some(rest) = data.strip_prefix(PATH_PREFIX) {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let path = String::from_utf8_lossy(&rest[..end]).into_owned();
        return (path, rest.get(end + 1..).unwrap_or_default());
    }
    ("-".to_string(), data)
}

/// The scanner `leakgate scan` builds without a config file: every built-in rule, IaC lint on. Built once per
/// process; rule regexes compile on first use, as in a real scan.
pub fn default_scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| Config::default().scanner().expect("the built-in rules load"))
}

/// What every scan result must satisfy: findings sorted, inside the content, with a consistent position.
/// `whole_chars`: secrets never end inside a UTF-8 character (true of the built-in rules; a custom rule may
/// use `.`, which matches one byte).
pub fn check_scan(content: &[u8], path: &str, out: &ScanOutput, whole_chars: bool) {
    let newlines = content.iter().filter(|&&b| b == b'\n').count();
    let text = std::str::from_utf8(content).ok();
    for f in &out.findings {
        assert_eq!(f.path, path);
        assert!(f.start_line >= 1 && f.end_line >= f.start_line, "lines {}..{}", f.start_line, f.end_line);
        assert!(f.fingerprint.0.starts_with(&format!("{}:", f.rule_id)));
        match f.kind() {
            FindingKind::Secret => {
                assert!(
                    f.end_line <= newlines + 1,
                    "end line {} past the content's {} lines",
                    f.end_line,
                    newlines + 1
                );
                assert!(!f.secret().is_empty(), "empty secret from {}", f.rule_id);
                assert!(f.start_column >= 1, "column {}", f.start_column);
                // A decoded secret (UTF-16, a notebook's unescaped text) is not in the stored bytes as such.
                let decoded = matches!(&f.detail, Detail::Secret(m) if !m.decoded.is_empty());
                if let Some(text) = text.filter(|_| !decoded && (whole_chars || !f.secret().contains('\u{fffd}'))) {
                    assert!(
                        text.contains(f.secret()),
                        "secret {:?} from {} is not in the content",
                        f.secret(),
                        f.rule_id
                    );
                }
            }
            FindingKind::Iac => assert!(iac::check_info(&f.rule_id).is_some(), "unknown check {}", f.rule_id),
            // Only PR checks report config changes; a content scan never does.
            FindingKind::Config => panic!("config finding {} from a content scan", f.rule_id),
        }
    }
    let key = |f: &Finding| (f.path.clone(), f.start_line, f.start_column);
    assert!(out.findings.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "findings out of order");
    assert!(out.stats.files_scanned + out.stats.total_skipped() >= 1, "content neither scanned nor counted as skipped");
}

/// Parses a config file's text as `leakgate scan` would find it at `path`, builds the scanner it configures and
/// scans the file's own text with it (custom rules and allowlists then run on text that mentions them).
pub fn config(path: &Path, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = Config::parse(path, text) else { return };
    let Ok(scanner) = config.scanner() else { return };
    let name = path.display().to_string();
    let out = leakgate::scan::scan_bytes(&scanner, data, &name);
    check_scan(data, &name, &out, false);
}

/// The message `iac::lint` puts in place of a parser panic (the fuzz harness aborts on the panic itself first;
/// the regression tests, which run without that hook, look for this).
pub const INTERNAL_ERROR: &str = "internal error while reading this file";

/// Lints `data` as the file `name` of format `format`, through the entry a scan uses, and checks the outcome.
pub fn lint_as(name: &str, format: IacFormat, data: &[u8]) {
    if !matches!(format, IacFormat::CloudFormation | IacFormat::Arm | IacFormat::Kubernetes) {
        // These formats are chosen by file name alone; the others also need markers in the content.
        assert_eq!(iac::detect(name, data), Some(format), "{name}");
    }
    let outcome = iac::lint(name, data, format);
    check_outcome(name, data, &outcome);
}

/// Splits `data` at lines that are exactly `//--file--` into up to four files named `m/0.tf`, `m/1.tf` (one
/// module), `m/a/2.tf` and `m/a/b/3.tf` (modules that `source = "./a"`, `"./b"`, `"../"` and the like call)
/// and lints them together, as a scan does with a folder's Terraform files.
pub fn lint_module(data: &[u8]) {
    const NAMES: [&str; 4] = ["m/0.tf", "m/1.tf", "m/a/2.tf", "m/a/b/3.tf"];
    let files = split_files(data, &NAMES);
    let outcomes = iac::lint_terraform_tree(&files);
    assert_eq!(outcomes.len(), files.len());
    for ((name, content), o) in files.iter().zip(&outcomes) {
        check_outcome(name, content, o);
    }
}

/// Splits `data` at lines that are exactly `//--file--` into an ARM template `d/azuredeploy.json` and up to two
/// parameter files beside it, and lints them together as a scan does.
pub fn lint_arm_deployment(data: &[u8]) {
    const NAMES: [&str; 3] = ["d/azuredeploy.json", "d/azuredeploy.parameters.json", "d/azuredeploy.parameters.dev.json"];
    let files = split_files(data, &NAMES);
    let outcomes = iac::lint_arm_deployments(&files);
    assert_eq!(outcomes.len(), files.len());
    for ((name, content), o) in files.iter().zip(&outcomes) {
        check_outcome(name, content, o);
    }
}

/// `data` cut at `//--file--` lines into at most `names.len()` files, named in order.
fn split_files(data: &[u8], names: &[&str]) -> Vec<(String, Vec<u8>)> {
    const SEPARATOR: &[u8] = b"\n//--file--\n";
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut rest = data;
    loop {
        let name = names[files.len()].to_string();
        match find(rest, SEPARATOR) {
            Some(i) if files.len() + 1 < names.len() => {
                files.push((name, rest[..i].to_vec()));
                rest = &rest[i + SEPARATOR.len()..];
            }
            _ => {
                files.push((name, rest.to_vec()));
                break;
            }
        }
    }
    files
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What every lint outcome must satisfy: no parser panic, findings on lines the file has, about a named
/// resource, from a registered check.
pub fn check_outcome(name: &str, content: &[u8], o: &IacOutcome) {
    if let Some(w) = &o.parse_warning {
        assert_ne!(w.message, INTERNAL_ERROR, "a parser panicked on {name}");
        assert_eq!(w.path, name);
        assert!(!w.message.is_empty());
    }
    // YAML also breaks lines at a lone CR, so count those too: the bound is loose on purpose.
    let breaks = content.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
    for f in &o.findings {
        assert_eq!(f.path, name);
        assert!(iac::check_info(f.check_id).is_some(), "unregistered check {}", f.check_id);
        assert!(f.line >= 1 && f.end_line >= f.line, "{}: lines {}..{}", f.check_id, f.line, f.end_line);
        assert!(f.line <= breaks + 1, "{}: line {} past the end of {name}", f.check_id, f.line);
        assert!(!f.resource.is_empty() && !f.message.is_empty(), "{}: empty resource or message", f.check_id);
    }
}

/// A secret finding with the given path, line number and secret, as the engine would make it.
pub fn finding(path: &str, start_line: usize, secret: &str) -> Finding {
    Finding {
        rule_id: "generic-api-key".into(),
        description: "Generic API key".into(),
        severity: Severity::High,
        tags: Vec::new(),
        path: path.into(),
        path_bytes: None,
        start_line,
        end_line: start_line,
        start_column: 1,
        end_column: secret.chars().count(),
        line: secret.into(),
        fingerprint: Fingerprint::new("generic-api-key", path, secret.as_bytes()),
        commit: None,
        detail: Detail::Secret(SecretMatch {
            secret: secret.into(),
            entropy: 4.0,
            validated: false,
            confidence: Default::default(),
            evidence: Vec::new(),
            decoded: Vec::new(),
            secret_hash: None,
            verification: None,
            paired: None,
            context: Default::default(),
        }),
    }
}
