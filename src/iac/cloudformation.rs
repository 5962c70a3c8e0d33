//! CloudFormation templates (YAML with short-form intrinsics, or JSON) lowered to a [`Template`]: each
//! resource's logical id, type, line and `Properties` with intrinsic functions resolved where they can be.
//!
//! `!Ref Param` / `{"Ref": "Param"}` becomes the parameter's `Default` (the CloudFormation analogue of a
//! Terraform variable default); every other intrinsic (`!Sub`, `!GetAtt`, `!If`, `Fn::Join`, …) becomes
//! [`Val::Unknown`], so checks never guess at values decided at deploy time.
use std::collections::HashMap;

use super::node::{Node, Val};
use super::suppress::{metadata_marker, SourceLines, ANNOTATION};
use super::{json, yaml};

/// Nodes that `Ref`s may copy out of parameter defaults into one template before further `Ref`s count as
/// unknown, as the YAML reader bounds alias expansion. Each `Ref` copies the whole default, so a long default
/// referenced many times made a 240 KB template need gigabytes.
const MAX_COPIED_NODES: usize = 1_000_000;

pub struct CfnResource {
    pub id: String,
    /// The line of the resource's logical id.
    pub line: usize,
    pub rtype: String,
    pub props: Node,
    pub allow: Vec<String>,
}

impl CfnResource {
    /// `SiteBucket (AWS::S3::Bucket)`, for findings.
    pub fn resource(&self) -> String {
        format!("{} ({})", self.id, self.rtype)
    }
}

pub struct Template {
    pub resources: Vec<CfnResource>,
}

impl Template {
    pub fn resources<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a CfnResource> + 'a {
        self.resources.iter().filter(move |r| r.rtype == rtype)
    }

    /// Markers of `r` plus those of the resource its property `prop` refers to with `!Ref`: a marked
    /// website bucket also covers the `AWS::S3::BucketPolicy` that points at it.
    pub fn allow_via(&self, r: &CfnResource, prop: &str) -> Vec<String> {
        let mut allow = r.allow.clone();
        let target = r.props.get(prop).and_then(Node::unknown_text).and_then(|t| t.strip_prefix("!Ref "));
        if let Some(t) = target.and_then(|id| self.resources.iter().find(|x| x.id == id)) {
            allow.extend(t.allow.iter().cloned());
        }
        allow
    }
}

/// `Ok(None)`: it parsed but is not a CloudFormation template after all (no `Resources` mapping).
pub fn parse(text: &str) -> Result<Option<Template>, (usize, String)> {
    let root = if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') {
        json::parse(text, 1).map_err(|e| (e.line, e.message))?
    } else {
        let docs = yaml::parse_stream(text).map_err(|e| (e.line, e.message))?;
        match docs.into_iter().next() {
            Some(d) => d,
            None => return Ok(None),
        }
    };
    let Some(resources) = root.get("Resources").filter(|r| r.is_map()) else {
        return Ok(None);
    };
    let params: HashMap<String, Node> = root
        .get("Parameters")
        .map(|p| {
            p.entries()
                .iter()
                .filter_map(|(k, v)| Some((k.name.clone(), v.get("Default")?.clone())))
                .filter(|(_, v)| !v.is_unknown())
                .collect()
        })
        .unwrap_or_default();
    let lines = SourceLines::new(text);
    let mut budget = MAX_COPIED_NODES;
    let mut out = Vec::new();
    for (key, res) in resources.entries() {
        let Some(rtype) = res.get("Type").and_then(Node::as_str) else {
            continue;
        };
        let mut allow = lines.markers(key.line);
        if let Some(meta) = res.get("Metadata").and_then(|m| m.get(ANNOTATION)) {
            allow.extend(meta.items().filter_map(Node::as_str).filter_map(metadata_marker));
        }
        let props = res
            .get("Properties")
            .map(|p| resolve(p, &params, &mut budget))
            .unwrap_or_else(|| Node::new(key.line, key.line, Val::Map(Vec::new())));
        out.push(CfnResource { id: key.name.clone(), line: key.line, rtype: rtype.to_string(), props, allow });
    }
    Ok(Some(Template { resources: out }))
}

