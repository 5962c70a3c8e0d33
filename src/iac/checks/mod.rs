//! The IaC check registry and the per-format runners.
//!
//! A check is one file in this folder, and the file says everything about it: `INFO` (what, why, fix, a bad
//! and a good example, the formats) next to its logic, and `CHECK`, which names its entry point per format,
//! where it sorts in the registry and what file name its examples are linted as. `build.rs` makes every file
//! here (but this one) a module and an entry of [`REGISTRY`], so every file here must be a check and nothing
//! else.
//!
//! To add a check: add `src/iac/checks/<name>.rs` (copy a check of the same format; pick an unused `order`
//! next to its kin), and its fixtures under `tests/fixtures/iac/<format>/` (`<name>_bad.*`, `<name>_good.*`
//! and their lines in `expected.txt`). Nothing else is edited: the runners below loop over the registry,
//! and `leakgate rules`, SARIF help and the README check all read [`ALL`]. `cargo fmt` does not reach the
//! check files (rustfmt does not expand `include!`); format them with `rustfmt --edition 2021
//! src/iac/checks/*.rs`.
use super::arm::Template as ArmTemplate;
use super::cloudformation::Template;
use super::compose::Service;
use super::dockerfile::Dockerfile;
use super::kubernetes::Object;
use super::node::Node;
use super::terraform::Module;
use super::{CheckInfo, IacFormat};

pub(crate) const TERRAFORM: &[IacFormat] = &[IacFormat::Terraform, IacFormat::TerraformJson];
pub(crate) const AWS: &[IacFormat] = &[IacFormat::Terraform, IacFormat::TerraformJson, IacFormat::CloudFormation];
/// Azure resources, as Terraform's `azurerm` provider and ARM templates write them.
pub(crate) const AZURE: &[IacFormat] = &[IacFormat::Terraform, IacFormat::TerraformJson, IacFormat::Arm];
/// Firewall rules of every cloud: Terraform, CloudFormation and ARM.
pub(crate) const CLOUD: &[IacFormat] =
    &[IacFormat::Terraform, IacFormat::TerraformJson, IacFormat::CloudFormation, IacFormat::Arm];
/// Kubernetes manifests and the workloads of Terraform's Kubernetes provider (see `tf_kubernetes`).
pub(crate) const KUBERNETES_AND_TERRAFORM: &[IacFormat] =
    &[IacFormat::Kubernetes, IacFormat::Terraform, IacFormat::TerraformJson];
pub(crate) const DOCKERFILE: &[IacFormat] = &[IacFormat::Dockerfile];
pub(crate) const COMPOSE: &[IacFormat] = &[IacFormat::Compose];

/// One check as its file declares it.
pub(crate) struct Check {
    pub info: &'static CheckInfo,
    /// Its place in the registry, and so in `leakgate rules` and the SARIF rule list. A number rather than
    /// file-name order so that checks stay grouped by provider and format, and an added check moves no
    /// other; numbers are spaced by ten so one fits between any two. Two equal numbers fail the build.
    pub order: u16,
    /// The file name `bad` and `good` are linted as by [`super::check_examples`]; it must be detected as one
    /// of the check's formats.
    pub example_path: &'static str,
    pub run: Run,
}

/// A check's entry point per format; `None` where it does not apply. A check runs on exactly the formats
/// its `INFO` lists (a unit test holds the two together).
pub(crate) struct Run {
    /// Terraform and Terraform JSON, once per module.
    pub terraform: Option<fn(&Module, &mut Vec<Hit>)>,
    pub cloudformation: Option<fn(&Template, &mut Vec<Hit>)>,
    pub arm: Option<fn(&ArmTemplate, &mut Vec<Hit>)>,
    /// Once per object that has a pod spec, with that spec.
    pub kubernetes: Option<fn(&Object, &Node, &mut Vec<Hit>)>,
    /// Once per PodSecurityPolicy, with its `spec`.
    pub kubernetes_policy: Option<fn(&Object, &Node, &mut Vec<Hit>)>,
    pub dockerfile: Option<fn(&Dockerfile, &mut Vec<Hit>)>,
    /// Once per service.
    pub compose: Option<fn(&Service, &mut Vec<Hit>)>,
}

