//! `iac-s3-public-policy`: an S3 bucket policy statement that allows any principal (`"*"`) with no Condition.
//!
//! Policies are read wherever Terraform and CloudFormation put them: `jsonencode({…})`, heredoc or string
//! JSON (unknown interpolations such as `${aws_s3_bucket.b.arn}` inside it do not stop the read), a
//! `data "aws_iam_policy_document"` in the same module, or a CloudFormation `PolicyDocument`.
use super::{Check, Hit, Run, AWS};
use crate::iac::cloudformation::Template;
use crate::iac::json;
use crate::iac::node::{Node, Val};
use crate::iac::terraform::Module;
use crate::iac::CheckInfo;
use crate::rules::Severity;

pub const INFO: CheckInfo = CheckInfo {
    id: "iac-s3-public-policy",
    title: "S3 bucket policy allows anyone",
    severity: Severity::High,
    formats: AWS,
    what: "A bucket policy statement with `Effect: Allow` and `Principal: \"*\"` (or `{\"AWS\": \"*\"}`) that has no \
           `Condition` narrowing who can use it.",
    why: "`\"*\"` means every caller on the internet, signed or not. Without a condition (source VPC endpoint, \
          source ARN, organisation id) the statement's actions are open to everyone.",
    fix: "Name the principals that need access, or add a `Condition` such as `aws:SourceVpce`, `aws:SourceArn` or \
          `aws:PrincipalOrgID`. For a deliberately public static website, mark the bucket or the policy: \
          `# leakgate:allow iac-s3-public-policy static website`.",
    bad: "resource \"aws_s3_bucket_policy\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  policy = jsonencode({\n    Statement = [{\n      Effect    = \"Allow\"\n      Principal = \"*\"\n      Action    = \"s3:GetObject\"\n      Resource  = \"${aws_s3_bucket.b.arn}/*\"\n    }]\n  })\n}",
    good: "resource \"aws_s3_bucket_policy\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  policy = jsonencode({\n    Statement = [{\n      Effect    = \"Allow\"\n      Principal = \"*\"\n      Action    = \"s3:GetObject\"\n      Resource  = \"${aws_s3_bucket.b.arn}/*\"\n      Condition = { StringEquals = { \"aws:SourceVpce\" = \"vpce-1a2b3c4d\" } }\n    }]\n  })\n}",
};

pub(crate) const CHECK: Check = Check {
    info: &INFO,
    order: 30,
    example_path: "main.tf",
    run: Run { terraform: Some(terraform), cloudformation: Some(cloudformation), ..Run::NONE },
};

pub fn terraform(m: &Module, out: &mut Vec<Hit>) {
    for (rtype, bucket_attr) in [("aws_s3_bucket_policy", Some("bucket")), ("aws_s3_bucket", None)] {
        for r in m.resources(rtype) {
            let Some(policy) = r.body.get("policy") else {
                continue;
            };
            let allow = match bucket_attr {
                Some(attr) => m.allow_via(r, attr),
                None => r.allow.clone(),
            };
            let doc = m.referenced(policy).filter(|d| d.is_data && d.rtype == "aws_iam_policy_document");
            if let Some(doc) = doc {
                for (line, msg) in policy_document(&doc.body) {
                    out.push(
                        Hit::new(&INFO, line, doc.address(), format!("{msg}; used as the policy of {}", r.address()))
                            .file(doc.file)
                            .allow(&allow)
                            .allow(&doc.allow),
                    );
                }
                continue;
            }
            let Some(tree) = policy_tree(policy) else {
                continue;
            };
            for (line, msg) in public_statements(&tree) {
                out.push(Hit::new(&INFO, line, r.address(), msg).file(r.file).allow(&allow));
            }
        }
    }
}

