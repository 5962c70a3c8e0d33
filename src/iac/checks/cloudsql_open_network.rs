//! `iac-cloudsql-open-network`: a Cloud SQL instance that authorizes connections from the whole internet.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::cidr::is_world_cidr;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-cloudsql-open-network",
    title: "Cloud SQL instance authorizes 0.0.0.0/0",
    severity: Severity::High,
    formats: TERRAFORM,
    what: "A `google_sql_database_instance` lists `0.0.0.0/0` (or `::/0`) under \
           `settings.ip_configuration.authorized_networks`.",
    why: "The database's public IP then accepts connections from any address, leaving only the database \
          password between the internet and the data; exposed databases are scanned and brute-forced within \
          hours.",
    fix: "Authorize only the networks that need access, or turn off the public IP (`ipv4_enabled = false`) and \
          connect through private IP or the Cloud SQL Auth Proxy.",
    bad: "resource \"google_sql_database_instance\" \"db\" {\n  settings {\n    ip_configuration {\n      authorized_networks {\n        name  = \"all\"\n        value = \"0.0.0.0/0\"\n      }\n    }\n  }\n}",
    good: "resource \"google_sql_database_instance\" \"db\" {\n  settings {\n    ip_configuration {\n      ipv4_enabled    = false\n      private_network = google_compute_network.vpc.id\n    }\n  }\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 50, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("google_sql_database_instance") {
        for ip in r.body.all("settings").flat_map(|s| s.all("ip_configuration")) {
            for net in ip.all("authorized_networks") {
                let Some(value) = net.get("value") else {
                    continue;
                };
                if value.as_str().is_some_and(is_world_cidr) {
                    let name = net.get("name").and_then(Node::as_str).map(|n| format!(" \"{n}\"")).unwrap_or_default();
                    out.push(
                        Hit::new(
                            &INFO,
                            value.line,
                            r.address(),
                            format!("authorized network{name} is {}", value.as_str().unwrap_or_default()),
                        )
                        .file(r.file)
                        .end(net.end_line)
                        .anchor(net.line)
                        .allow(&r.allow),
                    );
                }
            }
        }
    }
}
