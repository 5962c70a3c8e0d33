//! `iac-k8s-privilege-escalation`: a container that may gain more privileges than its parent process.
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::{containers, Object};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-privilege-escalation",
    title: "Container allows privilege escalation",
    severity: Severity::Medium,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "A container's `securityContext.allowPrivilegeEscalation` is true or not set (Kubernetes then allows \
           it). The setting exists only on containers; the pod cannot set it for them.",
    why: "Without `no_new_privs`, a setuid binary or file capability inside the image can raise a compromised \
          process to root within the container, the first step of most container escapes.",
    fix: "Set `allowPrivilegeEscalation: false` in every container's `securityContext`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        allowPrivilegeEscalation: false",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 140,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    for c in containers(pod) {
        let (line, msg) = match c.security("allowPrivilegeEscalation") {
            Some(v) if v.as_bool() == Some(true) => (v.line, "allowPrivilegeEscalation is true"),
            Some(_) => continue, // false, or unknown: not guessed
            None => (c.node.line, "allowPrivilegeEscalation is not set to false (it defaults to true)"),
        };
        out.push(
            Hit::new(&INFO, line, format!("{} {} {}", o.resource(), c.section, c.name), msg.to_string())
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
