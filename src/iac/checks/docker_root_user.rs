//! `iac-docker-root-user`: the image's final stage runs as root.
//!
//! Only the final stage decides the user of the built image. A stage built `FROM` an earlier stage inherits
//! that stage's `USER`; one built from an external image inherits the image's user, which is root unless the
//! image is known to say otherwise (distroless `:nonroot` tags).
use super::{Check, Hit, Run, DOCKERFILE};
use crate::iac::dockerfile::{image_parts, Base, Dockerfile, User};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-docker-root-user",
    title: "Container image runs as root",
    severity: Severity::Medium,
    formats: DOCKERFILE,
    what: "The final build stage sets no `USER` (and inherits none from an earlier stage or a known non-root \
           base image such as `gcr.io/distroless/*:nonroot`), or its last `USER` is `root`, `0` or `0:0`.",
    why: "Containers from the image run as root unless every runtime overrides it. Root inside the container \
          turns an application compromise into full control of the container and a much shorter path to the \
          host.",
    fix: "Create an unprivileged user and switch to it at the end of the final stage: \
          `RUN useradd --uid 10001 app` then `USER 10001`. For `FROM scratch` images use a numeric `USER 65534`.",
    bad: "FROM node:20.11-alpine\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]",
    good: "FROM node:20.11-alpine\nCOPY . /app\nUSER 10001\nCMD [\"node\", \"/app/server.js\"]",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 170, example_path: "Dockerfile", run: Run { dockerfile: Some(check), ..Run::NONE } };

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

/// Images known to declare a non-root user: distroless `:nonroot` tags (uid 65532). Other images are assumed
/// to run as root, which is the common default.
pub fn nonroot_image(image: &str) -> bool {
    let (name, tag, _) = image_parts(image);
    name.contains("/distroless/") && tag.is_some_and(|t| t == "nonroot" || t.ends_with("-nonroot"))
}

pub fn check(df: &Dockerfile, out: &mut Vec<Hit>) {
    let Some(last) = df.stages.last() else { return };
    let resource = |line: usize| format!("final stage (FROM on line {line})");
    let mut stage = last;
    // Earlier stages only: `Base::Stage` always points backwards, so this walk ends.
    for _ in 0..=df.stages.len() {
        match &stage.user {
            User::Set { value: None, .. } => return,
            User::Set { line, value: Some(v) } => {
                if is_root(v) {
                    let msg = if std::ptr::eq(stage, last) {
                        format!("the final stage's last USER is {v}")
                    } else {
                        format!("the final stage inherits USER {v} from the stage it is built on")
                    };
                    out.push(Hit::new(&INFO, *line, resource(last.from_line), msg).anchor(last.from_line));
                }
                return;
            }
            User::Unset => match &stage.base {
                Base::Stage(i) => match df.stages.get(*i) {
                    Some(s) => stage = s,
                    None => return,
                },
                Base::Scratch => {
                    let msg = "the final stage is FROM scratch with no USER, so it runs as uid 0".to_string();
                    out.push(Hit::new(&INFO, last.from_line, resource(last.from_line), msg));
                    return;
                }
                Base::Image(img) if nonroot_image(img) => return,
                Base::Image(img) => {
                    let msg = format!(
                        "the final stage never sets USER, so it runs as {img}'s default user (root unless the \
                         image sets one)"
                    );
                    out.push(Hit::new(&INFO, last.from_line, resource(last.from_line), msg));
                    return;
                }
                Base::Unknown => return,
            },
        }
    }
}
