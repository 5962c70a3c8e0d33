//! `iac-s3-public-access-block-disabled`: an S3 public access block that leaves one of its four guards off.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-s3-public-access-block-disabled",
    title: "S3 public access block has a setting turned off",
    severity: Severity::Medium,
    formats: AWS,
    what: "An `aws_s3_bucket_public_access_block` / `aws_s3_account_public_access_block` (CloudFormation \
           `PublicAccessBlockConfiguration`) sets `block_public_acls`, `block_public_policy`, `ignore_public_acls` \
           or `restrict_public_buckets` to false, or leaves one out (it then defaults to false).",
    why: "The public access block is the account- and bucket-level safety net that stops a later ACL or \
          policy change from making data public. Each setting that is off removes one layer of that net.",
    fix: "Set all four settings to true. If the bucket must serve public content (a static website), mark the \
          block with its reason: `# leakgate:allow iac-s3-public-access-block-disabled static website`.",
    bad: "resource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket              = aws_s3_bucket.b.id\n  block_public_acls   = true\n  block_public_policy = false\n}",
    good: "resource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket                  = aws_s3_bucket.b.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 20,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

const TF_SETTINGS: [&str; 4] =
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
const CFN_SETTINGS: [&str; 4] = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

/// (line, message) for each setting that is off; settings left out are reported together on `block_line`.
/// A setting whose value is unknown (a variable without default) is not reported.
fn disabled(block: &Node, block_line: usize, settings: [&str; 4]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for s in settings {
        match block.entry(s) {
            None => missing.push(s),
            Some((key, v)) if v.as_bool() == Some(false) => out.push((key.line, format!("{s} is false"))),
            Some(_) => {}
        }
    }
    if !missing.is_empty() {
        out.push((block_line, format!("{} not set (defaults to false)", missing.join(", "))));
    }
    out
}

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for rtype in ["aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"] {
        for r in m.resources(rtype) {
            let allow = m.allow_via(r, "bucket");
            for (line, msg) in disabled(&r.body, r.line, TF_SETTINGS) {
                let end = if line == r.line { r.end_line } else { line };
                out.push(Hit::new(&INFO, line, r.address(), msg).file(r.file).end(end).allow(&allow));
            }
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::S3::Bucket") {
        let Some((key, block)) = r.props.entry("PublicAccessBlockConfiguration") else {
            continue;
        };
        if block.is_unknown() {
            continue;
        }
        for (line, msg) in disabled(block, key.line, CFN_SETTINGS) {
            out.push(Hit::new(&INFO, line, r.resource(), msg).anchor(key.line).allow(&r.allow));
        }
    }
}
