//! IaC lint: finds the infrastructure settings that make headlines — public buckets, public databases, open
//! firewalls, root and privileged containers — in Terraform, CloudFormation, ARM templates, Kubernetes,
//! Dockerfiles and Compose files, before they are committed.
//!
//! [`detect`] decides cheaply from the file name and a bounded look at the first bytes whether a file is IaC;
//! [`lint`] parses it once with a real parser for its format, lowers it to a small value tree with line
//! numbers (`node`), runs every check registered for the format (`checks`) and applies allow markers
//! (`suppress`). Terraform variables resolve across a directory, and local module calls across directories,
//! with [`lint_terraform_tree`]. Nothing here prints, reads flags or panics on bad input: a file that does not
//! parse yields a [`ParseWarning`], a Helm template whose directives are not all inside strings a
//! `skipped_reason`.
//!
//! Adding a check is adding one file, `checks/<name>.rs`, plus its fixtures under `tests/fixtures/iac/`:
//! `build.rs` registers every file in `checks/`, and the file declares the rest (see `checks`). Its `bad` and
//! `good` examples then run as tests ([`check_examples`]).
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Serialize;

use crate::rules::Severity;

mod arm;
mod arm_params;
mod checks;
mod cidr;
mod cloudformation;
mod compose;
mod detect;
mod dockerfile;
mod examples;
mod ingress;
mod json;
mod kubernetes;
mod node;
mod suppress;
mod terraform;
mod tf_kubernetes;
mod tf_tree;
mod yaml;

pub use detect::detect;
use detect::{tfvars_rank, SNIFF_BYTES};
pub use examples::{check_examples, ExampleFailure};

/// Files larger than this are not linted (reported through `skipped_reason`): hand-written IaC is far smaller,
/// and the pre-commit hook must stay fast.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// Serialised as [`IacFormat::as_str`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IacFormat {
    Terraform,
    #[serde(rename = "terraform-json")]
    TerraformJson,
    CloudFormation,
    /// Azure Resource Manager templates (JSON).
    Arm,
    Kubernetes,
    Dockerfile,
    Compose,
}

impl IacFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            IacFormat::Terraform => "terraform",
            IacFormat::TerraformJson => "terraform-json",
            IacFormat::CloudFormation => "cloudformation",
            IacFormat::Arm => "arm",
            IacFormat::Kubernetes => "kubernetes",
            IacFormat::Dockerfile => "dockerfile",
            IacFormat::Compose => "compose",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IacOutcome {
    pub findings: Vec<IacFinding>,
    /// Findings hidden by allow markers (inline comments, annotations, metadata).
    pub suppressed: u64,
    pub parse_warning: Option<ParseWarning>,
    /// Why the file was not linted although it looked like IaC (a Helm template, an oversized file).
    pub skipped_reason: Option<String>,
    /// Terraform `module` blocks in this file whose called module was not linted, and why:
    /// `main.tf:3: module.vpc: remote source "terraform-aws-modules/vpc/aws" is not fetched`.
    pub modules_not_followed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IacFinding {
    pub check_id: &'static str,
    pub path: String,
    /// 1-based line of the offending attribute or block.
    pub line: usize,
    pub end_line: usize,
    /// What the finding is about: `aws_s3_bucket.site`, `Deployment/web container app`, `service db`.
    pub resource: String,
    /// The specific value and where it is, e.g. `ingress from 0.0.0.0/0 to port 22 (SSH)`.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseWarning {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

/// One check's documentation, shared by `leakgate rules`, SARIF help and the README tables.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CheckInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub formats: &'static [IacFormat],
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
}

/// The registry: every check, in a stable order.
pub fn checks() -> &'static [CheckInfo] {
    &checks::ALL
}

pub fn check_info(id: &str) -> Option<&'static CheckInfo> {
    checks::ALL.iter().find(|c| c.id == id)
}

/// Parses once and runs every check of that format.
pub fn lint(path: &str, content: &[u8], format: IacFormat) -> IacOutcome {
    let outcomes = guarded(&[path], || {
        if matches!(format, IacFormat::Terraform | IacFormat::TerraformJson) {
            terraform_outcomes(&[(path, content, format == IacFormat::TerraformJson)])
        } else {
            vec![lint_one(path, content, format)]
        }
    });
    outcomes.into_iter().next().unwrap_or_default()
}

/// Lints Terraform files together: each directory's `.tf`/`.tf.json` files as one module, so `var.x` resolves
/// to a `default` declared in any of them and a bucket policy can be followed to a
/// `data "aws_iam_policy_document"` in another file; and calls of local modules (`source = "../sg"`) between
/// the directories given, so a module that is called is judged with its callers' inputs (see `tf_tree`).
/// Returns one outcome per input file, in order.
pub fn lint_terraform_tree(files: &[(String, Vec<u8>)]) -> Vec<IacOutcome> {
    let inputs: Vec<(&str, &[u8], bool)> = files
        .iter()
        .map(|(p, c)| {
            let json = detect(p, &[]) == Some(IacFormat::TerraformJson);
            (p.as_str(), c.as_slice(), json)
        })
        .collect();
    let paths: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    guarded(&paths, || terraform_outcomes(&inputs))
}

