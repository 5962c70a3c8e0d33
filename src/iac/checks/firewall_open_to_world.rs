//! `iac-firewall-open-to-world`: an ingress rule that lets the whole internet reach SSH, RDP, a database port
//! or every port.
//!
//! Rules are normalised to (protocol, port ranges, world CIDR) before judging, so AWS security groups (inline
//! `ingress`, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`, CloudFormation) and GCP
//! firewalls share one verdict. Only TCP and "all protocols" rules are judged; unknown ports are not guessed.
use super::{Check, Hit, Run, AWS};
use crate::iac::cidr::is_world_cidr;
use crate::iac::cloudformation::{CfnResource, Template};
use crate::iac::node::Node;
use crate::iac::terraform::{Module, TfBlock};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-firewall-open-to-world",
    title: "Firewall allows the internet to reach an admin or database port",
    severity: Severity::High,
    formats: AWS,
    what: "An ingress rule (AWS security group, security group rule or ingress rule, GCP `google_compute_firewall`, \
           CloudFormation `SecurityGroupIngress`) allows `0.0.0.0/0` or `::/0` to SSH (22), RDP (3389), a database \
           port (3306, 5432, 1433, 27017, 6379, 9200) or to all ports.",
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
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

const SENSITIVE: &[(i64, &str)] = &[
    (22, "SSH"),
    (1433, "SQL Server"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (9200, "Elasticsearch"),
    (27017, "MongoDB"),
];

enum Proto {
    All,
    Tcp,
}

fn proto(n: Option<&Node>) -> Option<Proto> {
    let p = n?.as_text()?.to_ascii_lowercase();
    match p.as_str() {
        "-1" | "all" => Some(Proto::All),
        "tcp" | "6" => Some(Proto::Tcp),
        _ => None,
    }
}

/// What a set of TCP port ranges exposes, or `None` if nothing sensitive.
fn exposure(ranges: &[(i64, i64)]) -> Option<String> {
    if ranges.iter().any(|&(lo, hi)| lo <= 1 && hi >= 65535) {
        return Some("all ports".to_string());
    }
    let hit: Vec<String> = SENSITIVE
        .iter()
        .filter(|(p, _)| ranges.iter().any(|&(lo, hi)| lo <= *p && *p <= hi))
        .map(|(p, name)| format!("{p} ({name})"))
        .collect();
    match hit.len() {
        0 => None,
        1 => Some(format!("port {}", hit.join(""))),
        _ => Some(format!("ports {}", hit.join(", "))),
    }
}

/// AWS-style rule: `protocol` -1/all means every port whatever from/to say.
fn aws_exposure(protocol: Option<&Node>, from: Option<&Node>, to: Option<&Node>) -> Option<String> {
    match proto(protocol)? {
        Proto::All => Some("all ports (all protocols)".to_string()),
        Proto::Tcp => {
            let (lo, hi) = (from?.as_i64()?, to?.as_i64()?);
            exposure(&[(lo, hi)])
        }
    }
}

fn world<'a>(cidrs: impl Iterator<Item = &'a Node>) -> Option<&'a Node> {
    cidrs.into_iter().find(|c| c.as_str().is_some_and(is_world_cidr))
}

