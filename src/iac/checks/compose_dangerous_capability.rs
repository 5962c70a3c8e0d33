//! `iac-compose-dangerous-capability`: a Compose service that adds a capability amounting to root on the host.
//!
//! The same capabilities as `iac-k8s-dangerous-capability`, read from Compose's `cap_add` (a list of names,
//! with or without `CAP_`, any case, as Docker accepts them).
use super::k8s_dangerous_capability::is_dangerous;
use super::{Check, Hit, Run, COMPOSE};
use crate::iac::compose::Service;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-compose-dangerous-capability",
    title: "Compose service adds a dangerous capability",
    severity: Severity::High,
    formats: COMPOSE,
    what: "A service's `cap_add` includes `ALL`, `SYS_ADMIN`, `SYS_MODULE`, `SYS_PTRACE`, `SYS_RAWIO`, \
           `SYS_BOOT`, `NET_ADMIN`, `DAC_READ_SEARCH` or `BPF` (with or without the `CAP_` prefix).",
    why: "Docker drops these capabilities by default because each opens a way out of the container: mounting \
          filesystems (`SYS_ADMIN`), loading kernel modules (`SYS_MODULE`), tracing host-visible processes \
          (`SYS_PTRACE`), reading host files by handle (`DAC_READ_SEARCH`); `ALL` is `privileged` in all but \
          name.",
    fix: "Remove the capability, start from `cap_drop: [ALL]` and add back only narrow ones the service needs, \
          such as `NET_BIND_SERVICE`.",
    bad: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    cap_add:\n      - SYS_ADMIN",
    good: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    cap_drop: [ALL]\n    cap_add:\n      - NET_BIND_SERVICE",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 250, example_path: "compose.yaml", run: Run { compose: Some(check), ..Run::NONE } };

pub fn check(s: &Service, out: &mut Vec<Hit>) {
    for cap in s.node.all("cap_add") {
        let Some(name) = cap.as_str() else { continue };
        if is_dangerous(name) {
            out.push(
                Hit::new(&INFO, cap.line, format!("service {}", s.name), format!("cap_add adds {}", name.trim()))
                    .allow(&s.allow),
            );
        }
    }
}