/// Whether a file is an ARM parameter file (`deploymentParameters.json` schema): not IaC by itself, but it
/// gives values to the template beside it that it is named for (see [`lint_arm_deployments`]).
pub fn is_arm_parameters(path: &str, content: &[u8]) -> bool {
    arm_params::is_parameters_file(path, content)
}

/// Lints ARM templates together with the parameter files given beside them: `X.parameters.json` and
/// `X.parameters.<env>.json` deploy `X.json` in the same directory, a bare `parameters.json` the directory's
/// only template. A template is judged once per parameter file that deploys it (a finding whose value came from
/// one names it and the line), or on its defaults when none does. Returns one outcome per input file, in order;
/// a parameter file's carries only its parse warning.
pub fn lint_arm_deployments(files: &[(String, Vec<u8>)]) -> Vec<IacOutcome> {
    let paths: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    guarded(&paths, || {
        let mut outcomes = vec![IacOutcome::default(); files.len()];
        let (mut templates, mut parameters) = (Vec::new(), Vec::new());
        let mut values = Vec::new();
        for (i, (path, content)) in files.iter().enumerate() {
            if !arm_params::is_parameters_file(path, content) {
                templates.push(i);
                continue;
            }
            parameters.push(i);
            outcomes[i].skipped_reason = too_big(content);
            let read = match outcomes[i].skipped_reason {
                Some(_) => None,
                None => arm_params::values(&decode(content))
                    .map_err(|(line, msg)| outcomes[i].parse_warning = warning(path, line, &msg))
                    .ok(),
            };
            values.push(read);
        }
        let template_paths: Vec<&str> = templates.iter().map(|&t| paths[t]).collect();
        let parameter_paths: Vec<&str> = parameters.iter().map(|&p| paths[p]).collect();
        for (&t, pairs) in templates.iter().zip(arm_params::pair(&template_paths, &parameter_paths)) {
            let mut deployments: Vec<Option<(&str, &[arm::ParamValue])>> =
                pairs.iter().filter_map(|&p| Some((parameter_paths[p], values[p].as_deref()?))).map(Some).collect();
            if deployments.is_empty() {
                deployments.push(None);
            }
            outcomes[t] = arm_outcome(paths[t], &files[t].1, &deployments);
        }
        outcomes
    })
}

/// Lints one ARM template once per deployment: `None` on its parameters' defaults, `Some` with a parameter
/// file's path and values. Findings that every deployment shares are reported once.
fn arm_outcome(path: &str, content: &[u8], deployments: &[Option<(&str, &[arm::ParamValue])>]) -> IacOutcome {
    let mut outcome = IacOutcome { skipped_reason: too_big(content), ..IacOutcome::default() };
    if outcome.skipped_reason.is_some() {
        return outcome;
    }
    let text = decode(content);
    let mut hits = Vec::new();
    for deployment in deployments {
        let (param_path, values) = deployment.unwrap_or(("", &[]));
        match arm::parse_with(&text, values) {
            Ok(Some(t)) => {
                let start = hits.len();
                checks::arm(&t, &mut hits);
                for hit in &mut hits[start..] {
                    if let Some(o) = t.origins.iter().find(|o| o.line == hit.line) {
                        let (what, at) = if o.from_file { ("value", param_path) } else { ("default", path) };
                        hit.message = format!(
                            "{} (from parameter {}, the {what} set in {at}:{})",
                            hit.message, o.name, o.set_line
                        );
                    }
                }
            }
            Ok(None) => break,
            Err((line, msg)) => {
                outcome.parse_warning = warning(path, line, &msg);
                break;
            }
        }
    }
    let lines = suppress::SourceLines::new(&text);
    let (findings, suppressed) = finish(&[(path, &lines)], hits);
    outcome.findings = findings.into_iter().next().unwrap_or_default();
    outcome.suppressed = suppressed.first().copied().unwrap_or(0);
    outcome
}

/// Runs `f`, turning a panic in a parser into a warning on each file: one unreadable file must never stop a
/// scan. Always returns one outcome per path.
fn guarded(paths: &[&str], f: impl FnOnce() -> Vec<IacOutcome>) -> Vec<IacOutcome> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(mut outcomes) => {
            outcomes.resize_with(paths.len(), IacOutcome::default);
            outcomes
        }
        Err(_) => paths
            .iter()
            .map(|p| IacOutcome {
                parse_warning: Some(ParseWarning {
                    path: p.to_string(),
                    line: None,
                    message: "internal error while reading this file".to_string(),
                }),
                ..IacOutcome::default()
            })
            .collect(),
    }
}

