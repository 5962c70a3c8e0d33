//! `iac-gcs-no-public-access-prevention`: a Google Cloud Storage bucket that does not enforce public access
//! prevention.
//!
//! Low severity, by the documented semantics: without `public_access_prevention = "enforced"` the bucket follows
//! the organisation policy (`inherited`, the default), which may or may not prevent public access, and the bucket
//! is public only once something grants `allUsers` or `allAuthenticatedUsers` — which `iac-gcs-public-binding`
//! reports at high severity. So this finding is the missing guard, not an exposure; the hooks, which fail from
//! medium up by default, show it as a warning. A value decided elsewhere (a variable without default) is not
//! reported.
use super::{Check, Hit, Run, TERRAFORM};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-gcs-no-public-access-prevention",
    title: "GCS bucket does not enforce public access prevention",
    severity: Severity::Low,
    formats: TERRAFORM,
    what: "A `google_storage_bucket` without `public_access_prevention = \"enforced\"` (the attribute left out, or \
           `\"inherited\"`).",
    why: "Public access prevention is what makes a later `allUsers` grant or public ACL fail instead of publishing \
          the bucket. Left at `inherited`, the bucket is protected only if an organisation policy says so, which \
          the configuration cannot show, and a single IAM change makes its objects public.",
    fix: "Set `public_access_prevention = \"enforced\"` (and `uniform_bucket_level_access = true`). A bucket that \
          must be public, such as a static website, can be marked: \
          `# leakgate:allow iac-gcs-no-public-access-prevention static website`.",
    bad: "resource \"google_storage_bucket\" \"data\" {\n  name     = \"acme-data\"\n  location = \"EU\"\n}",
    good: "resource \"google_storage_bucket\" \"data\" {\n  name                        = \"acme-data\"\n  location                    = \"EU\"\n  uniform_bucket_level_access = true\n  public_access_prevention    = \"enforced\"\n}",
};

pub(crate) const CHECK: Check =
    Check { info: &INFO, order: 45, example_path: "main.tf", run: Run { terraform: Some(terraform), ..Run::NONE } };

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("google_storage_bucket") {
        let (line, message) = match r.body.entry("public_access_prevention") {
            None => (r.line, "public_access_prevention is not set (the default is \"inherited\")".to_string()),
            Some((key, v)) => match v.as_str() {
                Some(p) if !p.eq_ignore_ascii_case("enforced") => {
                    (key.line, format!("public_access_prevention is \"{p}\", not \"enforced\""))
                }
                _ => continue,
            },
        };
        out.push(Hit::new(&INFO, line, r.address(), message).file(r.file).allow(&r.allow));
    }
}
