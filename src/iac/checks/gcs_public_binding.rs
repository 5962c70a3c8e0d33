//! `iac-gcs-public-binding`: a Google Cloud Storage bucket readable or writable by `allUsers` or
//! `allAuthenticatedUsers`, through IAM bindings, IAM members or legacy ACLs.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-gcs-public-binding",
    title: "GCS bucket granted to allUsers or allAuthenticatedUsers",
    severity: Severity::High,
    formats: TERRAFORM,
    what: "A `google_storage_bucket_iam_binding`, `google_storage_bucket_iam_member`, `google_storage_bucket_acl` \
           or `google_storage_default_object_acl` grants a role to `allUsers` or `allAuthenticatedUsers`, or \
           uses the `publicRead`/`publicReadWrite` predefined ACL.",
    why: "`allUsers` is anyone on the internet; `allAuthenticatedUsers` is anyone with any Google account. Either \
          makes the bucket's objects public.",
    fix: "Grant the role to specific users, groups or service accounts, and enable uniform bucket-level access \
          with public access prevention enforced. Mark deliberately public buckets with \
          `# leakgate:allow iac-gcs-public-binding <reason>`.",
    bad: "resource \"google_storage_bucket_iam_member\" \"public\" {\n  bucket = google_storage_bucket.b.name\n  role   = \"roles/storage.objectViewer\"\n  member = \"allUsers\"\n}",
    good: "resource \"google_storage_bucket_iam_member\" \"reader\" {\n  bucket = google_storage_bucket.b.name\n  role   = \"roles/storage.objectViewer\"\n  member = \"group:readers@example.com\"\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 40, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

const PUBLIC: &[&str] = &["allUsers", "allAuthenticatedUsers"];

fn role(r: &Node) -> String {
    r.get("role").and_then(Node::as_str).map(|s| format!(" {s}")).unwrap_or_default()
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    let mut push = |r: &crate::iac::terraform::TfBlock, line: usize, msg: String| {
        out.push(Hit::new(&INFO, line, r.address(), msg).file(r.file).allow(&r.allow));
    };
    for r in m.resources("google_storage_bucket_iam_binding") {
        for member in r.body.all("members").filter(|n| n.as_str().is_some_and(|s| PUBLIC.contains(&s))) {
            let who = member.as_str().unwrap_or_default();
            push(r, member.line, format!("grants{} to {who}", role(&r.body)));
        }
    }
    for r in m.resources("google_storage_bucket_iam_member") {
        if let Some(member) = r.body.get("member").filter(|n| n.as_str().is_some_and(|s| PUBLIC.contains(&s))) {
            let who = member.as_str().unwrap_or_default();
            push(r, member.line, format!("grants{} to {who}", role(&r.body)));
        }
    }
    for rtype in ["google_storage_bucket_acl", "google_storage_default_object_acl"] {
        for r in m.resources(rtype) {
            for entity in r.body.all("role_entity") {
                let Some(e) = entity.as_str() else { continue };
                if let Some((role, who)) = e.split_once(':').filter(|(_, w)| PUBLIC.contains(w)) {
                    push(r, entity.line, format!("ACL grants {role} to {who}"));
                }
            }
            if let Some((key, acl)) = r.body.entry("predefined_acl") {
                if let Some(a) = acl.as_str().filter(|a| matches!(*a, "publicRead" | "publicReadWrite")) {
                    push(r, key.line, format!("predefined ACL is {a}"));
                }
            }
        }
    }
}