fn decode(content: &[u8]) -> String {
    let text = String::from_utf8_lossy(content);
    text.strip_prefix('\u{feff}').unwrap_or(&text).to_string()
}

fn too_big(content: &[u8]) -> Option<String> {
    (content.len() > MAX_FILE_BYTES).then(|| format!("larger than {} MiB; not linted", MAX_FILE_BYTES / (1024 * 1024)))
}

fn warning(path: &str, line: usize, message: &str) -> Option<ParseWarning> {
    Some(ParseWarning { path: path.to_string(), line: Some(line), message: message.to_string() })
}

fn lint_one(path: &str, content: &[u8], format: IacFormat) -> IacOutcome {
    let mut outcome = IacOutcome { skipped_reason: too_big(content), ..IacOutcome::default() };
    if outcome.skipped_reason.is_some() {
        return outcome;
    }
    let text = decode(content);
    let mut hits = Vec::new();
    match format {
        IacFormat::CloudFormation => match cloudformation::parse(&text) {
            Ok(Some(t)) => checks::cloudformation(&t, &mut hits),
            Ok(None) => {}
            Err((line, msg)) => outcome.parse_warning = warning(path, line, &msg),
        },
        IacFormat::Arm => return arm_outcome(path, content, &[None]),
        IacFormat::Kubernetes => match kubernetes::parse(&text) {
            Ok(objects) => checks::kubernetes(&objects, &mut hits),
            Err(kubernetes::Error::Template) => {
                outcome.skipped_reason =
                    Some("Helm/Go template with directives outside strings: not linted until rendered".to_string())
            }
            Err(kubernetes::Error::Syntax(line, msg)) => outcome.parse_warning = warning(path, line, &msg),
        },
        IacFormat::Dockerfile => match dockerfile::parse(&text) {
            Ok(df) => checks::dockerfile(&df, &mut hits),
            Err((line, msg)) => outcome.parse_warning = warning(path, line, &msg),
        },
        IacFormat::Compose => match compose::parse(&text) {
            Ok(services) => checks::compose(&services, &mut hits),
            Err((line, msg)) => outcome.parse_warning = warning(path, line, &msg),
        },
        IacFormat::Terraform | IacFormat::TerraformJson => {}
    }
    let lines = suppress::SourceLines::new(&text);
    let (findings, suppressed) = finish(&[(path, &lines)], hits);
    outcome.findings = findings.into_iter().next().unwrap_or_default();
    outcome.suppressed = suppressed.first().copied().unwrap_or(0);
    outcome
}

