//! `iac-azure-container-public`: an Azure blob container with anonymous read access.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-azure-container-public",
    title: "Azure storage container allows anonymous access",
    severity: Severity::High,
    formats: TERRAFORM,
    what: "An `azurerm_storage_container` sets `container_access_type` to `blob` (anyone can read blobs by \
           URL) or `container` (anyone can also list them).",
    why: "Anonymous access needs no key or token: anyone who finds or guesses the URL reads the data, and \
          `container` access hands out the list of every blob name as well.",
    fix: "Use `container_access_type = \"private\"` and hand out SAS tokens or Entra ID roles. Mark deliberately \
          public containers with `# leakgate:allow iac-azure-container-public <reason>`.",
    bad: "resource \"azurerm_storage_container\" \"c\" {\n  name                  = \"assets\"\n  container_access_type = \"container\"\n}",
    good: "resource \"azurerm_storage_container\" \"c\" {\n  name                  = \"assets\"\n  container_access_type = \"private\"\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 80, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

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
