//! Ingress rules of every firewall form, normalised to one shape before any check judges them: the source that
//! admits the whole internet, the protocol and the TCP port ranges.
//!
//! Read here: AWS security groups in all three Terraform forms (inline `ingress` blocks of
//! `aws_security_group`, `aws_security_group_rule` of `type = "ingress"`, `aws_vpc_security_group_ingress_rule`),
//! GCP `google_compute_firewall` ingress rules, Azure network security rules (`azurerm_network_security_rule` and
//! the inline `security_rule` blocks of `azurerm_network_security_group`; inbound, allow), the same rules in ARM
//! templates (`Microsoft.Network/networkSecurityGroups` `securityRules` and
//! `Microsoft.Network/networkSecurityGroups/securityRules` resources), and CloudFormation
//! `AWS::EC2::SecurityGroup` `SecurityGroupIngress` items and `AWS::EC2::SecurityGroupIngress` resources. Only rules whose source is the
//! whole IPv4 or IPv6 internet ([`super::cidr::is_world_cidr`]) are returned; a rule with an unknown protocol
//! or port is left out rather than guessed. UDP and ICMP rules are not judged.
use super::arm::Template as ArmTemplate;
use super::cidr::is_world_cidr;
use super::cloudformation::Template;
use super::node::Node;
use super::terraform::{Module, TfBlock};

/// What a rule opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Ports {
    /// Every protocol (`-1`, `all`): every port whatever the rule's port fields say.
    AllProtocols,
    /// TCP port ranges, inclusive.
    Tcp(Vec<(i64, i64)>),
}

impl Ports {
    /// Whether TCP `port` is reachable through these ports.
    pub fn contains(&self, port: i64) -> bool {
        match self {
            Ports::AllProtocols => true,
            Ports::Tcp(ranges) => ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi),
        }
    }

    /// Every TCP port (`0-65535`, `1-65535`, a GCP rule without `ports`).
    pub fn is_every_port(&self) -> bool {
        match self {
            Ports::AllProtocols => true,
            Ports::Tcp(ranges) => ranges.iter().any(|&(lo, hi)| lo <= 1 && hi >= 65535),
        }
    }
}

/// One ingress rule open to the internet.
pub struct Ingress<'a> {
    /// `aws_security_group.web` or `WebSg (AWS::EC2::SecurityGroup)`.
    pub resource: String,
    /// Index of the Terraform file (0 for CloudFormation).
    pub file: usize,
    /// The world CIDR node (its line is where the finding points) and the attribute it was read from.
    pub source: &'a Node,
    pub attribute: &'static str,
    /// The rule's block: an inline `ingress {}`, a list item, or the rule resource's body.
    pub block: &'a Node,
    pub ports: Ports,
    pub allow: &'a [String],
}

impl Ingress<'_> {
    pub fn source_text(&self) -> &str {
        self.source.as_str().unwrap_or_default()
    }
}

enum Proto {
    All,
    Tcp,
}

/// `None` for another protocol (UDP, ICMP) or one that is not known.
fn proto(n: Option<&Node>) -> Option<Proto> {
    let p = n?.as_text()?.trim().to_ascii_lowercase();
    match p.as_str() {
        "-1" | "all" => Some(Proto::All),
        "tcp" | "6" => Some(Proto::Tcp),
        _ => None,
    }
}

/// AWS rule: protocol `-1`/`all` means every port whatever `from`/`to` say.
fn aws_ports(protocol: Option<&Node>, from: Option<&Node>, to: Option<&Node>) -> Option<Ports> {
    match proto(protocol)? {
        Proto::All => Some(Ports::AllProtocols),
        Proto::Tcp => {
            let (lo, hi) = (from?.as_i64()?, to?.as_i64()?);
            // AWS reads -1 as "all ports" for TCP too.
            if lo < 0 || hi < 0 {
                return Some(Ports::Tcp(vec![(0, 65535)]));
            }
            Some(Ports::Tcp(vec![(lo.min(hi), lo.max(hi))]))
        }
    }
}

/// GCP `allow { protocol, ports }`: no `ports` means every port; ports are "22" or "8000-9000".
fn gcp_ports(allow: &Node) -> Option<Ports> {
    match proto(allow.get("protocol"))? {
        Proto::All => Some(Ports::AllProtocols),
        Proto::Tcp => {
            let ports: Vec<&Node> = allow.all("ports").collect();
            if ports.is_empty() {
                return Some(Ports::Tcp(vec![(0, 65535)]));
            }
            let mut ranges = Vec::new();
            for p in ports {
                let t = p.as_text()?;
                ranges.push(match t.split_once('-') {
                    Some((lo, hi)) => (lo.trim().parse().ok()?, hi.trim().parse().ok()?),
                    None => {
                        let n = t.trim().parse().ok()?;
                        (n, n)
                    }
                });
            }
            Some(Ports::Tcp(ranges))
        }
    }
}

