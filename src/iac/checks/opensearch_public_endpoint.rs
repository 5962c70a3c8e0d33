//! `iac-opensearch-public-endpoint`: an Amazon OpenSearch Service (or legacy Elasticsearch Service) domain
//! created with a public endpoint.
//!
//! A domain is reachable from the internet unless it is placed in a VPC, and that is decided only by the
//! presence of `vpc_options` (CloudFormation `VPCOptions`) when the domain is created: AWS documents that a
//! domain cannot move between public and VPC access afterwards. Its access policy is then the only barrier,
//! so the finding is medium; a domain whose options are not all known (a `dynamic "vpc_options"` block is read
//! as present) is not reported.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-opensearch-public-endpoint",
    title: "OpenSearch domain has a public endpoint",
    severity: Severity::Medium,
    formats: AWS,
    what: "An `aws_opensearch_domain` or `aws_elasticsearch_domain` without a `vpc_options` block (CloudFormation \
           `AWS::OpenSearchService::Domain` or `AWS::Elasticsearch::Domain` without `VPCOptions`).",
    why: "Without VPC access the domain's endpoint is on the internet, guarded only by its access policy; one \
          policy statement that allows `*` (or an IP condition that is too wide) then exposes every index, and \
          internet-wide scanners look for open search clusters to copy or wipe.",
    fix: "Create the domain with `vpc_options { subnet_ids = [...] security_group_ids = [...] }` (VPC access \
          cannot be added to an existing public domain: create a new one and migrate), and keep the access \
          policy limited to named IAM principals.",
    bad: "resource \"aws_opensearch_domain\" \"logs\" {\n  domain_name    = \"logs\"\n  engine_version = \"OpenSearch_2.11\"\n}",
    good: "resource \"aws_opensearch_domain\" \"logs\" {\n  domain_name    = \"logs\"\n  engine_version = \"OpenSearch_2.11\"\n\n  vpc_options {\n    subnet_ids         = [aws_subnet.private.id]\n    security_group_ids = [aws_security_group.search.id]\n  }\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 92,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

const TF_TYPES: &[&str] = &["aws_opensearch_domain", "aws_elasticsearch_domain"];
const CFN_TYPES: &[&str] = &["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"];

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for rtype in TF_TYPES {
        for r in m.resources(rtype).filter(|r| r.body.get("vpc_options").is_none()) {
            let message = "no vpc_options: the domain endpoint is public".to_string();
            out.push(Hit::new(&INFO, r.line, r.address(), message).file(r.file).end(r.end_line).allow(&r.allow));
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for rtype in CFN_TYPES {
        for r in t.resources(rtype).filter(|r| !r.props.is_unknown() && r.props.get("VPCOptions").is_none()) {
            let message = "no VPCOptions: the domain endpoint is public".to_string();
            out.push(Hit::new(&INFO, r.line, r.resource(), message).allow(&r.allow));
        }
    }
}
