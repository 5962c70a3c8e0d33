//! `iac-k8s-dangerous-capability`: a container that adds a capability amounting to root on the node.
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::{containers, Object};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-dangerous-capability",
    title: "Container adds a dangerous capability",
    severity: Severity::High,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "A container's `securityContext.capabilities.add` includes `ALL`, `SYS_ADMIN`, `SYS_MODULE`, \
           `SYS_PTRACE`, `SYS_RAWIO`, `SYS_BOOT`, `NET_ADMIN`, `DAC_READ_SEARCH` or `BPF` (with or without the \
           `CAP_` prefix, any case).",
    why: "`SYS_ADMIN` allows mounting filesystems and many other escape paths, `SYS_MODULE` loads kernel code, \
          `SYS_PTRACE` reads and injects into other processes, `SYS_RAWIO` and `BPF` reach kernel memory and \
          devices, `DAC_READ_SEARCH` opens host files by handle, `NET_ADMIN` rewrites the network the node \
          shares, and `ALL` grants every capability: each is close to running privileged.",
    fix: "Drop all capabilities (`drop: [\"ALL\"]`) and add back only narrow ones the workload needs, such as \
          `NET_BIND_SERVICE`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        capabilities:\n          add: [\"SYS_ADMIN\"]",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        capabilities:\n          drop: [\"ALL\"]\n          add: [\"NET_BIND_SERVICE\"]",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 160,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

/// Capabilities that amount to (or lead straight to) root on the host, bare names as capabilities(7) lists them.
/// Shared with `iac-compose-dangerous-capability`.
pub const DANGEROUS: &[&str] =
    &["ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "SYS_BOOT", "NET_ADMIN", "DAC_READ_SEARCH", "BPF"];

/// Whether a capability as written (`SYS_ADMIN`, `cap_sys_admin`, ` ALL `) is one of [`DANGEROUS`].
pub fn is_dangerous(name: &str) -> bool {
    let upper = name.trim().to_ascii_uppercase();
    DANGEROUS.contains(&upper.strip_prefix("CAP_").unwrap_or(&upper))
}

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    for c in containers(pod) {
        let Some(caps) = c.security("capabilities") else {
            continue;
        };
        for cap in caps.all("add") {
            let Some(name) = cap.as_str() else { continue };
            if is_dangerous(name) {
                out.push(
                    Hit::new(
                        &INFO,
                        cap.line,
                        format!("{} {} {}", o.resource(), c.section, c.name),
                        format!("adds capability {name}"),
                    )
                    .anchor(c.node.line)
                    .allow(&o.allow),
                );
            }
        }
    }
}

/// The same check on the workloads of Terraform's Kubernetes provider.
pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    super::kubernetes_in_terraform(m, check, out);
}
