//! `iac-docker-remote-add`: `ADD` fetching a remote URL without verifying what it downloads.
use super::{Check, Hit, Run, DOCKERFILE};
use crate::iac::dockerfile::Dockerfile;
use crate::iac::json;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-docker-remote-add",
    title: "ADD downloads a remote file without a checksum",
    severity: Severity::Medium,
    formats: DOCKERFILE,
    what: "An `ADD` whose source is a remote URL (`http://`, `https://`, `ftp://`, a git URL) and that has no \
           `--checksum=` flag.",
    why: "Whatever the server returns at build time goes into the image unverified: a compromised or \
          hijacked host, or a changed release asset, silently changes your image.",
    fix: "Add `--checksum=sha256:<digest>` to the `ADD`, or download with `curl` in a `RUN` step and verify the \
          checksum or signature there.",
    bad: "FROM alpine:3.19\nADD https://example.com/tool.tar.gz /opt/",
    good: "FROM alpine:3.19\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 190, example_path: "Dockerfile", run: Run { dockerfile: Some(check), ..Run::NONE } };

fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    ["http://", "https://", "ftp://", "git://", "git@", "ssh://"].iter().any(|p| s.starts_with(p))
}

pub fn check(df: &Dockerfile, out: &mut Vec<Hit>) {
    for ins in df.instructions().filter(|i| i.keyword == "ADD") {
        let words = ins.words();
        let flags = words.iter().take_while(|(_, w)| w.starts_with("--")).count();
        if words.iter().take(flags).any(|(_, f)| f.starts_with("--checksum=")) {
            continue;
        }
        let rest = ins.args.trim_start();
        // `ADD ["src", "dest"]`: the exec form is JSON.
        let sources: Vec<(usize, String)> = if rest.starts_with('[') {
            match json::parse(rest, ins.line) {
                Ok(list) => {
                    let items: Vec<String> = list.items().filter_map(|n| n.as_text()).collect();
                    let n = items.len().saturating_sub(1);
                    items.into_iter().take(n).map(|s| (0, s)).collect()
                }
                Err(_) => Vec::new(),
            }
        } else {
            let srcs: Vec<(usize, String)> = words.into_iter().skip(flags).collect();
            let n = srcs.len().saturating_sub(1);
            srcs.into_iter().take(n).collect()
        };
        for (offset, src) in sources.into_iter().filter(|(_, s)| is_remote(s)) {
            out.push(Hit::new(
                &INFO,
                ins.line_at(offset),
                format!("ADD on line {}", ins.line),
                format!("ADD downloads {src} without --checksum"),
            ));
        }
    }
}