fn terraform_outcomes(files: &[(&str, &[u8], bool)]) -> Vec<IacOutcome> {
    let mut outcomes: Vec<IacOutcome> = files
        .iter()
        .map(|(_, content, _)| IacOutcome { skipped_reason: too_big(content), ..IacOutcome::default() })
        .collect();
    let texts: Vec<String> = files
        .iter()
        .zip(&outcomes)
        .map(|((_, content, _), o)| if o.skipped_reason.is_some() { String::new() } else { decode(content) })
        .collect();
    let name = |path: &str| path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    let tree: Vec<tf_tree::TreeFile<'_>> = files
        .iter()
        .zip(&texts)
        .map(|(&(path, _, json), text)| tf_tree::TreeFile {
            path,
            text,
            json,
            definitions_rank: tfvars_rank(&name(path)),
        })
        .collect();
    let linted = tf_tree::lint(&tree);
    for e in linted.errors {
        if let (Some(o), Some((path, _, _))) = (outcomes.get_mut(e.file), files.get(e.file)) {
            o.parse_warning = Some(ParseWarning { path: path.to_string(), line: e.line, message: e.message });
        }
    }
    for (file, why) in linted.not_followed {
        if let Some(o) = outcomes.get_mut(file) {
            o.modules_not_followed.push(why);
        }
    }
    let lines: Vec<suppress::SourceLines<'_>> = texts.iter().map(|t| suppress::SourceLines::new(t)).collect();
    let named: Vec<(&str, &suppress::SourceLines<'_>)> = files.iter().map(|f| f.0).zip(lines.iter()).collect();
    let (findings, suppressed) = finish(&named, linted.hits);
    for ((o, f), s) in outcomes.iter_mut().zip(findings).zip(suppressed) {
        o.findings = f;
        o.suppressed = s;
    }
    outcomes
}

/// Applies allow markers and turns hits into findings, per file: (findings, suppressed count) by file index.
fn finish(files: &[(&str, &suppress::SourceLines<'_>)], hits: Vec<checks::Hit>) -> (Vec<Vec<IacFinding>>, Vec<u64>) {
    let mut findings: Vec<Vec<IacFinding>> = vec![Vec::new(); files.len()];
    let mut suppressed = vec![0u64; files.len()];
    for hit in hits {
        let Some((path, lines)) = files.get(hit.file) else {
            continue;
        };
        let mut markers = lines.markers(hit.line);
        for a in &hit.anchors {
            markers.extend(lines.markers(*a));
        }
        markers.extend(hit.allow.iter().cloned());
        if suppress::allowed(&markers, hit.check) {
            if let Some(s) = suppressed.get_mut(hit.file) {
                *s += 1;
            }
            continue;
        }
        let finding = IacFinding {
            check_id: hit.check,
            path: path.to_string(),
            line: hit.line,
            end_line: hit.end_line.max(hit.line),
            resource: hit.resource,
            message: hit.message,
        };
        if let Some(list) = findings.get_mut(hit.file) {
            list.push(finding);
        }
    }
    // Sorting by every field puts identical findings next to each other, so `dedup` removes them all.
    for list in &mut findings {
        list.sort_by(|a, b| {
            let key = |f: &IacFinding| (f.line, f.check_id, f.resource.clone(), f.message.clone(), f.end_line);
            key(a).cmp(&key(b))
        });
        list.dedup();
    }
    (findings, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_by_name_and_content() {
        use IacFormat::*;
        let k8s = b"# web\napiVersion: apps/v1\nkind: Deployment\n";
        let cfn = b"AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n";
        let arm = b"{\"$schema\": \"https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#\"}";
        let cases: &[(&str, &[u8], Option<IacFormat>)] = &[
            ("infra/main.tf", b"", Some(Terraform)),
            ("infra/main.tf.json", b"", Some(TerraformJson)),
            ("infra/terraform.tfvars", b"", Some(Terraform)),
            ("infra/dev.auto.tfvars", b"", Some(Terraform)),
            ("infra/terraform.tfvars.json", b"", Some(TerraformJson)),
            ("infra/prod.tfvars", b"", None),
            ("Dockerfile", b"", Some(Dockerfile)),
            ("svc/api.Dockerfile", b"", Some(Dockerfile)),
            ("Dockerfile.prod", b"", Some(Dockerfile)),
            ("Dockerfile.dockerignore", b"", None),
            ("Containerfile", b"", Some(Dockerfile)),
            ("docker-compose.prod.yml", b"", Some(Compose)),
            ("compose.yaml", b"", Some(Compose)),
            ("k8s/web.yaml", k8s, Some(Kubernetes)),
            ("stack.yml", cfn, Some(CloudFormation)),
            ("stack.json", b"{\"Resources\": {\"B\": {\"Type\": \"AWS::S3::Bucket\"}}}", Some(CloudFormation)),
            ("pod.json", b"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}", Some(Kubernetes)),
            ("azuredeploy.json", arm, Some(Arm)),
            ("azuredeploy.parameters.json", b"{\"$schema\": \"https://x/deploymentParameters.json#\"}", None),
            ("azuredeploy.yaml", arm, None),
            ("config.yaml", b"name: x\nkind: y\n", None),
            (".github/workflows/ci.yml", b"on: push\njobs: {}\n", None),
            ("README.md", k8s, None),
        ];
        for (path, content, want) in cases {
            assert_eq!(detect(path, content), *want, "{path}");
        }
    }

    #[test]
    fn registry_lookup() {
        assert_eq!(check_info("iac-s3-public-acl").map(|c| c.severity), Some(Severity::High));
        assert!(check_info("nope").is_none());
    }

    #[test]
    fn bad_input_never_panics_and_warns() {
        let o = lint("k.yaml", b"apiVersion: v1\nkind: Pod\nspec: [\n", IacFormat::Kubernetes);
        assert_eq!(o.parse_warning.as_ref().and_then(|w| w.line), Some(3));
        let o = lint("t.yaml", b"apiVersion: v1\n{{- if .Values.x }}\nkind: Pod\n", IacFormat::Kubernetes);
        assert!(o.skipped_reason.is_some() && o.parse_warning.is_none());
        let o = lint("x.yaml", b"a: b\n", IacFormat::Kubernetes);
        assert_eq!(o, IacOutcome::default());
        for format in [
            IacFormat::Terraform,
            IacFormat::TerraformJson,
            IacFormat::CloudFormation,
            IacFormat::Arm,
            IacFormat::Kubernetes,
            IacFormat::Dockerfile,
            IacFormat::Compose,
        ] {
            for junk in [&b"\xff\xfe\x00{{[[\"\\"[..], b"", b"\n\n", b"{", b"resource \"a\" {"] {
                let o = lint("f", junk, format);
                assert!(o.findings.is_empty());
            }
        }
    }
}
