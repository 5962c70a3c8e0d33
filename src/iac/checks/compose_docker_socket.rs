//! `iac-compose-docker-socket`: a Compose service with the host's Docker socket mounted.
use super::{Check, Hit, Run, COMPOSE};
use crate::iac::compose::Service;
use crate::iac::node::Node;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-compose-docker-socket",
    title: "Docker socket mounted into a container",
    severity: Severity::High,
    formats: COMPOSE,
    what: "A service's `volumes` bind-mounts the host's `docker.sock` (`/var/run/docker.sock`), in the short \
           (`/var/run/docker.sock:/var/run/docker.sock`) or long (`source: /var/run/docker.sock`) syntax, \
           read-only or not.",
    why: "Whoever can talk to the Docker socket can start a privileged container that mounts the host's root \
          filesystem: it is root on the host. A `:ro` mount does not help — it only stops the socket file from \
          being replaced, not API calls.",
    fix: "Do not mount the socket. If a tool really needs the Docker API, put a filtering proxy in front of it \
          that allows only the calls it needs, and mark the service with its reason.",
    bad: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock",
    good: "services:\n  app:\n    image: registry.example.com/app:1.4.2\n    volumes:\n      - ./data:/data",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 240, example_path: "compose.yaml", run: Run { compose: Some(check), ..Run::NONE } };

/// The host side of a short-syntax volume: the first `:`-separated part (kept whole if it is `${…}`).
fn short_source(spec: &str) -> &str {
    if spec.starts_with("${") {
        if let Some(end) = spec.find('}') {
            return &spec[..=end];
        }
    }
    spec.split(':').next().unwrap_or(spec)
}

fn is_socket(host_path: &str) -> bool {
    host_path.trim().trim_end_matches('/').ends_with("docker.sock")
}

pub fn check(s: &Service, out: &mut Vec<Hit>) {
    for v in s.node.all("volumes") {
        let hit: Option<&Node> = match v.as_str() {
            Some(spec) => is_socket(short_source(spec)).then_some(v),
            None => v.get("source").filter(|src| src.as_str().is_some_and(is_socket)),
        };
        if let Some(n) = hit {
            out.push(
                Hit::new(
                    &INFO,
                    n.line,
                    format!("service {}", s.name),
                    format!("mounts the Docker socket {}", n.as_str().map(short_source).unwrap_or_default()),
                )
                .anchor(v.line)
                .allow(&s.allow),
            );
        }
    }
}
