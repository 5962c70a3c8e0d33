//! `iac-s3-public-acl`: an S3 bucket whose canned ACL or grants open it to everyone or to every AWS account.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::node::Node;
use crate::iac::terraform::{Module, TfBlock};
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-s3-public-acl",
    title: "S3 bucket ACL grants public access",
    severity: Severity::High,
    formats: AWS,
    what: "An S3 bucket ACL is `public-read`, `public-read-write` or `authenticated-read` (CloudFormation \
           `PublicRead`, `PublicReadWrite`, `AuthenticatedRead`), or grants a permission to the `AllUsers` or \
           `AuthenticatedUsers` group.",
    why: "Anyone on the internet (or anyone with any AWS account) can list and read — and with \
          `public-read-write` overwrite — every object. Public buckets are one of the most common sources of \
          large data leaks.",
    fix: "Use the `private` ACL (or no ACL with `BucketOwnerEnforced` object ownership) and grant access through \
          IAM or a CloudFront origin access control. For a bucket that is public on purpose, such as a static \
          website, mark it: `# leakgate:allow iac-s3-public-acl static website` above the resource.",
    bad: "resource \"aws_s3_bucket_acl\" \"site\" {\n  bucket = aws_s3_bucket.site.id\n  acl    = \"public-read\"\n}",
    good: "resource \"aws_s3_bucket_acl\" \"site\" {\n  bucket = aws_s3_bucket.site.id\n  acl    = \"private\"\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 10,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

const PUBLIC_CANNED: &[&str] = &["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_CFN: &[&str] = &["PublicRead", "PublicReadWrite", "AuthenticatedRead"];
const PUBLIC_GROUPS: &[&str] =
    &["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    // The inline `acl`/`grant` arguments of `aws_s3_bucket` (provider v3 style) and `aws_s3_bucket_acl`.
    for r in m.resources("aws_s3_bucket") {
        canned(r, r.body.entry("acl"), &r.allow, out);
        for grant in r.body.all("grant") {
            group_grant(r, grant, grant.get("uri"), &r.allow, out);
        }
    }
    for r in m.resources("aws_s3_bucket_acl") {
        let allow = m.allow_via(r, "bucket");
        canned(r, r.body.entry("acl"), &allow, out);
        for policy in r.body.all("access_control_policy") {
            for grant in policy.all("grant") {
                for grantee in grant.all("grantee") {
                    group_grant(r, grant, grantee.get("uri"), &allow, out);
                }
            }
        }
    }
}

fn canned(r: &TfBlock, acl: Option<(&crate::iac::node::Key, &Node)>, allow: &[String], out: &mut Vec<Hit>) {
    let Some((key, value)) = acl else { return };
    if let Some(acl) = value.as_str().filter(|a| PUBLIC_CANNED.contains(a)) {
        out.push(Hit::new(&INFO, key.line, r.address(), format!("bucket ACL is \"{acl}\"")).file(r.file).allow(allow));
    }
}

fn group_grant(r: &TfBlock, grant: &Node, uri: Option<&Node>, allow: &[String], out: &mut Vec<Hit>) {
    let Some(uri) = uri else { return };
    if let Some(group) = uri.as_str().filter(|u| PUBLIC_GROUPS.contains(u)) {
        let who = group.rsplit('/').next().unwrap_or(group);
        out.push(
            Hit::new(&INFO, uri.line, r.address(), format!("bucket ACL grants access to the {who} group"))
                .file(r.file)
                .end(grant.end_line)
                .anchor(grant.line)
                .allow(allow),
        );
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::S3::Bucket") {
        let Some((key, v)) = r.props.entry("AccessControl") else {
            continue;
        };
        if let Some(acl) = v.as_str().filter(|a| PUBLIC_CFN.contains(a)) {
            out.push(Hit::new(&INFO, key.line, r.resource(), format!("AccessControl is {acl}")).allow(&r.allow));
        }
    }
}
