//! `iac-k8s-run-as-root`: a container nothing stops from running as root.
//!
//! Kubernetes resolves `runAsNonRoot` and `runAsUser` per container: a value in the container's
//! `securityContext` wins over the pod's `securityContext`. The container may run as root unless the effective
//! `runAsNonRoot` is true or the effective `runAsUser` is non-zero. An explicit `runAsUser: 0` is the separate
//! check `iac-k8s-root-uid`.
use super::docker_root_user::nonroot_image;
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::{containers, Container, Object};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-run-as-root",
    title: "Container may run as root",
    severity: Severity::Medium,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "A container whose effective `runAsNonRoot` (container `securityContext`, else pod `securityContext`) \
           is not true and whose effective `runAsUser` is not set, so it runs as whatever user the image \
           declares — root for most images (distroless `:nonroot` images are known not to).",
    why: "A process running as root inside the container turns any container escape or kernel bug into root on \
          the node, and can modify everything in its own filesystem.",
    fix: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod's `securityContext` (containers inherit \
          it), and build the image with a non-root `USER`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 110,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

/// A container's effective security setting: its own if set, else the pod's.
pub fn effective<'a>(c: &Container<'a>, pod: &'a Node, field: &str) -> Option<&'a Node> {
    c.security(field).or_else(|| pod.get("securityContext").and_then(|s| s.get(field)))
}

/// Windows pods take their user from `windowsOptions`; the Linux user fields do not apply.
pub fn is_windows(pod: &Node) -> bool {
    pod.get("os").and_then(|o| o.get("name")).and_then(Node::as_str) == Some("windows")
}

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    if is_windows(pod) {
        return;
    }
    for c in containers(pod) {
        let non_root = effective(&c, pod, "runAsNonRoot");
        let user = effective(&c, pod, "runAsUser");
        if non_root.is_some_and(Node::is_unknown) || user.is_some_and(Node::is_unknown) {
            continue;
        }
        if non_root.and_then(Node::as_bool) == Some(true) || user.is_some() {
            continue; // non-root enforced, or an explicit user (uid 0 is iac-k8s-root-uid's)
        }
        let image = c.node.get("image").and_then(Node::as_str);
        if non_root.is_none() && image.is_some_and(nonroot_image) {
            continue; // the image itself declares a non-root user
        }
        let (line, msg) = match non_root {
            Some(n) => (n.line, "runAsNonRoot is false and no runAsUser is set".to_string()),
            None => {
                (c.node.line, "neither the container nor the pod sets runAsNonRoot: true or a runAsUser".to_string())
            }
        };
        out.push(
            Hit::new(&INFO, line, format!("{} {} {}", o.resource(), c.section, c.name), msg)
                .end(c.node.end_line)
                .anchor(c.node.line)
                .allow(&o.allow),
        );
    }
}

/// The same check on the workloads of Terraform's Kubernetes provider.
pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    super::kubernetes_in_terraform(m, check, out);
}
