//! `iac-compose-privileged`: a privileged Compose service.
use super::{Check, Hit, Run, COMPOSE};
use crate::iac::compose::Service;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-compose-privileged",
    title: "Compose service is privileged",
    severity: Severity::Critical,
    formats: COMPOSE,
    what: "A service sets `privileged: true`.",
    why: "A privileged container gets every capability and all host devices, so anyone who compromises the \
          service controls the host.",
    fix: "Remove `privileged: true` and grant only the capabilities the service needs with `cap_add`, after \
          `cap_drop: [ALL]`.",
    bad: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    privileged: true",
    good: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    cap_drop: [ALL]",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 220, example_path: "compose.yaml", run: Run { compose: Some(check), ..Run::NONE } };

pub fn check(s: &Service, out: &mut Vec<Hit>) {
    let Some((key, v)) = s.node.entry("privileged") else {
        return;
    };
    if v.as_bool() == Some(true) {
        out.push(
            Hit::new(&INFO, key.line, format!("service {}", s.name), "privileged is true".to_string()).allow(&s.allow),
        );
    }
}
