//! `iac-k8s-privileged`: a privileged container.
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::{containers, Object};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-privileged",
    title: "Privileged container",
    severity: Severity::Critical,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "A container's `securityContext.privileged` is true.",
    why: "A privileged container has every capability and access to all host devices; escaping to the node is \
          trivial (mount the host disk, load a kernel module), so it is equivalent to root on the node.",
    fix: "Remove `privileged: true`. Grant only the specific capability the workload needs, or move node-level \
          work to a purpose-built, reviewed DaemonSet marked with `# leakgate:allow iac-k8s-privileged <reason>`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        privileged: true",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        privileged: false\n        capabilities:\n          drop: [\"ALL\"]",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 130,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    for c in containers(pod) {
        let Some(p) = c.security("privileged") else {
            continue;
        };
        if p.as_bool() == Some(true) {
            out.push(
                Hit::new(
                    &INFO,
                    p.line,
                    format!("{} {} {}", o.resource(), c.section, c.name),
                    "privileged is true".to_string(),
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
