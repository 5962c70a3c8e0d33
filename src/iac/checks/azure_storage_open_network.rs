//! `iac-azure-storage-open-network`: an Azure storage account reachable from every network.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::node::Node;
use crate::iac::terraform::{Module, TfBlock};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-storage-open-network",
    title: "Azure storage account open to all networks",
    severity: Severity::Medium,
    formats: TERRAFORM,
    what: "An `azurerm_storage_account` sets `public_network_access_enabled = true` with no network rules that \
           deny by default (no `network_rules` block with `default_action = \"Deny\"` and no \
           `azurerm_storage_account_network_rules` for it).",
    why: "Every address on the internet can then reach the account's endpoints, so a leaked key or SAS token \
          works from anywhere and the account is exposed to password spraying and enumeration.",
    fix: "Add `network_rules { default_action = \"Deny\" … }` listing the allowed IP ranges and subnets, or \
          disable public network access and use private endpoints.",
    bad: "resource \"azurerm_storage_account\" \"sa\" {\n  public_network_access_enabled = true\n}",
    good: "resource \"azurerm_storage_account\" \"sa\" {\n  public_network_access_enabled = true\n  network_rules {\n    default_action = \"Deny\"\n    ip_rules       = [\"203.0.113.0/24\"]\n  }\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 70, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

/// `Some(true)` denies by default, `Some(false)` allows, `None` unknown.
fn denies(rules: &Node) -> Option<bool> {
    rules.get("default_action").and_then(Node::as_str).map(|a| a.eq_ignore_ascii_case("Deny"))
}

fn separate_rules<'a>(m: &'a Module, account: &'a TfBlock) -> impl Iterator<Item = &'a TfBlock> + 'a {
    m.resources("azurerm_storage_account_network_rules").filter(move |n| {
        n.body
            .get("storage_account_id")
            .or_else(|| n.body.get("storage_account_name"))
            .and_then(|v| m.referenced(v))
            .is_some_and(|t| std::ptr::eq(t, account))
    })
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("azurerm_storage_account") {
        let Some((key, v)) = r.body.entry("public_network_access_enabled") else {
            continue;
        };
        if v.as_bool() != Some(true) {
            continue;
        }
        let inline = r.body.all("network_rules").map(denies);
        let separate = separate_rules(m, r).map(|n| denies(&n.body));
        let verdicts: Vec<Option<bool>> = inline.chain(separate).collect();
        // An unknown default action might be Deny: no finding.
        if verdicts.iter().any(|d| *d != Some(false)) {
            continue;
        }
        let why = if verdicts.is_empty() { "with no network rules" } else { "and network rules allow by default" };
        out.push(
            Hit::new(&INFO, key.line, r.address(), format!("public network access is enabled {why}"))
                .file(r.file)
                .allow(&r.allow),
        );
    }
}
