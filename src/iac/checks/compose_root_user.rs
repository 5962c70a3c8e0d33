//! `iac-compose-root-user`: a Compose service explicitly set to run as root.
use super::{Check, Hit, Run, COMPOSE};
use crate::iac::compose::Service;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-compose-root-user",
    title: "Compose service runs as root",
    severity: Severity::Medium,
    formats: COMPOSE,
    what: "A service sets `user: root`, `user: \"0\"`, `user: 0` or a `root`/`0` user with any group (`0:0`).",
    why: "The service's processes run as root inside the container, overriding a non-root `USER` the image may \
          have; a compromise of the service is then root in the container and closer to the host.",
    fix: "Run as an unprivileged user (`user: \"10001:10001\"`), or remove `user:` and rely on the image's \
          non-root `USER`.",
    bad: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    user: root",
    good: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    user: \"10001:10001\"",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 210, example_path: "compose.yaml", run: Run { compose: Some(check), ..Run::NONE } };

pub fn check(s: &Service, out: &mut Vec<Hit>) {
    let Some((key, v)) = s.node.entry("user") else {
        return;
    };
    let Some(user) = v.as_text() else { return };
    let name = user.split(':').next().unwrap_or("").trim();
    if name == "root" || name == "0" {
        out.push(Hit::new(&INFO, key.line, format!("service {}", s.name), format!("user is {user}")).allow(&s.allow));
    }
}