fn world<'a>(n: &'a Node, attrs: &[&'static str]) -> Option<(&'a Node, &'static str)> {
    world_by(n, attrs, is_world_cidr)
}

fn world_by<'a>(n: &'a Node, attrs: &[&'static str], is_world: fn(&str) -> bool) -> Option<(&'a Node, &'static str)> {
    attrs.iter().find_map(|a| n.all(a).find(|c| c.as_str().is_some_and(is_world)).map(|c| (c, *a)))
}

/// An Azure rule's source that admits everyone: `*` and the `Internet` and `Any` service tags, or a world CIDR.
fn is_world_azure(source: &str) -> bool {
    let s = source.trim();
    s == "*" || s.eq_ignore_ascii_case("internet") || s.eq_ignore_ascii_case("any") || is_world_cidr(s)
}

/// The field names of an Azure security rule that differ between Terraform's `azurerm` spelling and ARM's
/// (`direction`, `access` and `protocol` are the same in both).
struct AzureFields {
    sources: [&'static str; 2],
    ports: [&'static str; 2],
}

const AZURERM: AzureFields = AzureFields {
    sources: ["source_address_prefix", "source_address_prefixes"],
    ports: ["destination_port_range", "destination_port_ranges"],
};

const ARM: AzureFields = AzureFields {
    sources: ["sourceAddressPrefix", "sourceAddressPrefixes"],
    ports: ["destinationPortRange", "destinationPortRanges"],
};

/// An Azure security rule, if it admits inbound traffic: its destination ports (`22`, `3000-4000`, `*`) for TCP
/// or any protocol (`*`; reachable over TCP all the same). `None` for deny, outbound, UDP/ICMP, or an unknown value.
fn azure_ports(rule: &Node, f: &AzureFields) -> Option<Ports> {
    let text = |key: &str| rule.get(key).and_then(Node::as_text).map(|t| t.trim().to_ascii_lowercase());
    if text("direction")? != "inbound" || text("access")? != "allow" {
        return None;
    }
    if !matches!(text("protocol")?.as_str(), "tcp" | "*") {
        return None;
    }
    let mut ranges = Vec::new();
    for port in rule.all(f.ports[0]).chain(rule.all(f.ports[1])) {
        let t = port.as_text()?;
        let t = t.trim();
        ranges.push(match t.split_once('-') {
            _ if t == "*" => (0, 65535),
            Some((lo, hi)) => (lo.trim().parse().ok()?, hi.trim().parse().ok()?),
            None => {
                let n = t.parse().ok()?;
                (n, n)
            }
        });
    }
    (!ranges.is_empty()).then_some(Ports::Tcp(ranges))
}

/// An Azure rule of `resource` open to the internet, if `block` is one.
fn azure_rule<'a>(
    block: &'a Node,
    f: &AzureFields,
    resource: String,
    file: usize,
    allow: &'a [String],
) -> Option<Ingress<'a>> {
    let (source, attribute) = world_by(block, &f.sources, is_world_azure)?;
    let ports = azure_ports(block, f)?;
    Some(Ingress { resource, file, source, attribute, block, ports, allow })
}

fn rule<'a>(out: &mut Vec<Ingress<'a>>, r: &'a TfBlock, block: &'a Node, attrs: &[&'static str], ports: Option<Ports>) {
    if let (Some((source, attribute)), Some(ports)) = (world(block, attrs), ports) {
        out.push(Ingress { resource: r.address(), file: r.file, source, attribute, block, ports, allow: &r.allow });
    }
}