impl Run {
    pub const NONE: Run = Run {
        terraform: None,
        cloudformation: None,
        arm: None,
        kubernetes: None,
        kubernetes_policy: None,
        dockerfile: None,
        compose: None,
    };
}

// The `mod` line of every check file, `FILES` (their names) and `BY_FILE` (their `CHECK`s), from build.rs.
include!(concat!(env!("OUT_DIR"), "/iac_checks.rs"));

/// Every check, in declared order.
pub(crate) const REGISTRY: [&Check; BY_FILE.len()] = by_order(BY_FILE);

/// Every check's documentation, in registry order: what `iac::checks()` returns.
pub(crate) static ALL: [CheckInfo; BY_FILE.len()] = infos(&REGISTRY);

/// Sorts by `order` at compile time; equal orders stop the build, since the order would then depend on file
/// names.
const fn by_order<const N: usize>(mut checks: [&'static Check; N]) -> [&'static Check; N] {
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && checks[j - 1].order > checks[j].order {
            let t = checks[j - 1];
            checks[j - 1] = checks[j];
            checks[j] = t;
            j -= 1;
        }
        assert!(j == 0 || checks[j - 1].order != checks[j].order, "two IaC checks declare the same `order`");
        i += 1;
    }
    checks
}

const fn infos<const N: usize>(checks: &[&'static Check; N]) -> [CheckInfo; N] {
    let mut out = [*checks[0].info; N];
    let mut i = 1;
    while i < N {
        out[i] = *checks[i].info;
        i += 1;
    }
    out
}

/// A finding before suppression. `file` indexes the files of a Terraform module (0 for single-file formats).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub check: &'static str,
    pub file: usize,
    pub line: usize,
    pub end_line: usize,
    pub resource: String,
    pub message: String,
    /// Lines of the same file whose markers also govern this finding: the enclosing nested block (an
    /// `ingress` block, a container list item).
    pub anchors: Vec<usize>,
    /// Resource-level markers gathered by the format model.
    pub allow: Vec<String>,
}

impl Hit {
    pub fn new(check: &'static CheckInfo, line: usize, resource: String, message: String) -> Hit {
        Hit {
            check: check.id,
            file: 0,
            line,
            end_line: line,
            resource,
            message,
            anchors: Vec::new(),
            allow: Vec::new(),
        }
    }

    pub fn file(mut self, file: usize) -> Hit {
        self.file = file;
        self
    }

    pub fn end(mut self, end_line: usize) -> Hit {
        self.end_line = end_line.max(self.line);
        self
    }

    pub fn anchor(mut self, line: usize) -> Hit {
        self.anchors.push(line);
        self
    }

    pub fn allow(mut self, allow: &[String]) -> Hit {
        self.allow.extend_from_slice(allow);
        self
    }
}

pub(crate) fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for run in REGISTRY.iter().filter_map(|c| c.run.terraform) {
        run(m, out);
    }
}

pub(crate) fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for run in REGISTRY.iter().filter_map(|c| c.run.cloudformation) {
        run(t, out);
    }
}

pub(crate) fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for run in REGISTRY.iter().filter_map(|c| c.run.arm) {
        run(t, out);
    }
}

/// Every check runs on every object: a manifest whose template directives could change its structure is never
/// linted (see `kubernetes::parse`), so what is absent here is absent after rendering too.
pub(crate) fn kubernetes(objects: &[Object], out: &mut Vec<Hit>) {
    for o in objects {
        if let Some(pod) = &o.pod {
            for run in REGISTRY.iter().filter_map(|c| c.run.kubernetes) {
                run(o, pod, out);
            }
        }
        if let Some(policy) = &o.policy {
            for run in REGISTRY.iter().filter_map(|c| c.run.kubernetes_policy) {
                run(o, policy, out);
            }
        }
    }
}