fn push_tf(r: &TfBlock, cidr: &Node, block: &Node, what: String, out: &mut Vec<Hit>) {
    let source = cidr.as_str().unwrap_or_default();
    out.push(
        Hit::new(&INFO, cidr.line, r.address(), format!("ingress from {source} to {what}"))
            .file(r.file)
            .end(block.end_line)
            .anchor(block.line)
            .allow(&r.allow),
    );
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("aws_security_group") {
        for ing in r.body.all("ingress") {
            let cidrs = ing.all("cidr_blocks").chain(ing.all("ipv6_cidr_blocks"));
            if let Some(cidr) = world(cidrs) {
                if let Some(what) = aws_exposure(ing.get("protocol"), ing.get("from_port"), ing.get("to_port")) {
                    push_tf(r, cidr, ing, what, out);
                }
            }
        }
    }
    for r in m.resources("aws_security_group_rule") {
        let b = &r.body;
        if b.get("type").and_then(Node::as_str) != Some("ingress") {
            continue;
        }
        if let Some(cidr) = world(b.all("cidr_blocks").chain(b.all("ipv6_cidr_blocks"))) {
            if let Some(what) = aws_exposure(b.get("protocol"), b.get("from_port"), b.get("to_port")) {
                push_tf(r, cidr, b, what, out);
            }
        }
    }
    for r in m.resources("aws_vpc_security_group_ingress_rule") {
        let b = &r.body;
        if let Some(cidr) = world(b.all("cidr_ipv4").chain(b.all("cidr_ipv6"))) {
            if let Some(what) = aws_exposure(b.get("ip_protocol"), b.get("from_port"), b.get("to_port")) {
                push_tf(r, cidr, b, what, out);
            }
        }
    }
    for r in m.resources("google_compute_firewall") {
        let b = &r.body;
        let ingress = match b.get("direction") {
            None => true,
            Some(d) => d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("INGRESS")),
        };
        if !ingress || b.get("disabled").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let Some(cidr) = world(b.all("source_ranges")) else {
            continue;
        };
        for allow in b.all("allow") {
            if let Some(what) = gcp_exposure(allow) {
                push_tf(r, cidr, allow, what, out);
            }
        }
    }
}

/// GCP `allow { protocol, ports }`: no `ports` means every port; ports are strings like "22" or "8000-9000".
fn gcp_exposure(allow: &Node) -> Option<String> {
    match proto(allow.get("protocol"))? {
        Proto::All => Some("all ports (all protocols)".to_string()),
        Proto::Tcp => {
            let ports: Vec<&Node> = allow.all("ports").collect();
            if ports.is_empty() {
                return Some("all ports".to_string());
            }
            let ranges: Vec<(i64, i64)> = ports
                .iter()
                .filter_map(|p| {
                    let t = p.as_text()?;
                    match t.split_once('-') {
                        Some((lo, hi)) => Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)),
                        None => t.trim().parse().ok().map(|n| (n, n)),
                    }
                })
                .collect();
            exposure(&ranges)
        }
    }
}

fn judge_cfn(r: &CfnResource, rule: &Node, out: &mut Vec<Hit>) {
    let Some(cidr) = world(rule.all("CidrIp").chain(rule.all("CidrIpv6"))) else {
        return;
    };
    let Some(what) = aws_exposure(rule.get("IpProtocol"), rule.get("FromPort"), rule.get("ToPort")) else {
        return;
    };
    let source = cidr.as_str().unwrap_or_default();
    out.push(
        Hit::new(&INFO, cidr.line, r.resource(), format!("ingress from {source} to {what}"))
            .end(rule.end_line)
            .anchor(rule.line)
            .allow(&r.allow),
    );
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::EC2::SecurityGroup") {
        for rule in r.props.all("SecurityGroupIngress") {
            judge_cfn(r, rule, out);
        }
    }
    for r in t.resources("AWS::EC2::SecurityGroupIngress") {
        judge_cfn(r, &r.props, out);
    }
}

#[cfg(test)]
mod tests {
    use super::exposure;

    #[test]
    fn port_ranges() {
        assert_eq!(exposure(&[(22, 22)]).as_deref(), Some("port 22 (SSH)"));
        assert_eq!(exposure(&[(0, 65535)]).as_deref(), Some("all ports"));
        assert_eq!(exposure(&[(3000, 6000)]).as_deref(), Some("ports 3306 (MySQL), 3389 (RDP), 5432 (PostgreSQL)"));
        assert_eq!(exposure(&[(443, 443), (80, 80)]), None);
    }
}
