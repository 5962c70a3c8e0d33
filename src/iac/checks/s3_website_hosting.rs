//! `iac-s3-website-hosting`: an S3 bucket configured as a static website.
//!
//! S3 website endpoints serve objects to anonymous visitors only, so website hosting is a bucket meant to be
//! public: the finding asks to confirm that, and a deliberate site is marked once on the bucket (the marker
//! also covers an `aws_s3_bucket_website_configuration` pointing at it).
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-s3-website-hosting",
    title: "S3 bucket hosts a static website",
    severity: Severity::Medium,
    formats: AWS,
    what: "An `aws_s3_bucket_website_configuration`, an inline `website` block on `aws_s3_bucket` (provider v3 \
           style), or a CloudFormation `AWS::S3::Bucket` with `WebsiteConfiguration`.",
    why: "A website endpoint serves objects to anyone without authentication and over plain HTTP only, so the \
          bucket has to be publicly readable; whatever else lands in it (backups, build artefacts, uploads) is \
          public too.",
    fix: "Serve the site through CloudFront with an origin access control and keep the bucket private (no \
          website configuration). If the bucket really is a public website holding nothing else, mark it: \
          `# leakgate:allow iac-s3-website-hosting public site`.",
    bad: "resource \"aws_s3_bucket_website_configuration\" \"site\" {\n  bucket = aws_s3_bucket.site.id\n\n  index_document {\n    suffix = \"index.html\"\n  }\n}",
    good: "resource \"aws_cloudfront_origin_access_control\" \"site\" {\n  name                              = \"site\"\n  origin_access_control_origin_type = \"s3\"\n  signing_behavior                  = \"always\"\n  signing_protocol                  = \"sigv4\"\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 35,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for r in m.resources("aws_s3_bucket_website_configuration") {
        let allow = m.allow_via(r, "bucket");
        let msg = "the bucket is served as a static website (anonymous HTTP access)".to_string();
        out.push(Hit::new(&INFO, r.line, r.address(), msg).file(r.file).end(r.end_line).allow(&allow));
    }
    for r in m.resources("aws_s3_bucket") {
        for (key, website) in r.body.entries().iter().filter(|(k, _)| k.name == "website") {
            if website.is_null() {
                continue;
            }
            let msg = "website block: the bucket is served as a static website (anonymous HTTP access)".to_string();
            out.push(Hit::new(&INFO, key.line, r.address(), msg).file(r.file).end(website.end_line).allow(&r.allow));
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::S3::Bucket") {
        let Some((key, website)) = r.props.entry("WebsiteConfiguration") else {
            continue;
        };
        if website.is_null() {
            continue;
        }
        let msg = "WebsiteConfiguration: the bucket is served as a static website (anonymous HTTP access)".to_string();
        out.push(Hit::new(&INFO, key.line, r.resource(), msg).end(website.end_line).allow(&r.allow));
    }
}
