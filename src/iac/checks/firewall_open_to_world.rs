//! `iac-firewall-open-to-world`: an ingress rule that lets the whole internet reach SSH, RDP, a database port
//! or every port.
//!
//! Rules are normalised by `iac::ingress` to (world source, protocol, port ranges) before judging, so AWS
//! security groups (inline `ingress`, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`,
//! CloudFormation), GCP firewalls and Azure network security rules (Terraform and ARM) share one verdict. A range that merely contains a sensitive port counts
//! (`0-65535`, `3000-4000` holds 3306 and 3389). 80 and 443 alone are `iac-firewall-web-open-to-world`'s.
use super::{Check, Hit, Run, CLOUD};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::cloudformation::Template;
use crate::iac::ingress::{self, Ingress, Ports};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-firewall-open-to-world",
    title: "Firewall allows the internet to reach an admin or database port",
    severity: Severity::High,
    formats: CLOUD,
    what: "An ingress rule (AWS security group, security group rule or ingress rule, GCP `google_compute_firewall`, \
           Azure network security rule in Terraform or an ARM template, CloudFormation `SecurityGroupIngress`) allows the whole internet (any `/0` \
           block, IPv4 or IPv6; Azure's `*`, `Internet` and `Any`) to all \
           ports or protocols, or to a port range containing SSH (22), RDP (3389), a database port (3306, 5432, \
           1433, 1521, 27017, 6379, 9200, 5984, 11211, …) or an admin port (Telnet, FTP, SMB, VNC, the Docker \
           and Kubernetes APIs, kubelet, etcd, Kibana).",
    why: "Internet-wide scanners find an open SSH, RDP or database port within minutes and start brute-forcing \
          credentials or exploiting the service; an all-ports rule exposes everything the host listens on.",
    fix: "Restrict the source to known address ranges (office VPN, bastion security group), or remove the \
          rule and use a session manager (AWS SSM, GCP IAP) for administration.",
    bad: "resource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}",
    good: "resource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.20.0.0/16\"]\n  }\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 100,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), arm: Some(arm), ..Run::NONE },
};

/// Ports that must never face the internet: remote administration, databases and caches, cluster control
/// planes. From each service's documented default port.
pub const SENSITIVE: &[(i64, &str)] = &[
    (20, "FTP data"),
    (21, "FTP"),
    (22, "SSH"),
    (23, "Telnet"),
    (135, "MS RPC"),
    (139, "NetBIOS"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2375, "Docker API"),
    (2376, "Docker API (TLS)"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5601, "Kibana"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (6443, "Kubernetes API"),
    (7000, "Cassandra"),
    (9042, "Cassandra CQL"),
    (9200, "Elasticsearch"),
    (9300, "Elasticsearch transport"),
    (10250, "kubelet"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

/// What a rule exposes, or `None` if nothing sensitive.
pub fn exposure(ports: &Ports) -> Option<String> {
    if let Ports::AllProtocols = ports {
        return Some("all ports (all protocols)".to_string());
    }
    if ports.is_every_port() {
        return Some("all ports".to_string());
    }
    let hit: Vec<String> =
        SENSITIVE.iter().filter(|(p, _)| ports.contains(*p)).map(|(p, name)| format!("{p} ({name})")).collect();
    match hit.len() {
        0 => None,
        1 => Some(format!("port {}", hit.join(""))),
        n if n > 4 => Some(format!("ports {}, and {} more sensitive ports", hit[..4].join(", "), n - 4)),
        _ => Some(format!("ports {}", hit.join(", "))),
    }
}

fn judge(rules: Vec<Ingress<'_>>, out: &mut Vec<Hit>) {
    for r in rules {
        let Some(what) = exposure(&r.ports) else { continue };
        out.push(ingress_hit(&INFO, &r, &what));
    }
}

/// The finding for an ingress rule that lets the world reach `what` (`port 22 (SSH)`), at the rule's source
/// attribute and spanning its block; shared with `iac-firewall-web-open-to-world`.
pub(super) fn ingress_hit(info: &'static CheckInfo, r: &Ingress<'_>, what: &str) -> Hit {
    Hit::new(
        info,
        r.source.line,
        r.resource.clone(),
        format!("{} {} allows ingress to {what}", r.attribute, r.source_text()),
    )
    .file(r.file)
    .end(r.block.end_line)
    .anchor(r.block.line)
    .allow(r.allow)
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    judge(ingress::terraform(m), out);
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    judge(ingress::cloudformation(t), out);
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    judge(ingress::arm(t), out);
}

#[cfg(test)]
mod tests {
    use super::exposure;
    use crate::iac::ingress::Ports;

    #[test]
    fn port_ranges() {
        let tcp = |r: &[(i64, i64)]| exposure(&Ports::Tcp(r.to_vec()));
        assert_eq!(tcp(&[(22, 22)]).as_deref(), Some("port 22 (SSH)"));
        assert_eq!(tcp(&[(0, 65535)]).as_deref(), Some("all ports"));
        assert_eq!(tcp(&[(3000, 5500)]).as_deref(), Some("ports 3306 (MySQL), 3389 (RDP), 5432 (PostgreSQL)"));
        assert_eq!(tcp(&[(443, 443), (80, 80), (8080, 8080)]), None);
        assert_eq!(exposure(&Ports::AllProtocols).as_deref(), Some("all ports (all protocols)"));
        assert!(tcp(&[(1, 30000)]).unwrap().contains("more sensitive ports"));
    }
}
