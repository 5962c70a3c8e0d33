//! `iac-ecs-root-user`: an ECS container definition explicitly set to run as root.
//!
//! Only an explicit `user` is judged, as for Compose: without one the image's `USER` decides, which the task
//! definition cannot show (and a Dockerfile in the same change is judged by `iac-docker-root-user`). The
//! container definitions are read as `iac-ecs-privileged` reads them.
use super::ecs_privileged::definitions;
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-ecs-root-user",
    title: "ECS container runs as root",
    severity: Severity::Medium,
    formats: AWS,
    what: "A container definition of an ECS task (`aws_ecs_task_definition` `container_definitions`, \
           `AWS::ECS::TaskDefinition` `ContainerDefinitions`) sets `user` to `root` or `0`, with or without a group \
           (`0:0`, `root:app`).",
    why: "The container's processes run as root, overriding a non-root `USER` the image may have; a compromise of \
          the task is then root in the container, one kernel flaw or host mount away from the container instance.",
    fix: "Set `user` to an unprivileged uid (`\"10001:10001\"`), or remove it and give the image a non-root \
          `USER`.",
    bad: "resource \"aws_ecs_task_definition\" \"app\" {\n  family = \"app\"\n  container_definitions = jsonencode([{\n    name  = \"app\"\n    image = \"registry.example.com/app:1.4.2\"\n    user  = \"root\"\n  }])\n}",
    good: "resource \"aws_ecs_task_definition\" \"app\" {\n  family = \"app\"\n  container_definitions = jsonencode([{\n    name  = \"app\"\n    image = \"registry.example.com/app:1.4.2\"\n    user  = \"10001:10001\"\n  }])\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 97,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

/// (line, message) for each container whose `user_key` names root.
fn judge(defs: Option<&Node>, user_key: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for c in defs.into_iter().flat_map(Node::items).filter(|c| c.is_map()) {
        let Some(user) = c.get(user_key) else { continue };
        let Some(text) = user.as_text() else { continue };
        let name = text.split(':').next().unwrap_or("").trim();
        if name == "root" || name == "0" {
            let container = c.get("name").or_else(|| c.get("Name")).and_then(Node::as_text);
            let container = container.unwrap_or_else(|| "(unnamed)".to_string());
            out.push((user.line, format!("container {container}: {user_key} is {text}")));
        }
    }
    out
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("aws_ecs_task_definition") {
        let defs = r.body.get("container_definitions").and_then(definitions);
        for (line, msg) in judge(defs.as_ref(), "user") {
            out.push(Hit::new(&INFO, line, r.address(), msg).file(r.file).allow(&r.allow));
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::ECS::TaskDefinition") {
        for (line, msg) in judge(r.props.get("ContainerDefinitions"), "User") {
            out.push(Hit::new(&INFO, line, r.resource(), msg).allow(&r.allow));
        }
    }
}