/// Replaces intrinsic functions: `Ref` to a parameter with a default becomes that default (reported where the
/// `Ref` is written) while `budget` lasts, all others become unknown. Recursion depth is bounded by the
/// parsers' nesting cap.
fn resolve(n: &Node, params: &HashMap<String, Node>, budget: &mut usize) -> Node {
    let reference = |name: &str, budget: &mut usize| {
        // Looking at the budget before sizing the default keeps refused copies from costing a walk each.
        let copy = params.get(name).filter(|_| *budget > 0).and_then(|p| match budget.checked_sub(p.size()) {
            Some(left) => {
                *budget = left;
                Some(p.clone())
            }
            None => {
                *budget = 0;
                None
            }
        });
        match copy {
            Some(mut p) => {
                p.relocate(n.line, n.end_line);
                p
            }
            None => Node::unknown(n.line, format!("!Ref {name}")),
        }
    };
    if let Some(tag) = &n.tag {
        return match (tag.as_str(), &n.val) {
            ("!Ref", Val::Str(name)) => reference(name, budget),
            _ => Node::unknown(n.line, tag.clone()),
        };
    }
    match &n.val {
        Val::Map(entries) if entries.len() == 1 => {
            let (k, v) = (&entries[0].0, &entries[0].1);
            if k.name == "Ref" {
                return match v.as_str() {
                    Some(name) => reference(name, budget),
                    None => Node::unknown(n.line, "Ref"),
                };
            }
            if k.name.starts_with("Fn::") {
                return Node::unknown(n.line, k.name.clone());
            }
            let mut out = n.clone();
            if let Val::Map(e) = &mut out.val {
                e[0].1 = resolve(v, params, budget);
            }
            out
        }
        Val::Map(entries) => {
            let mut out = Node::new(n.line, n.end_line, Val::Null);
            out.val = Val::Map(entries.iter().map(|(k, v)| (k.clone(), resolve(v, params, budget))).collect());
            out
        }
        Val::Seq(items) => {
            Node::new(n.line, n.end_line, Val::Seq(items.iter().map(|i| resolve(i, params, budget)).collect()))
        }
        _ => n.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsics_resolve_or_become_unknown() {
        let t = parse(
            "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Cidr:\n    Type: String\n    Default: 0.0.0.0/0\nResources:\n  # leakgate:allow iac-x\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Metadata:\n      leakgate.dev/allow: iac-y\n    Properties:\n      A: !Ref Cidr\n      B: !Sub '${AWS::Region}'\n      C: {\"Fn::GetAtt\": [X, Arn]}\n      D: !Ref Other\n",
        )
        .unwrap()
        .unwrap();
        let r = &t.resources[0];
        assert_eq!((r.id.as_str(), r.allow.len()), ("Sg", 2));
        let a = r.props.get("A").unwrap();
        assert_eq!((a.as_str(), a.line), (Some("0.0.0.0/0"), 13));
        assert!(r.props.get("B").unwrap().is_unknown());
        assert!(r.props.get("C").unwrap().is_unknown());
        assert_eq!(r.props.get("D").unwrap().unknown_text(), Some("!Ref Other"));
    }

    /// Found while probing the `iac_cloudformation_yaml` fuzz target: 20,000 `!Ref`s to a 50,000-item default
    /// (240 KB) copied a billion nodes. Past the copy budget a `Ref` is unknown.
    #[test]
    fn refs_stop_copying_at_the_budget() {
        let default = vec!["a"; 50_000].join(",");
        let refs = vec!["!Ref P"; 20_000].join(",");
        let text = format!(
            "Parameters:\n  P:\n    Default: [{default}]\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{refs}]\n"
        );
        let t = parse(&text).unwrap().unwrap();
        let tags: Vec<&Node> = t.resources[0].props.get("Tags").unwrap().items().collect();
        assert_eq!(tags.len(), 20_000);
        assert_eq!(tags[0].items().count(), 50_000);
        assert_eq!(tags[19_999].unknown_text(), Some("!Ref P"));
    }

    #[test]
    fn not_a_template() {
        assert!(parse("a: 1\n").unwrap().is_none());
        assert!(parse("{\"Resources\": [").is_err());
    }
}
