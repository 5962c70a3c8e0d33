//! `iac-k8s-dangerous-capability`: a container that adds a capability amounting to root on the node.
use super::{Check, Hit, Run, KUBERNETES};
use crate::iac::kubernetes::{containers, Object};
use crate::iac::node::Node;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-k8s-dangerous-capability",
    title: "Container adds a dangerous capability",
    severity: Severity::High,
    formats: KUBERNETES,
    what: "A container's `securityContext.capabilities.add` includes `SYS_ADMIN`, `SYS_MODULE` or `ALL` (with or \
           without the `CAP_` prefix).",
    why: "`SYS_ADMIN` allows mounting filesystems and many other escape paths, `SYS_MODULE` loads kernel code, \
          and `ALL` grants every capability: each is close to running privileged.",
    fix: "Drop all capabilities (`drop: [\"ALL\"]`) and add back only narrow ones the workload needs, such as \
          `NET_BIND_SERVICE`.",
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        capabilities:\n          add: [\"SYS_ADMIN\"]",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n      securityContext:\n        capabilities:\n          drop: [\"ALL\"]\n          add: [\"NET_BIND_SERVICE\"]",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 160,
    example_path: "pod.yaml",
    run: Run { kubernetes: Some(check), ..Run::NONE },
};

const DANGEROUS: &[&str] = &["SYS_ADMIN", "SYS_MODULE", "ALL"];

pub fn check(o: &Object, pod: &Node, out: &mut Vec<Hit>) {
    for c in containers(pod) {
        let Some(caps) = c.security("capabilities") else {
            continue;
        };
        for cap in caps.all("add") {
            let Some(name) = cap.as_str() else { continue };
            let upper = name.trim().to_ascii_uppercase();
            let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
            if DANGEROUS.contains(&bare) {
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
