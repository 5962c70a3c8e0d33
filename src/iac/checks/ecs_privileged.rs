//! `iac-ecs-privileged`: an ECS task definition whose containers run privileged or share the host's PID or IPC
//! namespace.
//!
//! Terraform's `aws_ecs_task_definition` takes `container_definitions` as a JSON string: written with
//! `jsonencode([...])` it is read as evaluated, as a heredoc or literal string it is parsed as JSON (keeping
//! the heredoc's lines); `file(...)` and other unknown values are not guessed. CloudFormation's
//! `AWS::ECS::TaskDefinition` has `ContainerDefinitions` and `PidMode`/`IpcMode` as properties.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::json;
use crate::iac::node::{Node, Val};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-ecs-privileged",
    title: "ECS task runs a privileged container or shares a host namespace",
    severity: Severity::High,
    formats: AWS,
    what: "An ECS task definition (`aws_ecs_task_definition`, `AWS::ECS::TaskDefinition`) with a container \
           definition whose `privileged` is true, or a task `pid_mode`/`PidMode` or `ipc_mode`/`IpcMode` of \
           `host`.",
    why: "A privileged container has every capability and the host's devices; a host PID namespace lets it see \
          and signal every process on the instance, a host IPC namespace lets it read other processes' shared \
          memory. Any compromise of the task becomes a compromise of the container instance and its other tasks.",
    fix: "Remove `privileged` (add only the Linux capabilities the container needs under `linuxParameters`), \
          and leave `pid_mode`/`ipc_mode` unset or `task`.",
    bad: "resource \"aws_ecs_task_definition\" \"app\" {\n  family = \"app\"\n  container_definitions = jsonencode([{\n    name       = \"app\"\n    image      = \"registry.example.com/app:1.4.2\"\n    privileged = true\n  }])\n}",
    good: "resource \"aws_ecs_task_definition\" \"app\" {\n  family = \"app\"\n  container_definitions = jsonencode([{\n    name  = \"app\"\n    image = \"registry.example.com/app:1.4.2\"\n  }])\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 95,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

/// The container definitions as a tree: evaluated `jsonencode`, or JSON text (a heredoc keeps its lines).
pub fn definitions(n: &Node) -> Option<Node> {
    match &n.val {
        Val::Seq(_) => Some(n.clone()),
        Val::Str(s) if s.trim_start().starts_with('[') => {
            let mut tree = json::parse(s, n.line).ok()?;
            if n.end_line == n.line {
                tree.relocate(n.line, n.line);
            }
            Some(tree)
        }
        _ => None,
    }
}

/// (line, message) for each privileged container and host namespace.
fn judge(defs: Option<&Node>, modes: [(&str, Option<&Node>); 2], privileged_key: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for c in defs.into_iter().flat_map(Node::items).filter(|c| c.is_map()) {
        if let Some(p) = c.get(privileged_key).filter(|p| p.as_bool() == Some(true)) {
            let name = c.get("name").or_else(|| c.get("Name")).and_then(Node::as_text);
            let name = name.unwrap_or_else(|| "(unnamed)".to_string());
            out.push((p.line, format!("container {name}: {privileged_key} is true")));
        }
    }
    for (attr, mode) in modes {
        if let Some(m) = mode.filter(|m| m.as_str().is_some_and(|s| s.eq_ignore_ascii_case("host"))) {
            out.push((m.line, format!("{attr} is host")));
        }
    }
    out
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("aws_ecs_task_definition") {
        let b = &r.body;
        let defs = b.get("container_definitions").and_then(definitions);
        for (line, msg) in
            judge(defs.as_ref(), [("pid_mode", b.get("pid_mode")), ("ipc_mode", b.get("ipc_mode"))], "privileged")
        {
            out.push(Hit::new(&INFO, line, r.address(), msg).file(r.file).allow(&r.allow));
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::ECS::TaskDefinition") {
        let p = &r.props;
        let modes = [("PidMode", p.get("PidMode")), ("IpcMode", p.get("IpcMode"))];
        for (line, msg) in judge(p.get("ContainerDefinitions"), modes, "Privileged") {
            out.push(Hit::new(&INFO, line, r.resource(), msg).allow(&r.allow));
        }
    }
}
