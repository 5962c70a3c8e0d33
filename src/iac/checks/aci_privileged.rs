//! `iac-aci-privileged`: an Azure Container Instances container that runs privileged.
//!
//! Only an explicit setting is judged: Container Instances run containers unprivileged unless the container's
//! security context asks otherwise (Terraform `security { privilege_enabled = true }`, ARM
//! `securityContext.privileged: true`, init containers too).
use super::{Check, Hit, Run, AZURE};
use crate::iac::arm::Template as ArmTemplate;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-aci-privileged",
    title: "Azure container instance runs privileged",
    severity: Severity::High,
    formats: AZURE,
    what: "A container of an Azure Container Instances group runs privileged: Terraform `azurerm_container_group` \
           with `security { privilege_enabled = true }` in a `container` or `init_container` block; in an ARM \
           template, a `Microsoft.ContainerInstance/containerGroups` container or init container whose \
           `properties.securityContext.privileged` is true.",
    why: "A privileged container gets every capability and the host's devices: a compromise of the application is a \
          compromise of the machine it shares with other containers of the group, and a step towards the platform \
          under it.",
    fix: "Remove the privileged setting; grant only the capabilities the container needs \
          (`securityContext.capabilities.add`), or move the workload to a service that isolates it.",
    bad: "resource \"azurerm_container_group\" \"app\" {\n  name                = \"app\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n  os_type             = \"Linux\"\n  sku                 = \"Confidential\"\n\n  container {\n    name   = \"app\"\n    image  = \"registry.example.com/app:1.4.2\"\n    cpu    = 1\n    memory = 1.5\n    security {\n      privilege_enabled = true\n    }\n  }\n}",
    good: "resource \"azurerm_container_group\" \"app\" {\n  name                = \"app\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n  os_type             = \"Linux\"\n\n  container {\n    name   = \"app\"\n    image  = \"registry.example.com/app:1.4.2\"\n    cpu    = 1\n    memory = 1.5\n  }\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 82,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), arm: Some(arm), ..Run::NONE },
};

fn container_name(c: &Node) -> String {
    c.get("name").and_then(Node::as_text).unwrap_or_else(|| "(unnamed)".to_string())
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("azurerm_container_group") {
        for kind in ["container", "init_container"] {
            for c in r.body.all(kind) {
                for security in c.all("security") {
                    let Some((key, v)) = security.entry("privilege_enabled") else { continue };
                    if v.as_bool() == Some(true) {
                        let message = format!("{kind} {}: security.privilege_enabled is true", container_name(c));
                        out.push(Hit::new(&INFO, key.line, r.address(), message).file(r.file).allow(&r.allow));
                    }
                }
            }
        }
    }
}

pub fn arm(t: &ArmTemplate, out: &mut Vec<Hit>) {
    for r in t.resources("Microsoft.ContainerInstance/containerGroups") {
        for kind in ["containers", "initContainers"] {
            for c in r.props.all(kind) {
                let Some(context) = c.get("properties").and_then(|p| p.get("securityContext")) else { continue };
                let Some((key, v)) = context.entry("privileged") else { continue };
                if v.as_bool() == Some(true) {
                    let message = format!("{kind} {}: securityContext.privileged is true", container_name(c));
                    out.push(Hit::new(&INFO, key.line, r.address(), message).allow(&r.allow));
                }
            }
        }
    }
}