/// Every Terraform ingress rule open to the internet, in module order.
pub fn terraform(m: &Module) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for r in m.blocks.iter().filter(|b| !b.is_data) {
        let b = &r.body;
        match r.rtype.as_str() {
            "aws_security_group" => {
                for ing in b.all("ingress") {
                    let ports = aws_ports(ing.get("protocol"), ing.get("from_port"), ing.get("to_port"));
                    rule(&mut out, r, ing, &["cidr_blocks", "ipv6_cidr_blocks"], ports);
                }
            }
            "aws_security_group_rule" if b.get("type").and_then(Node::as_str) == Some("ingress") => {
                let ports = aws_ports(b.get("protocol"), b.get("from_port"), b.get("to_port"));
                rule(&mut out, r, b, &["cidr_blocks", "ipv6_cidr_blocks"], ports);
            }
            "aws_vpc_security_group_ingress_rule" => {
                let ports = aws_ports(b.get("ip_protocol"), b.get("from_port"), b.get("to_port"));
                rule(&mut out, r, b, &["cidr_ipv4", "cidr_ipv6"], ports);
            }
            "azurerm_network_security_rule" => out.extend(azure_rule(b, &AZURERM, r.address(), r.file, &r.allow)),
            "azurerm_network_security_group" => out
                .extend(b.all("security_rule").filter_map(|x| azure_rule(x, &AZURERM, r.address(), r.file, &r.allow))),
            "google_compute_firewall" => {
                let ingress = match b.get("direction") {
                    None => true,
                    Some(d) => d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("INGRESS")),
                };
                if !ingress || b.get("disabled").and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                let Some((source, attribute)) = world(b, &["source_ranges"]) else { continue };
                for allow in b.all("allow") {
                    if let Some(ports) = gcp_ports(allow) {
                        out.push(Ingress {
                            resource: r.address(),
                            file: r.file,
                            source,
                            attribute,
                            block: allow,
                            ports,
                            allow: &r.allow,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every ARM security rule open to the internet: the `securityRules` of a network security group (each with its
/// fields under `properties`) and security rule resources.
pub fn arm(t: &ArmTemplate) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for r in &t.resources {
        let rules: Vec<&Node> = if r.is("Microsoft.Network/networkSecurityGroups") {
            r.props.all("securityRules").filter_map(|rule| rule.get("properties")).collect()
        } else if r.is("Microsoft.Network/networkSecurityGroups/securityRules") {
            vec![&r.props]
        } else {
            continue;
        };
        out.extend(rules.into_iter().filter_map(|b| azure_rule(b, &ARM, r.address(), 0, &r.allow)));
    }
    out
}

/// Every CloudFormation ingress rule open to the internet, in template order.
pub fn cloudformation(t: &Template) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for r in &t.resources {
        let rules: Vec<&Node> = match r.rtype.as_str() {
            "AWS::EC2::SecurityGroup" => r.props.all("SecurityGroupIngress").collect(),
            "AWS::EC2::SecurityGroupIngress" => vec![&r.props],
            _ => continue,
        };
        for block in rules {
            let ports = aws_ports(block.get("IpProtocol"), block.get("FromPort"), block.get("ToPort"));
            if let (Some((source, attribute)), Some(ports)) = (world(block, &["CidrIp", "CidrIpv6"]), ports) {
                out.push(Ingress { resource: r.resource(), file: 0, source, attribute, block, ports, allow: &r.allow });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_of_every_form_normalise_to_the_same_ports() {
        let src = r#"
resource "aws_security_group" "a" {
  ingress {
    from_port   = 20
    to_port     = 25
    protocol    = "6"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
resource "aws_security_group_rule" "b" {
  type             = "ingress"
  from_port        = 0
  to_port          = 0
  protocol         = "all"
  ipv6_cidr_blocks = ["::/0"]
}
resource "aws_security_group_rule" "egress" {
  type        = "egress"
  from_port   = 0
  to_port     = 0
  protocol    = "-1"
  cidr_blocks = ["0.0.0.0/0"]
}
resource "aws_vpc_security_group_ingress_rule" "c" {
  cidr_ipv4   = "0.0.0.0/0"
  ip_protocol = "udp"
  from_port   = 53
  to_port     = 53
}
resource "google_compute_firewall" "d" {
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
  }
}
resource "azurerm_network_security_group" "e" {
  security_rule {
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_address_prefix      = "Internet"
    destination_port_ranges    = ["80", "3000-4000"]
  }
  security_rule {
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    destination_port_range     = "*"
  }
}
resource "azurerm_network_security_rule" "f" {
  direction               = "Inbound"
  access                  = "Allow"
  protocol                = "Tcp"
  source_address_prefixes = ["10.0.0.0/8", "0.0.0.0/0"]
  destination_port_range  = "*"
}
resource "azurerm_network_security_rule" "g" {
  direction              = "Outbound"
  access                 = "Allow"
  protocol               = "Tcp"
  source_address_prefix  = "*"
  destination_port_range = "22"
}
"#;
        let (m, errors) = crate::iac::terraform::build(&[(src, false)]);
        assert!(errors.is_empty());
        let rules = terraform(&m);
        let got: Vec<(String, &str, Ports)> =
            rules.iter().map(|r| (r.resource.clone(), r.attribute, r.ports.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("aws_security_group.a".to_string(), "cidr_blocks", Ports::Tcp(vec![(20, 25)])),
                ("aws_security_group_rule.b".to_string(), "ipv6_cidr_blocks", Ports::AllProtocols),
                ("google_compute_firewall.d".to_string(), "source_ranges", Ports::Tcp(vec![(0, 65535)])),
                (
                    "azurerm_network_security_group.e".to_string(),
                    "source_address_prefix",
                    Ports::Tcp(vec![(80, 80), (3000, 4000)])
                ),
                (
                    "azurerm_network_security_rule.f".to_string(),
                    "source_address_prefixes",
                    Ports::Tcp(vec![(0, 65535)])
                ),
            ]
        );
        assert!(rules[0].ports.contains(22) && !rules[0].ports.contains(26));
        assert!(rules[2].ports.is_every_port());
    }
}
