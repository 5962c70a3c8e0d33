//! `iac-compose-host-namespace`: a Compose service sharing the host's network, process or IPC namespace.
use super::{Check, Hit, Run, COMPOSE};
use crate::iac::compose::Service;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-compose-host-namespace",
    title: "Compose service shares a host namespace",
    severity: Severity::Medium,
    formats: COMPOSE,
    what: "A service sets `network_mode: host`, `pid: host` or `ipc: host`.",
    why: "`network_mode: host` removes network isolation: the service binds directly on the host's interfaces \
          (every port it opens is exposed) and reaches services that listen only on the host's localhost. \
          `pid: host` and `ipc: host` let it see and signal every host process or read host shared memory.",
    fix: "Use the default bridge network and publish only the ports needed with `ports:`; drop `pid`/`ipc: host`.",
    bad: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    network_mode: host",
    good: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    ports: [\"127.0.0.1:8080:8080\"]",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 230, example_path: "compose.yaml", run: Run { compose: Some(check), ..Run::NONE } };

pub fn check(s: &Service, out: &mut Vec<Hit>) {
    for field in ["network_mode", "pid", "ipc"] {
        let Some((key, v)) = s.node.entry(field) else {
            continue;
        };
        if v.as_str() == Some("host") {
            out.push(
                Hit::new(&INFO, key.line, format!("service {}", s.name), format!("{field} is host")).allow(&s.allow),
            );
        }
    }
}
