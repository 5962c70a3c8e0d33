//! `iac-s3-no-public-access-block`: an S3 bucket that no public access block in its module covers.
//!
//! Joined within the module: a bucket is covered by an `aws_s3_bucket_public_access_block` whose `bucket`
//! references it (`aws_s3_bucket.site.id`, `.bucket`, `.arn`, `aws_s3_bucket.site[0].id`) or names it
//! literally, and every bucket is covered by an `aws_s3_account_public_access_block` in the module. A block
//! whose `bucket` cannot be followed (a variable without default, another module's output) might cover any
//! bucket, so then nothing is reported rather than guessed. Whether a block that exists has its settings on is
//! `iac-s3-public-access-block-disabled`'s question. In CloudFormation the block is the bucket's own
//! `PublicAccessBlockConfiguration`.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::node::Node;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-s3-no-public-access-block",
    title: "S3 bucket has no public access block",
    severity: Severity::Medium,
    formats: AWS,
    what: "An `aws_s3_bucket` with no `aws_s3_bucket_public_access_block` pointing at it and no \
           `aws_s3_account_public_access_block` in the same module (CloudFormation: an `AWS::S3::Bucket` without \
           `PublicAccessBlockConfiguration`).",
    why: "The public access block is what keeps a later ACL or policy change from publishing the bucket. AWS \
          turns it on for new buckets by default, but only the configuration says so for every account, every \
          bucket created before that default, and every tool that creates buckets with its own settings; \
          without it, one `public-read` ACL or `*` policy makes the data public.",
    fix: "Add an `aws_s3_bucket_public_access_block` for the bucket with all four settings true (or one \
          `aws_s3_account_public_access_block` for the account). A bucket that must be public, such as a static \
          website, can be marked: `# leakgate:allow iac-s3-no-public-access-block static website`.",
    bad: "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"acme-data\"\n}",
    good: "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"acme-data\"\n}\n\nresource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket                  = aws_s3_bucket.data.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 25,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    if m.resources("aws_s3_account_public_access_block").next().is_some() {
        return;
    }
    let mut covered_names: Vec<String> = Vec::new();
    let mut covered_literals: Vec<String> = Vec::new();
    for pab in m.resources("aws_s3_bucket_public_access_block") {
        let Some(target) = pab.body.get("bucket") else { continue };
        if let Some(name) = target.as_str() {
            covered_literals.push(name.to_string());
        } else if let Some(b) = m.referenced(target).filter(|b| b.rtype == "aws_s3_bucket") {
            covered_names.push(b.name.clone());
        } else {
            return; // a block for a bucket we cannot name: it may be any of them
        }
    }
    for b in m.resources("aws_s3_bucket") {
        let literal = b.body.get("bucket").and_then(Node::as_str);
        if covered_names.contains(&b.name) || literal.is_some_and(|l| covered_literals.iter().any(|c| c == l)) {
            continue;
        }
        out.push(
            Hit::new(&INFO, b.line, b.address(), "no aws_s3_bucket_public_access_block refers to this bucket".into())
                .file(b.file)
                .end(b.end_line)
                .allow(&b.allow),
        );
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::S3::Bucket") {
        if r.props.get("PublicAccessBlockConfiguration").is_some() {
            continue;
        }
        out.push(
            Hit::new(&INFO, r.line, r.resource(), "the bucket has no PublicAccessBlockConfiguration".into())
                .allow(&r.allow),
        );
    }
}
