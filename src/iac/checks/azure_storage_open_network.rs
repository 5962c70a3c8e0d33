//! `iac-azure-storage-open-network`: an Azure storage account reachable from every network.
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::node::Node;
use crate::iac::terraform::{Module, TfBlock};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-storage-open-network",
    title: "Azure storage account open to all networks",
    severity: Severity::Medium,
    formats: AZURE,
    what: "An `azurerm_storage_account` sets `public_network_access_enabled = true` with no network rules that \
           deny by default (no `network_rules` block with `default_action = \"Deny\"` and no \
           `azurerm_storage_account_network_rules` for it). In an ARM template, a `Microsoft.Storage/storageAccounts` \
           whose `networkAcls.defaultAction` is `Allow`, or that sets `publicNetworkAccess: Enabled` without \
           `networkAcls` that deny by default.",
    why: "Every address on the internet can then reach the account's endpoints, so a leaked key or SAS token \
          works from anywhere and the account is exposed to password spraying and enumeration.",
    fix: "Add `network_rules { default_action = \"Deny\" … }` (ARM: `networkAcls.defaultAction: Deny`) listing the allowed IP ranges and subnets, or \
          disable public network access and use private endpoints.",
    bad: "resource \"azurerm_storage_account\" \"sa\" {\n  public_network_access_enabled = true\n}",
    good: "resource \"azurerm_storage_account\" \"sa\" {\n  public_network_access_enabled = true\n  network_rules {\n    default_action = \"Deny\"\n    ip_rules       = [\"203.0.113.0/24\"]\n  }\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 70,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

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

/// ARM writes both settings on the account itself. An explicit `defaultAction: Allow` is the finding (unless
/// public network access is off, which closes the endpoint whatever the rules say); `publicNetworkAccess:
/// Enabled` with no `networkAcls` at all is the same thing said once, as in Terraform.
pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for r in t.resources("Microsoft.Storage/storageAccounts") {
        let is = |n: &Node, v: &str| n.as_str().is_some_and(|s| s.eq_ignore_ascii_case(v));
        let public = r.props.entry("publicNetworkAccess");
        // Disabled, SecuredByPerimeter, or not known before deployment.
        if public.is_some_and(|(_, v)| !is(v, "Enabled")) {
            continue;
        }
        let acls = r.props.get("networkAcls");
        let hit = match (acls.and_then(|a| a.entry("defaultAction")), public) {
            (Some((key, action)), _) if is(action, "Allow") => {
                Some((key.line, "networkAcls.defaultAction is Allow".to_string()))
            }
            (None, Some((key, _))) if acls.is_none() => {
                Some((key.line, "publicNetworkAccess is Enabled with no network rules".to_string()))
            }
            _ => None,
        };
        if let Some((line, message)) = hit {
            out.push(Hit::new(&INFO, line, r.address(), message).allow(&r.allow));
        }
    }
}
