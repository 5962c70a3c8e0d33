//! `iac-azure-storage-public`: an Azure storage account that allows anonymous public read of its blobs.
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-storage-public",
    title: "Azure storage account allows public blob access",
    severity: Severity::High,
    formats: AZURE,
    what: "An `azurerm_storage_account` sets `allow_nested_items_to_be_public = true` (or the older \
           `allow_blob_public_access = true`); in an ARM template, a `Microsoft.Storage/storageAccounts` sets \
           `allowBlobPublicAccess` to true.",
    why: "The account then lets any container be switched to anonymous access, and a single container setting \
          is all that stands between its blobs and the internet.",
    fix: "Set `allow_nested_items_to_be_public = false` (ARM: `allowBlobPublicAccess: false`) and share data with SAS tokens, Entra ID roles or a CDN. \
          Mark deliberately public accounts with `# leakgate:allow iac-azure-storage-public <reason>`.",
    bad: "resource \"azurerm_storage_account\" \"sa\" {\n  allow_nested_items_to_be_public = true\n}",
    good: "resource \"azurerm_storage_account\" \"sa\" {\n  allow_nested_items_to_be_public = false\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 60,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("azurerm_storage_account") {
        for attr in ["allow_nested_items_to_be_public", "allow_blob_public_access"] {
            if let Some((key, v)) = r.body.entry(attr) {
                if v.as_bool() == Some(true) {
                    out.push(
                        Hit::new(&INFO, key.line, r.address(), format!("{attr} is true")).file(r.file).allow(&r.allow),
                    );
                }
            }
        }
    }
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for r in t.resources("Microsoft.Storage/storageAccounts") {
        if let Some((key, v)) = r.props.entry("allowBlobPublicAccess") {
            if v.as_bool() == Some(true) {
                out.push(
                    Hit::new(&INFO, key.line, r.address(), "allowBlobPublicAccess is true".to_string()).allow(&r.allow),
                );
            }
        }
    }
}
