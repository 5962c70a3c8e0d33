//! `iac-docker-unpinned-base`: a `FROM` whose image can change under the same name.
use super::{Check, Hit, Run, DOCKERFILE};
use crate::iac::dockerfile::{image_parts, Base, Dockerfile};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-docker-unpinned-base",
    title: "Base image is not pinned",
    severity: Severity::Low,
    formats: DOCKERFILE,
    what: "A `FROM` names an image with no tag or with `:latest`, and no `@sha256:` digest. `scratch`, earlier \
           build stages and images held in unresolved build arguments are not judged.",
    why: "`latest` and untagged references move: every build may pull a different image, so builds are not \
          reproducible and a compromised or broken upstream push flows straight into your image.",
    fix: "Pin the base image by digest (`FROM node:20.11-alpine@sha256:<digest>`) and let a bot such as Renovate \
          or Dependabot propose updates; at least use a specific version tag.",
    bad: "FROM python:latest",
    good: "FROM python:3.12.2-slim@sha256:5f0192a4f58a6ce99f732fe05e3b3d00f12ae62e183886bca3ebe3d202686c7f",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 180, example_path: "Dockerfile", run: Run { dockerfile: Some(check), ..Run::NONE } };

pub fn check(df: &Dockerfile, out: &mut Vec<Hit>) {
    for (i, stage) in df.stages.iter().enumerate() {
        let Base::Image(image) = &stage.base else {
            continue;
        };
        let (name, tag, digest) = image_parts(image);
        if digest.is_some() {
            continue;
        }
        let msg = match tag {
            None => format!("base image {name} has no tag or digest (it means :latest)"),
            Some("latest") => format!("base image {image} uses the moving latest tag"),
            Some(_) => continue,
        };
        out.push(Hit::new(&INFO, stage.from_line, format!("stage {} (FROM {image})", i + 1), msg));
    }
}
