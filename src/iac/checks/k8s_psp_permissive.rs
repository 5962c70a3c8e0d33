//! `iac-k8s-psp-permissive`: a PodSecurityPolicy that admits privileged or root pods.
//!
//! A PodSecurityPolicy (`policy/v1beta1`, removed in Kubernetes 1.25 but still deployed on older clusters) does
//! not run anything itself: it decides which pods the admission controller lets in. So each setting is judged
//! for what it admits, and a missing `allowPrivilegeEscalation` counts, since the API defaults it to true.
//! `runAsUser` is required by the API; a policy without it is invalid and not reported here.
use super::{Check, Hit, Run};
use crate::iac::kubernetes::Object;
use crate::iac::node::Node;
use crate::iac::{CheckInfo, IacFormat};
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-psp-permissive",
    title: "PodSecurityPolicy admits privileged or root pods",
    severity: Severity::High,
    formats: &[IacFormat::Kubernetes],
    what: "A `PodSecurityPolicy` sets `privileged: true`, shares a host namespace (`hostPID`, `hostIPC`, \
           `hostNetwork`), allows privilege escalation (`allowPrivilegeEscalation: true` or not set, which \
           defaults to true), or lets containers run as root (`runAsUser.rule: RunAsAny`, or `MustRunAs` with a \
           range that starts at 0).",
    why: "Every pod the policy covers may then do what the policy allows: anyone who can create a pod in those \
          namespaces can start a privileged or root container and take over the node.",
    fix: "Set `privileged: false`, `allowPrivilegeEscalation: false`, leave the host namespaces off and use \
          `runAsUser: {rule: MustRunAsNonRoot}`; keep a permissive policy only for system namespaces, bound to \
          their service accounts, and mark it with `# leakgate:allow iac-k8s-psp-permissive <reason>`.",
    bad: "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: anything\nspec:\n  privileged: true\n  allowPrivilegeEscalation: true\n  runAsUser:\n    rule: RunAsAny\n  seLinux:\n    rule: RunAsAny\n  supplementalGroups:\n    rule: RunAsAny\n  fsGroup:\n    rule: RunAsAny",
    good: "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: restricted\nspec:\n  privileged: false\n  allowPrivilegeEscalation: false\n  runAsUser:\n    rule: MustRunAsNonRoot\n  seLinux:\n    rule: RunAsAny\n  supplementalGroups:\n    rule: MustRunAs\n    ranges: [{min: 1, max: 65535}]\n  fsGroup:\n    rule: MustRunAs\n    ranges: [{min: 1, max: 65535}]",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 165,
    example_path: "psp.yaml",
    run: Run { kubernetes_policy: Some(check), ..Run::NONE },
};

/// What `runAsUser` admits, if it admits uid 0: the line and the reason.
fn root_allowed(spec: &Node) -> Option<(usize, String)> {
    let run_as = spec.get("runAsUser")?;
    let (key, rule) = run_as.entry("rule")?;
    match rule.as_str()? {
        "RunAsAny" => Some((key.line, "runAsUser.rule is RunAsAny (containers may run as root)".to_string())),
        "MustRunAs" => {
            let zero = run_as.all("ranges").find(|r| r.get("min").and_then(Node::as_i64) == Some(0))?;
            Some((zero.line, "runAsUser.rule MustRunAs admits uid 0 (a range starts at 0)".to_string()))
        }
        _ => None,
    }
}

pub fn check(o: &Object, spec: &Node, out: &mut Vec<Hit>) {
    let mut found: Vec<(usize, String)> = Vec::new();
    for field in ["privileged", "hostPID", "hostIPC", "hostNetwork"] {
        if let Some((key, v)) = spec.entry(field) {
            if v.as_bool() == Some(true) {
                found.push((key.line, format!("{field} is true")));
            }
        }
    }
    match spec.entry("allowPrivilegeEscalation") {
        Some((key, v)) if v.as_bool() == Some(true) => {
            found.push((key.line, "allowPrivilegeEscalation is true".into()))
        }
        Some(_) => {}
        None => found.push((spec.line, "allowPrivilegeEscalation is not set (it defaults to true)".into())),
    }
    found.extend(root_allowed(spec));
    for (line, message) in found {
        out.push(Hit::new(&INFO, line, o.resource(), message).end(spec.end_line).allow(&o.allow));
    }
}
