//! `iac-k8s-host-namespace`: a pod that shares the node's process, IPC or network namespace.
use super::{Check, Hit, Run, KUBERNETES_AND_TERRAFORM};
use crate::iac::kubernetes::Object;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-host-namespace",
    title: "Pod shares a host namespace",
    severity: Severity::High,
    formats: KUBERNETES_AND_TERRAFORM,
    what: "A pod spec sets `hostPID`, `hostIPC` or `hostNetwork` to true.",
    why: "`hostPID` lets the pod see and signal (and with ptrace, inspect) every process on the node; `hostIPC` \
          exposes the node's shared memory; `hostNetwork` binds to the node's interfaces, bypasses network \
          policies and reaches services listening on localhost, such as the kubelet and cloud metadata.",
    fix: "Remove the setting. Node agents that truly need it (CNI, monitoring) should be reviewed and marked: \
          `# leakgate:allow iac-k8s-host-namespace <reason>`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 150,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), terraform: Some(terraform), ..Run::NONE },
};

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    for field in ["hostPID", "hostIPC", "hostNetwork"] {
        let Some((key, v)) = pod.entry(field) else {
            continue;
        };
        if v.as_bool() == Some(true) {
            out.push(Hit::new(&INFO, key.line, o.resource(), format!("{field} is true")).allow(&o.allow));
        }
    }
}

/// The same check on the workloads of Terraform's Kubernetes provider.
pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    super::kubernetes_in_terraform(m, check, out);
}
