//! `iac-azure-db-public-network`: an Azure SQL, MySQL, PostgreSQL or MariaDB server reachable over its public
//! endpoint.
//!
//! A missing attribute is reported only where the provider documents a public default: the `azurerm` provider's
//! `azurerm_mssql_server` and the single-server `azurerm_mysql_server`, `azurerm_postgresql_server` and
//! `azurerm_mariadb_server` default `public_network_access_enabled` to true. Flexible servers are public only
//! when they are not placed in a delegated subnet, so there only an explicit `true` is reported; in ARM
//! templates, where the default depends on the API version, only an explicit `Enabled`.
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-db-public-network",
    title: "Azure database server allows public network access",
    severity: Severity::Medium,
    formats: AZURE,
    what: "An Azure SQL, MySQL, PostgreSQL or MariaDB server accepts connections on its public endpoint: \
           `public_network_access_enabled = true`, or the attribute left out where the provider's default is true \
           (`azurerm_mssql_server` and the single-server `azurerm_mysql_server`, `azurerm_postgresql_server`, \
           `azurerm_mariadb_server`), or `public_data_endpoint_enabled = true` on `azurerm_mssql_managed_instance`; \
           in ARM templates `publicNetworkAccess: Enabled` on `Microsoft.Sql/servers` and the `Microsoft.DBfor*` \
           servers (`network.publicNetworkAccess` on flexible servers), or `publicDataEndpointEnabled: true` on \
           `Microsoft.Sql/managedInstances`.",
    why: "The server's login is then one firewall rule away from the internet: the server firewall is the only \
          barrier, a single broad rule (or `Allow Azure services`, which admits every Azure customer) exposes it, \
          and its name resolves publicly for scanners and password spraying.",
    fix: "Set `public_network_access_enabled = false` (ARM: `publicNetworkAccess: Disabled`) and reach the server \
          through a private endpoint or VNet integration. Where public access is deliberate, keep the firewall \
          rules narrow and mark the server with `# leakgate:allow iac-azure-db-public-network <reason>`.",
    bad: "resource \"azurerm_mssql_server\" \"db\" {\n  name                          = \"orders\"\n  version                       = \"12.0\"\n  public_network_access_enabled = true\n}",
    good: "resource \"azurerm_mssql_server\" \"db\" {\n  name                          = \"orders\"\n  version                       = \"12.0\"\n  public_network_access_enabled = false\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 67,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

/// Terraform types and whether a missing `public_network_access_enabled` means public (the documented default).
const TF_SERVERS: &[(&str, bool)] = &[
    ("azurerm_mssql_server", true),
    ("azurerm_mysql_server", true),
    ("azurerm_postgresql_server", true),
    ("azurerm_mariadb_server", true),
    ("azurerm_mysql_flexible_server", false),
    ("azurerm_postgresql_flexible_server", false),
];

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for &(rtype, public_by_default) in TF_SERVERS {
        for r in m.resources(rtype) {
            let hit = match r.body.entry("public_network_access_enabled") {
                Some((key, v)) if v.as_bool() == Some(true) => {
                    Some((key.line, "public_network_access_enabled is true".to_string()))
                }
                None if public_by_default => Some((
                    r.line,
                    "public_network_access_enabled is not set, and the provider's default is true".to_string(),
                )),
                _ => None,
            };
            if let Some((line, message)) = hit {
                out.push(Hit::new(&INFO, line, r.address(), message).file(r.file).allow(&r.allow));
            }
        }
    }
    for r in m.resources("azurerm_mssql_managed_instance") {
        if let Some((key, v)) = r.body.entry("public_data_endpoint_enabled") {
            if v.as_bool() == Some(true) {
                let message = "public_data_endpoint_enabled is true".to_string();
                out.push(Hit::new(&INFO, key.line, r.address(), message).file(r.file).allow(&r.allow));
            }
        }
    }
}

const ARM_SERVERS: &[&str] = &[
    "Microsoft.Sql/servers",
    "Microsoft.DBforMySQL/servers",
    "Microsoft.DBforPostgreSQL/servers",
    "Microsoft.DBforMariaDB/servers",
];
const ARM_FLEXIBLE_SERVERS: &[&str] =
    &["Microsoft.DBforMySQL/flexibleServers", "Microsoft.DBforPostgreSQL/flexibleServers"];

fn enabled(props: &Node, path: &'static str) -> Option<(usize, String)> {
    let (holder, key) = match path.split_once('.') {
        Some((outer, key)) => (props.get(outer)?, key),
        None => (props, path),
    };
    let (k, v) = holder.entry(key)?;
    let on = v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Enabled")) || v.as_bool() == Some(true);
    on.then(|| (k.line, format!("{path} is {}", v.as_text().unwrap_or_default())))
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    let checks = ARM_SERVERS
        .iter()
        .map(|ty| (*ty, "publicNetworkAccess"))
        .chain(ARM_FLEXIBLE_SERVERS.iter().map(|ty| (*ty, "network.publicNetworkAccess")))
        .chain([("Microsoft.Sql/managedInstances", "publicDataEndpointEnabled")]);
    for (rtype, path) in checks {
        for r in t.resources(rtype) {
            if let Some((line, message)) = enabled(&r.props, path) {
                out.push(Hit::new(&INFO, line, r.address(), message).allow(&r.allow));
            }
        }
    }
}
