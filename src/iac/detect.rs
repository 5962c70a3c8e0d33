//! Which files are IaC, and of which kind: from the file name, and for YAML/JSON from a bounded look at the
//! first bytes, so that deciding costs nothing on the files that are not.
use super::IacFormat;

/// How much of a YAML/JSON file [`detect`] looks at for `apiVersion`/`kind` or CloudFormation markers.
pub(super) const SNIFF_BYTES: usize = 8 * 1024;

/// Cheap: decides from the file name, and for YAML/JSON from the first bytes, whether a file is IaC and which
/// kind; `None` = not IaC.
pub fn detect(path: &str, content: &[u8]) -> Option<IacFormat> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tf") || lower.ends_with(".tofu") {
        return Some(IacFormat::Terraform);
    }
    if lower.ends_with(".tf.json") || lower.ends_with(".tofu.json") {
        return Some(IacFormat::TerraformJson);
    }
    // Variable definitions files Terraform loads by itself; `-var-file` ones may belong to any environment.
    match tfvars_rank(&lower) {
        Some(_) if lower.ends_with(".json") => return Some(IacFormat::TerraformJson),
        Some(_) => return Some(IacFormat::Terraform),
        None => {}
    }
    if is_dockerfile_name(&lower) {
        return Some(IacFormat::Dockerfile);
    }
    let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    if yaml && is_compose_name(&lower) {
        return Some(IacFormat::Compose);
    }
    let json = lower.ends_with(".json");
    if !(yaml || json || lower.ends_with(".template")) {
        return None;
    }
    let head = content.get(..SNIFF_BYTES).unwrap_or(content);
    let has = |needle: &str| memchr::memmem::find(head, needle.as_bytes()).is_some();
    // `…/deploymentTemplate.json#`, `…/subscriptionDeploymentTemplate.json#` and the other scopes' schemas.
    if json && has("\"$schema\"") && has("eploymentTemplate.json") {
        return Some(IacFormat::Arm);
    }
    if has("AWSTemplateFormatVersion") || (has("Resources") && has("AWS::")) {
        return Some(IacFormat::CloudFormation);
    }
    let kubernetes = if json {
        has("\"apiVersion\"") && has("\"kind\"")
    } else {
        let line_starts = |key: &str| head.split(|&b| b == b'\n').any(|l| l.starts_with(key.as_bytes()));
        line_starts("apiVersion:") && line_starts("kind:")
    };
    kubernetes.then_some(IacFormat::Kubernetes)
}

/// Where a variable definitions file comes in Terraform's load order (`terraform.tfvars`, then
/// `terraform.tfvars.json`, then the `*.auto.tfvars` and `*.auto.tfvars.json` files by name); `None` for any other
/// file. Takes the lower-cased file name.
pub(super) fn tfvars_rank(lower: &str) -> Option<u8> {
    match lower {
        "terraform.tfvars" => Some(0),
        "terraform.tfvars.json" => Some(1),
        _ if lower.ends_with(".auto.tfvars.json") => Some(2),
        _ if lower.ends_with(".auto.tfvars") => Some(2),
        _ => None,
    }
}

fn is_dockerfile_name(lower: &str) -> bool {
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || ((lower.starts_with("dockerfile.") || lower.starts_with("containerfile."))
            && !lower.ends_with(".dockerignore")
            && !lower.ends_with(".md"))
}

/// `compose.yaml`, `compose.override.yml`, `docker-compose.yml`, `docker-compose.prod.yaml`, …
fn is_compose_name(lower: &str) -> bool {
    lower.starts_with("docker-compose") || lower.starts_with("compose.")
}
