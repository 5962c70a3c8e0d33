//! Workloads of Terraform's Kubernetes provider (`kubernetes_pod`, `kubernetes_deployment`,
//! `kubernetes_stateful_set`, `kubernetes_daemonset`/`kubernetes_daemon_set`, `kubernetes_job`,
//! `kubernetes_cron_job`, `kubernetes_replication_controller`, and their `_v1` forms) lowered to the same
//! [`Object`]s a manifest gives, so the Kubernetes checks judge them unchanged.
//!
//! The provider writes the pod spec in blocks (`spec { template { spec { container { … } } } }`) with
//! snake_case names; the pod spec is renamed key by key to the manifest's names (`container` → `containers`,
//! `security_context` → `securityContext`, `host_pid` → `hostPID`, …). Repeated `container` blocks stay
//! repeated entries, which [`Node::all`] reads as one list. Lines are the Terraform file's.
use super::kubernetes::Object;
use super::node::{Key, Node, Val};
use super::terraform::Module;

/// Where each workload type keeps its pod spec, as a path of block names below the resource body.
fn pod_path(rtype: &str) -> Option<&'static [&'static str]> {
    let base = rtype.strip_suffix("_v1").unwrap_or(rtype);
    Some(match base {
        "kubernetes_pod" => &["spec"],
        "kubernetes_deployment"
        | "kubernetes_stateful_set"
        | "kubernetes_daemonset"
        | "kubernetes_daemon_set"
        | "kubernetes_job"
        | "kubernetes_replication_controller"
        | "kubernetes_replica_set" => &["spec", "template", "spec"],
        "kubernetes_cron_job" => &["spec", "job_template", "spec", "template", "spec"],
        "kubernetes_pod_template" => &["template", "spec"],
        _ => return None,
    })
}

/// The manifest name of a provider attribute or block.
fn manifest_name(name: &str) -> String {
    match name {
        "container" => return "containers".to_string(),
        "init_container" => return "initContainers".to_string(),
        "ephemeral_container" => return "ephemeralContainers".to_string(),
        "host_pid" => return "hostPID".to_string(),
        "host_ipc" => return "hostIPC".to_string(),
        _ => {}
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn renamed(n: &Node) -> Node {
    let mut out = n.clone();
    out.val = match &n.val {
        Val::Map(entries) => Val::Map(
            entries.iter().map(|(k, v)| (Key { name: manifest_name(&k.name), line: k.line }, renamed(v))).collect(),
        ),
        Val::Seq(items) => Val::Seq(items.iter().map(renamed).collect()),
        other => other.clone(),
    };
    out
}

/// Every workload of the module as an object (with its Terraform file index), in module order.
pub fn objects(m: &Module) -> Vec<(usize, Object)> {
    let mut out = Vec::new();
    for r in m.blocks.iter().filter(|b| !b.is_data) {
        let Some(path) = pod_path(&r.rtype) else { continue };
        let mut pod = Some(&r.body);
        for step in path {
            pod = pod.and_then(|p| p.all(step).next());
        }
        let Some(pod) = pod.filter(|p| p.is_map()) else { continue };
        out.push((
            r.file,
            Object {
                kind: r.rtype.clone(),
                name: r.name.clone(),
                allow: r.allow.clone(),
                pod: Some(renamed(pod)),
                policy: None,
                address: Some(r.address()),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::kubernetes::containers;

    #[test]
    fn workloads_become_pod_specs_with_manifest_names() {
        let src = r#"
resource "kubernetes_cron_job_v1" "backup" {
  metadata { name = "backup" }
  spec {
    schedule = "0 1 * * *"
    job_template {
      metadata {}
      spec {
        template {
          metadata {}
          spec {
            host_pid = true
            security_context {
              run_as_non_root = true
            }
            init_container {
              name = "init"
            }
            container {
              name = "a"
              security_context {
                allow_privilege_escalation = false
              }
            }
            container {
              name = "b"
            }
          }
        }
      }
    }
  }
}
resource "kubernetes_config_map" "c" {
  metadata { name = "c" }
}
"#;
        let (m, errors) = crate::iac::terraform::build(&[(src, false)]);
        assert!(errors.is_empty());
        let objs = objects(&m);
        assert_eq!(objs.len(), 1);
        let o = &objs[0].1;
        assert_eq!(o.resource(), "kubernetes_cron_job_v1.backup");
        let pod = o.pod.as_ref().unwrap();
        assert_eq!(pod.get("hostPID").and_then(Node::as_bool), Some(true));
        let names: Vec<String> = containers(pod).iter().map(|c| c.name.clone()).collect();
        assert_eq!(names, ["init", "a", "b"]);
        let a = &containers(pod)[1];
        assert_eq!(a.security("allowPrivilegeEscalation").and_then(Node::as_bool), Some(false));
        assert_eq!(pod.get("securityContext").unwrap().get("runAsNonRoot").and_then(Node::as_bool), Some(true));
    }
}
