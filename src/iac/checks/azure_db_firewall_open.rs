//! `iac-azure-db-firewall-open`: an Azure database server firewall rule that admits every IPv4 address.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-db-firewall-open",
    title: "Azure database firewall rule admits the whole internet",
    severity: Severity::High,
    formats: TERRAFORM,
    what: "A server-level firewall rule of Azure SQL, MySQL, PostgreSQL or MariaDB (`azurerm_mssql_firewall_rule`, \
           `azurerm_sql_firewall_rule`, `azurerm_mysql_flexible_server_firewall_rule`, \
           `azurerm_postgresql_flexible_server_firewall_rule`, and the single-server forms) whose range runs from \
           `0.0.0.0` to `255.255.255.255`.",
    why: "The rule lets every address on the internet reach the database's login, so its password (or a flaw in \
          the server) is all that stands between the data and internet-wide scanners.",
    fix: "Allow only the addresses that need the database (application subnets, a VPN range), or turn public \
          network access off and use a private endpoint.",
    bad: "resource \"azurerm_mssql_firewall_rule\" \"all\" {\n  name             = \"all\"\n  start_ip_address = \"0.0.0.0\"\n  end_ip_address   = \"255.255.255.255\"\n}",
    good: "resource \"azurerm_mssql_firewall_rule\" \"office\" {\n  name             = \"office\"\n  start_ip_address = \"203.0.113.0\"\n  end_ip_address   = \"203.0.113.255\"\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 65, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

const TF_TYPES: &[&str] = &[
    "azurerm_mssql_firewall_rule",
    "azurerm_sql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_mariadb_firewall_rule",
];

fn address(v: &crate::iac::node::Node) -> Option<std::net::Ipv4Addr> {
    v.as_str()?.trim().parse().ok()
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for rtype in TF_TYPES {
        for r in m.resources(rtype) {
            let (Some((key, start)), Some((_, end))) =
                (r.body.entry("start_ip_address"), r.body.entry("end_ip_address"))
            else {
                continue;
            };
            let (Some(start), Some(end)) = (address(start), address(end)) else { continue };
            if start.is_unspecified() && end.is_broadcast() {
                out.push(
                    Hit::new(&INFO, key.line, r.address(), format!("firewall rule admits {start} to {end}"))
                        .file(r.file)
                        .allow(&r.allow),
                );
            }
        }
    }
}