/// Runs a Kubernetes check over the workloads of Terraform's Kubernetes provider in `m`: the Terraform entry
/// point of every Kubernetes check.
pub(crate) fn kubernetes_in_terraform(m: &Module, check: fn(&Object, &Node, &mut Vec<Hit>), out: &mut Vec<Hit>) {
    for (file, o) in super::tf_kubernetes::objects(m) {
        let Some(pod) = &o.pod else { continue };
        let start = out.len();
        check(&o, pod, out);
        for hit in &mut out[start..] {
            hit.file = file;
        }
    }
}

pub(crate) fn dockerfile(df: &Dockerfile, out: &mut Vec<Hit>) {
    for run in REGISTRY.iter().filter_map(|c| c.run.dockerfile) {
        run(df, out);
    }
}

pub(crate) fn compose(services: &[Service], out: &mut Vec<Hit>) {
    for s in services {
        for run in REGISTRY.iter().filter_map(|c| c.run.compose) {
            run(s, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{IacFormat, ALL, FILES, REGISTRY};

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(c.id.starts_with("iac-"), "{}", c.id);
            assert!(c.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{}", c.id);
            for (field, text) in
                [("title", c.title), ("what", c.what), ("why", c.why), ("fix", c.fix), ("bad", c.bad), ("good", c.good)]
            {
                assert!(!text.trim().is_empty(), "{} has no {field}", c.id);
            }
            assert!(!c.formats.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn registry_lists_every_file_in_the_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/iac/checks");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .filter(|n| n != "mod")
            .collect();
        on_disk.sort();
        assert_eq!(FILES.to_vec(), on_disk, "the generated registry and src/iac/checks/ differ");
        assert_eq!(REGISTRY.len(), FILES.len());
        for (c, info) in REGISTRY.iter().zip(&ALL) {
            assert_eq!(c.info.id, info.id);
        }
        assert!(REGISTRY.windows(2).all(|w| w[0].order < w[1].order), "registry not in declared order");
    }

    #[test]
    fn registry_keeps_the_order_checks_have_always_had() {
        // New checks may go anywhere; these must keep their relative order (`leakgate rules`, SARIF indexes).
        let before = [
            "iac-s3-public-acl",
            "iac-s3-public-access-block-disabled",
            "iac-s3-public-policy",
            "iac-gcs-public-binding",
            "iac-cloudsql-open-network",
            "iac-azure-storage-public",
            "iac-azure-storage-open-network",
            "iac-azure-container-public",
            "iac-db-publicly-accessible",
            "iac-firewall-open-to-world",
            "iac-k8s-run-as-root",
            "iac-k8s-root-uid",
            "iac-k8s-privileged",
            "iac-k8s-privilege-escalation",
            "iac-k8s-host-namespace",
            "iac-k8s-dangerous-capability",
            "iac-docker-root-user",
            "iac-docker-unpinned-base",
            "iac-docker-remote-add",
            "iac-docker-secret-in-env",
            "iac-compose-root-user",
            "iac-compose-privileged",
            "iac-compose-host-namespace",
            "iac-compose-docker-socket",
        ];
        let now: Vec<&str> = ALL.iter().map(|c| c.id).filter(|id| before.contains(id)).collect();
        assert_eq!(now, before);
    }

    #[test]
    fn every_check_runs_on_exactly_its_formats() {
        for c in REGISTRY {
            let has = |f: IacFormat| c.info.formats.contains(&f);
            let r = &c.run;
            let declared = [
                ("terraform", has(IacFormat::Terraform) || has(IacFormat::TerraformJson), r.terraform.is_some()),
                ("cloudformation", has(IacFormat::CloudFormation), r.cloudformation.is_some()),
                ("arm", has(IacFormat::Arm), r.arm.is_some()),
                ("kubernetes", has(IacFormat::Kubernetes), r.kubernetes.is_some() || r.kubernetes_policy.is_some()),
                ("dockerfile", has(IacFormat::Dockerfile), r.dockerfile.is_some()),
                ("compose", has(IacFormat::Compose), r.compose.is_some()),
            ];
            for (format, listed, runs) in declared {
                assert_eq!(listed, runs, "{}: `formats` and `run` disagree on {format}", c.info.id);
            }
            // One Terraform entry point serves both syntaxes.
            assert_eq!(has(IacFormat::Terraform), has(IacFormat::TerraformJson), "{}", c.info.id);
        }
    }
}