pub fn cloudformation(t: &Template, out: &mut Vec<Hit>) {
    for r in t.resources("AWS::S3::BucketPolicy") {
        let Some(policy) = r.props.get("PolicyDocument") else {
            continue;
        };
        let Some(tree) = policy_tree(policy) else {
            continue;
        };
        let allow = t.allow_via(r, "Bucket");
        for (line, msg) in public_statements(&tree) {
            out.push(Hit::new(&INFO, line, r.resource(), msg).allow(&allow));
        }
    }
}

/// The policy as a tree: already one (`jsonencode`, YAML), or JSON text. Text spanning several source lines
/// (a heredoc) keeps its own line numbers; single-line text reports everything on its line.
fn policy_tree(policy: &Node) -> Option<Node> {
    let text = match &policy.val {
        Val::Map(_) => return Some(policy.clone()),
        Val::Str(s) | Val::Unknown(s) if policy.tag.is_none() => s,
        _ => return None,
    };
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let mut tree = json::parse(text, policy.line).ok()?;
    if policy.end_line == policy.line {
        tree.relocate(policy.line, policy.line);
    }
    Some(tree)
}

/// (line of the `"*"`, message) for each public, unconditioned Allow statement of an IAM policy document.
pub fn public_statements(policy: &Node) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for st in policy.all("Statement") {
        if st.get("Effect").and_then(Node::as_str) != Some("Allow") {
            continue;
        }
        let Some(star) = st.get("Principal").and_then(public_principal) else {
            continue;
        };
        let restricted = match st.get("Condition") {
            None => false,
            Some(c) => !(c.is_null() || (c.is_map() && c.entries().is_empty())),
        };
        if !restricted {
            out.push((star.line, describe(st, "Principal \"*\"", "Sid", "Action")));
        }
    }
    out
}

fn public_principal(p: &Node) -> Option<&Node> {
    if p.as_str() == Some("*") {
        return Some(p);
    }
    p.get("AWS")?.items().find(|i| i.as_str() == Some("*"))
}

/// `data "aws_iam_policy_document"`: `statement` blocks with `principals { type = "*" }` or
/// `{ type = "AWS", identifiers = ["*"] }` and no `condition` block. `effect` defaults to Allow.
fn policy_document(body: &Node) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for st in body.all("statement") {
        let effect = match st.get("effect") {
            None => Some("Allow"),
            Some(e) => e.as_str(),
        };
        if effect != Some("Allow") || st.all("condition").next().is_some() {
            continue;
        }
        for p in st.all("principals") {
            let ids = p.get("identifiers");
            let star = ids.and_then(|i| i.items().find(|x| x.as_str() == Some("*")));
            let public = match p.get("type").and_then(Node::as_str) {
                Some("*") => true,
                Some("AWS") => star.is_some(),
                _ => false,
            };
            if public {
                let line = star.or(ids).map_or(p.line, |n| n.line);
                out.push((line, describe(st, "principals \"*\"", "sid", "actions")));
            }
        }
    }
    out
}

fn describe(st: &Node, who: &str, sid_key: &str, action_key: &str) -> String {
    let sid = st
        .get(sid_key)
        .and_then(Node::as_str)
        .map(|s| format!("statement \"{s}\""))
        .unwrap_or_else(|| "a statement".to_string());
    let actions: Vec<String> =
        st.get(action_key).map(|a| a.items().filter_map(Node::as_text).take(3).collect()).unwrap_or_default();
    let actions = if actions.is_empty() { String::new() } else { format!(" to {}", actions.join(", ")) };
    format!("{sid} allows {who}{actions} with no Condition")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let p = json::parse(
            r#"{"Statement": [
  {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "s3:GetObject"},
  {"Effect": "Allow", "Principal": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "v"}}},
  {"Effect": "Deny", "Principal": "*"},
  {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}}
]}"#,
            1,
        )
        .unwrap();
        let found = public_statements(&p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 2);
        assert!(found[0].1.contains("s3:GetObject"), "{}", found[0].1);
    }
}
