//! `iac-k8s-root-uid`: a container explicitly set to run as uid 0.
use super::k8s_run_as_root::{effective, is_windows};
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::{containers, Object};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-root-uid",
    title: "Container runs as uid 0",
    severity: Severity::High,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "The effective `runAsUser` of a container is 0 — set on the container, or on the pod and not \
           overridden by the container.",
    why: "The container's processes run as root: a container escape or kernel bug becomes root on the node, and \
          the process can rewrite its own binaries and configuration.",
    fix: "Use a non-zero `runAsUser` (for example 10001) together with `runAsNonRoot: true`, and give the image a \
          matching non-root user.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        runAsUser: 0",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 120,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    if is_windows(pod) {
        return;
    }
    for c in containers(pod) {
        let Some(user) = effective(&c, pod, "runAsUser") else {
            continue;
        };
        if user.as_i64() == Some(0) {
            let from = if c.security("runAsUser").is_some() { "container" } else { "pod" };
            out.push(
                Hit::new(
                    &INFO,
                    user.line,
                    format!("{} {} {}", o.resource(), c.section, c.name),
                    format!("runAsUser is 0 (set on the {from})"),
                )
                .anchor(c.node.line)
                .allow(&o.allow),
            );
        }
    }
}

/// The same check on the workloads of Terraform's Kubernetes provider.
pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    super::kubernetes_in_terraform(m, check, out);
}
