//! The check registry and the per-format runners. Each check lives in its own file with its documentation
//! (`INFO`: what, why, fix, a bad and a good example) next to its logic, and exposes one function per format it
//! understands; this file lists them once, so `leakgate rules`, SARIF help and the README all read the same
//! metadata.
use super::cloudformation::Template;
use super::compose::Service;
use super::dockerfile::Dockerfile;
use super::kubernetes::Object;
use super::terraform::Module;
use super::{CheckInfo, IacFormat};

pub mod azure_container_public;
pub mod azure_storage_open_network;
pub mod azure_storage_public;
pub mod cloudsql_open_network;
pub mod compose_docker_socket;
pub mod compose_host_namespace;
pub mod compose_privileged;
pub mod compose_root_user;
pub mod db_publicly_accessible;
pub mod docker_remote_add;
pub mod docker_root_user;
pub mod docker_secret_in_env;
pub mod docker_unpinned_base;
pub mod firewall_open_to_world;
pub mod gcs_public_binding;
pub mod k8s_dangerous_capability;
pub mod k8s_host_namespace;
pub mod k8s_privilege_escalation;
pub mod k8s_privileged;
pub mod k8s_root_uid;
pub mod k8s_run_as_root;
pub mod s3_public_access_block_disabled;
pub mod s3_public_acl;
pub mod s3_public_policy;

pub(crate) const TERRAFORM: &[IacFormat] = &[IacFormat::Terraform, IacFormat::TerraformJson];
pub(crate) const AWS: &[IacFormat] = &[IacFormat::Terraform, IacFormat::TerraformJson, IacFormat::CloudFormation];
pub(crate) const KUBERNETES: &[IacFormat] = &[IacFormat::Kubernetes];
pub(crate) const DOCKERFILE: &[IacFormat] = &[IacFormat::Dockerfile];
pub(crate) const COMPOSE: &[IacFormat] = &[IacFormat::Compose];

pub(crate) static ALL: &[CheckInfo] = &[
    s3_public_acl::INFO,
    s3_public_access_block_disabled::INFO,
    s3_public_policy::INFO,
    gcs_public_binding::INFO,
    cloudsql_open_network::INFO,
    azure_storage_public::INFO,
    azure_storage_open_network::INFO,
    azure_container_public::INFO,
    db_publicly_accessible::INFO,
    firewall_open_to_world::INFO,
    k8s_run_as_root::INFO,
    k8s_root_uid::INFO,
    k8s_privileged::INFO,
    k8s_privilege_escalation::INFO,
    k8s_host_namespace::INFO,
    k8s_dangerous_capability::INFO,
    docker_root_user::INFO,
    docker_unpinned_base::INFO,
    docker_remote_add::INFO,
    docker_secret_in_env::INFO,
    compose_root_user::INFO,
    compose_privileged::INFO,
    compose_host_namespace::INFO,
    compose_docker_socket::INFO,
];

/// A finding before suppression. `file` indexes the files of a Terraform module (0 for single-file formats).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub check: &'static str,
    pub file: usize,
    pub line: usize,
    pub end_line: usize,
    pub resource: String,
    pub message: String,
    /// Lines of the same file whose markers also govern this finding: the enclosing nested block (an
    /// `ingress` block, a container list item).
    pub anchors: Vec<usize>,
    /// Resource-level markers gathered by the format model.
    pub allow: Vec<String>,
}

impl Hit {
    pub fn new(check: &'static CheckInfo, line: usize, resource: String, message: String) -> Hit {
        Hit {
            check: check.id,
            file: 0,
            line,
            end_line: line,
            resource,
            message,
            anchors: Vec::new(),
            allow: Vec::new(),
        }
    }

    pub fn file(mut self, file: usize) -> Hit {
        self.file = file;
        self
    }

    pub fn end(mut self, end_line: usize) -> Hit {
        self.end_line = end_line.max(self.line);
        self
    }

    pub fn anchor(mut self, line: usize) -> Hit {
        self.anchors.push(line);
        self
    }

    pub fn allow(mut self, allow: &[String]) -> Hit {
        self.allow.extend_from_slice(allow);
        self
    }
}

pub(crate) fn terraform(m: &Module, out: &mut Vec<Hit>) {
    s3_public_acl::terraform(m, out);
    s3_public_access_block_disabled::terraform(m, out);
    s3_public_policy::terraform(m, out);
    gcs_public_binding::terraform(m, out);
    cloudsql_open_network::terraform(m, out);
    azure_storage_public::terraform(m, out);
    azure_storage_open_network::terraform(m, out);
    azure_container_public::terraform(m, out);
    db_publicly_accessible::terraform(m, out);
    firewall_open_to_world::terraform(m, out);
}

pub(crate) fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    s3_public_acl::cloudformation(t, out);
    s3_public_access_block_disabled::cloudformation(t, out);
    s3_public_policy::cloudformation(t, out);
    db_publicly_accessible::cloudformation(t, out);
    firewall_open_to_world::cloudformation(t, out);
}

/// `templated`: the file holds `{{ }}` template directives, so an absent setting may be filled in at render
/// time; checks that fire on absence stay silent.
pub(crate) fn kubernetes(objects: &[Object], templated: bool, out: &mut Vec<Hit>) {
    for o in objects {
        let Some(pod) = &o.pod else { continue };
        if !templated {
            k8s_run_as_root::check(o, pod, out);
            k8s_privilege_escalation::check(o, pod, out);
        }
        k8s_root_uid::check(o, pod, out);
        k8s_privileged::check(o, pod, out);
        k8s_host_namespace::check(o, pod, out);
        k8s_dangerous_capability::check(o, pod, out);
    }
}

pub(crate) fn dockerfile(df: &Dockerfile, out: &mut Vec<Hit>) {
    docker_root_user::check(df, out);
    docker_unpinned_base::check(df, out);
    docker_remote_add::check(df, out);
    docker_secret_in_env::check(df, out);
}

pub(crate) fn compose(services: &[Service], out: &mut Vec<Hit>) {
    for s in services {
        compose_root_user::check(s, out);
        compose_privileged::check(s, out);
        compose_host_namespace::check(s, out);
        compose_docker_socket::check(s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(c.id.starts_with("iac-"), "{}", c.id);
            assert!(c.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{}", c.id);
            for (field, text) in
                [("title", c.title), ("what", c.what), ("why", c.why), ("fix", c.fix), ("bad", c.bad), ("good", c.good)]
            {
                assert!(!text.trim().is_empty(), "{} has no {field}", c.id);
            }
            assert!(!c.formats.is_empty(), "{}", c.id);
        }
    }
}
