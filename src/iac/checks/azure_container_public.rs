//! `iac-azure-container-public`: an Azure blob container with anonymous read access.
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-container-public",
    title: "Azure storage container allows anonymous access",
    severity: Severity::High,
    formats: AZURE,
    what: "An `azurerm_storage_container` sets `container_access_type` to `blob` (anyone can read blobs by \
           URL) or `container` (anyone can also list them); in an ARM template, a \
           `Microsoft.Storage/storageAccounts/blobServices/containers` sets `publicAccess` to `Blob` or `Container`.",
    why: "Anonymous access needs no key or token: anyone who finds or guesses the URL reads the data, and \
          `container` access hands out the list of every blob name as well.",
    fix: "Use `container_access_type = \"private\"` (ARM: `publicAccess: None`) and hand out SAS tokens or Entra ID roles. Mark deliberately \
          public containers with `# leakgate:allow iac-azure-container-public <reason>`.",
    bad: "resource \"azurerm_storage_container\" \"c\" {\n  name                  = \"assets\"\n  container_access_type = \"container\"\n}",
    good: "resource \"azurerm_storage_container\" \"c\" {\n  name                  = \"assets\"\n  container_access_type = \"private\"\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 80,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("azurerm_storage_container") {
        let Some((key, v)) = r.body.entry("container_access_type") else {
            continue;
        };
        if let Some(t) = v.as_str().filter(|t| matches!(*t, "blob" | "container")) {
            out.push(
                Hit::new(&INFO, key.line, r.address(), format!("container_access_type is \"{t}\""))
                    .file(r.file)
                    .allow(&r.allow),
            );
        }
    }
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for r in t.resources("Microsoft.Storage/storageAccounts/blobServices/containers") {
        let Some((key, v)) = r.props.entry("publicAccess") else {
            continue;
        };
        if let Some(a) = v.as_str().filter(|a| a.eq_ignore_ascii_case("blob") || a.eq_ignore_ascii_case("container")) {
            out.push(Hit::new(&INFO, key.line, r.address(), format!("publicAccess is \"{a}\"")).allow(&r.allow));
        }
    }
}
