//! `iac-azure-db-firewall-open`: an Azure database server firewall rule that admits every IPv4 address.
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-db-firewall-open",
    title: "Azure database firewall rule admits the whole internet",
    severity: Severity::High,
    formats: AZURE,
    what: "A server-level firewall rule of Azure SQL, MySQL, PostgreSQL or MariaDB (`azurerm_mssql_firewall_rule`, \
           `azurerm_sql_firewall_rule`, `azurerm_mysql_flexible_server_firewall_rule`, \
           `azurerm_postgresql_flexible_server_firewall_rule`, and the single-server forms; in ARM templates the \
           `firewallRules` of `Microsoft.Sql/servers` and of the `Microsoft.DBforMySQL`, `Microsoft.DBforPostgreSQL` \
           and `Microsoft.DBforMariaDB` servers and flexible servers) whose range runs from `0.0.0.0` to \
           `255.255.255.255`.",
    why: "The rule lets every address on the internet reach the database's login, so its password (or a flaw in \
          the server) is all that stands between the data and internet-wide scanners.",
    fix: "Allow only the addresses that need the database (application subnets, a VPN range), or turn public \
          network access off and use a private endpoint.",
    bad: "resource \"azurerm_mssql_firewall_rule\" \"all\" {\n  name             = \"all\"\n  start_ip_address = \"0.0.0.0\"\n  end_ip_address   = \"255.255.255.255\"\n}",
    good: "resource \"azurerm_mssql_firewall_rule\" \"office\" {\n  name             = \"office\"\n  start_ip_address = \"203.0.113.0\"\n  end_ip_address   = \"203.0.113.255\"\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 65,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

const TF_TYPES: &[&str] = &[
    "azurerm_mssql_firewall_rule",
    "azurerm_sql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_mariadb_firewall_rule",
];

const ARM_TYPES: &[&str] = &[
    "Microsoft.Sql/servers/firewallRules",
    "Microsoft.DBforMySQL/servers/firewallRules",
    "Microsoft.DBforMySQL/flexibleServers/firewallRules",
    "Microsoft.DBforPostgreSQL/servers/firewallRules",
    "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
    "Microsoft.DBforMariaDB/servers/firewallRules",
];

fn address(v: &Node) -> Option<std::net::Ipv4Addr> {
    v.as_str()?.trim().parse().ok()
}

/// The line of the start address and the message, if the rule's range is every IPv4 address.
fn open_range(rule: &Node, start: &str, end: &str) -> Option<(usize, String)> {
    let ((key, s), e) = (rule.entry(start)?, rule.get(end)?);
    let (s, e) = (address(s)?, address(e)?);
    (s.is_unspecified() && e.is_broadcast()).then(|| (key.line, format!("firewall rule admits {s} to {e}")))
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in TF_TYPES.iter().flat_map(|t| m.resources(t)) {
        if let Some((line, message)) = open_range(&r.body, "start_ip_address", "end_ip_address") {
            out.push(Hit::new(&INFO, line, r.address(), message).file(r.file).allow(&r.allow));
        }
    }
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for r in ARM_TYPES.iter().flat_map(|ty| t.resources(ty)) {
        if let Some((line, message)) = open_range(&r.props, "startIpAddress", "endIpAddress") {
            out.push(Hit::new(&INFO, line, r.address(), message).allow(&r.allow));
        }
    }
}
