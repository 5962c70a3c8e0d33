//! `iac-db-publicly-accessible`: an AWS database or warehouse given a public endpoint.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-db-publicly-accessible",
    title: "Database is publicly accessible",
    severity: Severity::High,
    formats: AWS,
    what: "An RDS instance, RDS cluster (instance), Neptune instance, Redshift cluster/workgroup or DMS \
           replication instance has `publicly_accessible = true` (CloudFormation `PubliclyAccessible: true`). \
           (DocumentDB has no such setting: its clusters are reachable from their VPC only.)",
    why: "The database gets a public DNS name and IP address. Security groups are then the only barrier, and a \
          single permissive rule exposes the database to the internet's constant scanning.",
    fix: "Set `publicly_accessible = false`, place the database in private subnets and reach it through a VPN, \
          bastion or VPC peering.",
    bad: "resource \"aws_db_instance\" \"db\" {\n  engine              = \"postgres\"\n  publicly_accessible = true\n}",
    good:
        "resource \"aws_db_instance\" \"db\" {\n  engine              = \"postgres\"\n  publicly_accessible = false\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 90,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

const TF_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster_instance",
    "aws_neptune_cluster_instance",
    "aws_redshift_cluster",
    "aws_redshiftserverless_workgroup",
    "aws_dms_replication_instance",
];
const CFN_TYPES: &[&str] = &[
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::Redshift::Cluster",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::DMS::ReplicationInstance",
];

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for rtype in TF_TYPES {
        for r in m.resources(rtype) {
            let Some((key, v)) = r.body.entry("publicly_accessible") else {
                continue;
            };
            if v.as_bool() == Some(true) {
                out.push(
                    Hit::new(&INFO, key.line, r.address(), "publicly_accessible is true".to_string())
                        .file(r.file)
                        .allow(&r.allow),
                );
            }
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for rtype in CFN_TYPES {
        for r in t.resources(rtype) {
            let Some((key, v)) = r.props.entry("PubliclyAccessible") else {
                continue;
            };
            if v.as_bool() == Some(true) {
                out.push(
                    Hit::new(&INFO, key.line, r.resource(), "PubliclyAccessible is true".to_string()).allow(&r.allow),
                );
            }
        }
    }
}
