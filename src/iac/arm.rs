//! Azure Resource Manager (ARM) templates lowered to a [`Template`]: every resource, nested child resources and
//! the resources of inline nested deployments included, with its full type, its name, its line and its
//! `properties` with template expressions resolved where they can be.
//!
//! A template is JSON (comments allowed, as Azure's tools allow them) whose `$schema` names a deployment
//! template. `resources` is an array, or in `languageVersion` 2.0 an object keyed by symbolic name. A child
//! declared inside its parent's `resources` writes a short type (`firewallRules`) and name (`AllowAll`); both are
//! joined to the parent's (`Microsoft.Sql/servers/firewallRules`, `sql1/AllowAll`) so that checks see the same
//! resource however it is written.
//!
//! A string in brackets is an expression. `[parameters('x')]` becomes the value a parameter file gives it (see
//! `arm_params`) or else the parameter's literal `defaultValue`, and `[variables('x')]` the variable's value
//! (itself resolved), reported where the expression is written (and where a parameter's value was set is kept
//! in [`Template::origins`]); every
//! other expression becomes [`Val::Unknown`], so checks never guess at values decided at deployment. `[[` starts a
//! literal string that begins with `[`.
use std::collections::HashMap;

use super::json;
use super::node::{Node, Val};
use super::suppress::{metadata_marker, SourceLines, ANNOTATION};

/// Nodes that parameter and variable references may copy into one template before further references count as
/// unknown (as for CloudFormation's `Ref`): each reference copies the whole value it names.
const MAX_COPIED_NODES: usize = 1_000_000;
/// How many variables a variable's value may pass through (`a` → `b` → …) before it counts as unknown; also
/// what stops a cycle.
const MAX_VARIABLE_HOPS: usize = 16;

pub struct ArmResource {
    /// The full type, `Microsoft.Storage/storageAccounts/blobServices/containers`.
    pub rtype: String,
    /// The full name as written (`sa1/default/assets`), with resolvable expressions resolved.
    pub name: String,
    /// `properties`, resolved; an empty map when absent.
    pub props: Node,
    pub allow: Vec<String>,
}

impl ArmResource {
    /// `Microsoft.Storage/storageAccounts/sa1`, for findings.
    pub fn address(&self) -> String {
        format!("{}/{}", self.rtype, self.name)
    }

    /// Whether the resource is of type `rtype` (ARM compares types case-insensitively).
    pub fn is(&self, rtype: &str) -> bool {
        self.rtype.eq_ignore_ascii_case(rtype)
    }
}

pub struct Template {
    pub resources: Vec<ArmResource>,
    /// Each `[parameters('x')]` that resolved, by the line it is written on, with where its value was set.
    pub origins: Vec<ParamOrigin>,
}

/// A value a parameter file gives one of the template's parameters.
pub struct ParamValue {
    pub name: String,
    /// Unknown for a Key Vault `reference`, whose value is only known at deployment.
    pub value: Node,
    /// Its line in the parameter file.
    pub line: usize,
}

/// A resolved parameter reference, used on `line`: its value came from the parameter file (`from_file`) or
/// the template's `defaultValue`, set on `set_line` of that file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamOrigin {
    pub line: usize,
    pub name: String,
    pub from_file: bool,
    pub set_line: usize,
}

impl Template {
    pub fn resources<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a ArmResource> + 'a {
        self.resources.iter().filter(move |r| r.is(rtype))
    }
}

/// Whether a parsed JSON document is a deployment template: its `$schema` names one (resource group,
/// subscription, management group and tenant deployments alike).
fn is_template(root: &Node) -> bool {
    root.get("$schema").and_then(Node::as_str).is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate"))
}

/// `Ok(None)`: valid JSON, but not a deployment template after all.
#[cfg(test)]
pub fn parse(text: &str) -> Result<Option<Template>, (usize, String)> {
    parse_with(text, &[])
}

/// As `parse`, with the template's parameters set to `values` (from a parameter file) where it gives them.
pub fn parse_with(text: &str, values: &[ParamValue]) -> Result<Option<Template>, (usize, String)> {
    let root = json::parse_with_comments(text).map_err(|e| (e.line, e.message))?;
    if !is_template(&root) {
        return Ok(None);
    }
    let lines = SourceLines::new(text);
    let mut reader = Reader { lines: &lines, budget: MAX_COPIED_NODES, out: Vec::new(), origins: Vec::new() };
    let scope = Scope::of(&root, None, values);
    reader.template(&root, &scope);
    Ok(Some(Template { resources: reader.out, origins: reader.origins }))
}

/// The parameters and variables expressions in one template resolve against.
struct Scope<'a> {
    /// Literal values only (a default that is itself an expression is unknown), each with whether it came from
    /// the parameter file and the line it was set on.
    params: HashMap<&'a str, (&'a Node, bool, usize)>,
    variables: HashMap<&'a str, &'a Node>,
}

impl<'a> Scope<'a> {
    /// The scope of the template `root`. With `outer`, the template is an inline nested deployment whose
    /// expressions are evaluated in the parent's scope (ARM's default, `expressionEvaluationOptions.scope`
    /// `outer`), so the parent's parameters and variables apply.
    /// `values` (a parameter file's) apply to the top-level template only: a nested template's parameters are
    /// its deployment's to give.
    fn of(root: &'a Node, outer: Option<&Scope<'a>>, values: &'a [ParamValue]) -> Scope<'a> {
        if let Some(outer) = outer {
            return Scope { params: outer.params.clone(), variables: outer.variables.clone() };
        }
        let params = root
            .get("parameters")
            .map(|p| {
                p.entries()
                    .iter()
                    .filter_map(|(k, v)| {
                        // ARM matches parameter names without regard to case.
                        let given = values.iter().find(|g| g.name.eq_ignore_ascii_case(&k.name));
                        let (value, from_file, line) = match given {
                            Some(g) => (&g.value, true, g.line),
                            None => {
                                let (key, value) = v.entry("defaultValue")?;
                                (value, false, key.line)
                            }
                        };
                        (!value.is_unknown() && !contains_expression(value))
                            .then_some((k.name.as_str(), (value, from_file, line)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let variables = root
            .get("variables")
            .map(|v| v.entries().iter().map(|(k, v)| (k.name.as_str(), v)).collect())
            .unwrap_or_default();
        Scope { params, variables }
    }
}

/// Whether a value holds an expression anywhere: such a parameter default is only known at deployment.
fn contains_expression(n: &Node) -> bool {
    match &n.val {
        Val::Str(s) => expression(s).is_some(),
        Val::Seq(items) => items.iter().any(contains_expression),
        Val::Map(entries) => entries.iter().any(|(_, v)| contains_expression(v)),
        _ => false,
    }
}

/// The inside of `[ … ]` when `s` is an expression (not `[[`, which escapes a literal `[`).
fn expression(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.starts_with("[[") {
        return None;
    }
    t.strip_prefix('[')?.strip_suffix(']')
}

/// `parameters('x')` → (`parameters`, `x`); whitespace and either quote style tolerated.
fn reference(expr: &str) -> Option<(&str, &str)> {
    let (func, rest) = expr.trim().split_once('(')?;
    let arg = rest.trim_end().strip_suffix(')')?.trim();
    let name = arg.strip_prefix('\'')?.strip_suffix('\'')?;
    let func = func.trim();
    (matches!(func, "parameters" | "variables") && !name.contains('\'')).then_some((func, name))
}

struct Reader<'a> {
    lines: &'a SourceLines<'a>,
    budget: usize,
    out: Vec<ArmResource>,
    origins: Vec<ParamOrigin>,
}

impl<'a> Reader<'a> {
    fn template(&mut self, root: &'a Node, scope: &Scope<'a>) {
        if let Some(resources) = root.get("resources") {
            for r in resource_nodes(resources) {
                self.resource(r, None, scope, &[]);
            }
        }
    }

    /// Reads one resource, its children and the resources of an inline nested deployment. Recursion depth is
    /// bounded by the JSON reader's nesting cap.
    fn resource(&mut self, r: &'a Node, parent: Option<(&str, &str)>, scope: &Scope<'a>, inherited: &[String]) {
        let Some(short_type) = r.get("type").and_then(Node::as_str) else {
            return;
        };
        let short_name = r.get("name").map(|n| self.text(n, scope)).unwrap_or_default();
        let (rtype, name) = match parent {
            // A child written with its full type (its first segment a namespace, `Microsoft.Sql`) keeps it; a
            // relative type (`firewallRules`, `blobServices/containers`) extends the parent's.
            Some((ptype, pname)) if !short_type.split('/').next().is_some_and(|ns| ns.contains('.')) => {
                (format!("{ptype}/{short_type}"), format!("{pname}/{short_name}"))
            }
            Some((_, pname)) if !short_name.starts_with(&format!("{pname}/")) => {
                (short_type.to_string(), format!("{pname}/{short_name}"))
            }
            _ => (short_type.to_string(), short_name),
        };
        let mut allow = inherited.to_vec();
        for line in [Some(r.line), r.entry("type").map(|(k, _)| k.line), r.entry("name").map(|(k, _)| k.line)] {
            allow.extend(line.map(|l| self.lines.markers(l)).unwrap_or_default());
        }
        if let Some(meta) = r.get("metadata").and_then(|m| m.get(ANNOTATION)) {
            allow.extend(meta.items().filter_map(Node::as_str).filter_map(metadata_marker));
        }
        let props = match r.get("properties") {
            Some(p) => self.resolve(p, scope, 0),
            None => Node::new(r.line, r.line, Val::Map(Vec::new())),
        };
        if rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            self.nested_deployment(r, scope);
        }
        if let Some(children) = r.get("resources") {
            for c in resource_nodes(children) {
                self.resource(c, Some((&rtype, &name)), scope, &allow);
            }
        }
        self.out.push(ArmResource { rtype, name, props, allow });
    }

    /// The resources of a deployment's inline `properties.template`, in the scope its
    /// `expressionEvaluationOptions` chooses. A linked template (`templateLink`) is another file.
    fn nested_deployment(&mut self, r: &'a Node, scope: &Scope<'a>) {
        let Some(props) = r.get("properties") else { return };
        let Some(inner) = props.get("template").filter(|t| t.is_map()) else { return };
        let inner_scope = props
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(Node::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let scope = if inner_scope { Scope::of(inner, None, &[]) } else { Scope::of(inner, Some(scope), &[]) };
        self.template(inner, &scope);
    }

    /// A name as text: resolved when it can be, else as written (`[parameters('name')]`).
    fn text(&mut self, n: &'a Node, scope: &Scope<'a>) -> String {
        let resolved = self.resolve(n, scope, 0);
        resolved.as_text().or_else(|| n.as_str().map(str::to_string)).unwrap_or_else(|| "?".to_string())
    }

    /// Replaces expressions: a parameter or variable reference by its value while the budget lasts (reported
    /// where the reference is written), every other expression by an unknown.
    fn resolve(&mut self, n: &'a Node, scope: &Scope<'a>, hops: usize) -> Node {
        match &n.val {
            Val::Str(s) => {
                if s.trim_start().starts_with("[[") {
                    let mut out = n.clone();
                    out.val = Val::Str(s.trim_start()[1..].to_string());
                    return out;
                }
                let Some(expr) = expression(s) else {
                    return n.clone();
                };
                match self.lookup(expr, scope, hops) {
                    Some(mut v) => {
                        if let Some((name, &(_, from_file, set_line))) = reference(expr)
                            .filter(|(func, _)| *func == "parameters")
                            .and_then(|(_, name)| Some((name, scope.params.get(name)?)))
                        {
                            self.origins.push(ParamOrigin {
                                line: n.line,
                                name: name.to_string(),
                                from_file,
                                set_line,
                            });
                        }
                        v.relocate(n.line, n.end_line);
                        v
                    }
                    None => Node::unknown(n.line, s.clone()),
                }
            }
            Val::Map(entries) => {
                let mut out = Node::new(n.line, n.end_line, Val::Null);
                out.val = Val::Map(entries.iter().map(|(k, v)| (k.clone(), self.resolve(v, scope, hops))).collect());
                out
            }
            Val::Seq(items) => {
                Node::new(n.line, n.end_line, Val::Seq(items.iter().map(|i| self.resolve(i, scope, hops)).collect()))
            }
            _ => n.clone(),
        }
    }

    fn lookup(&mut self, expr: &str, scope: &Scope<'a>, hops: usize) -> Option<Node> {
        let (func, name) = reference(expr)?;
        if self.budget == 0 || hops >= MAX_VARIABLE_HOPS {
            return None;
        }
        let value = if func == "parameters" {
            scope.params.get(name)?.0.clone()
        } else {
            let raw: &'a Node = scope.variables.get(name)?;
            self.resolve(raw, scope, hops + 1)
        };
        match self.budget.checked_sub(value.size()) {
            Some(left) => {
                self.budget = left;
                Some(value)
            }
            None => {
                self.budget = 0;
                None
            }
        }
    }
}

/// The resource objects of a `resources` value: an array, or an object keyed by symbolic name.
fn resource_nodes(resources: &Node) -> Vec<&Node> {
    if resources.is_map() {
        resources.entries().iter().map(|(_, v)| v).collect()
    } else {
        resources.items().filter(|r| r.is_map()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "open": { "type": "bool", "defaultValue": true },
    "loc": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "name": { "type": "string" }
  },
  "variables": { "server": "sql1", "again": "[variables('server')]", "loop": "[variables('loop')]" },
  "resources": [
    {
      // leakgate:allow iac-x
      "type": "Microsoft.Sql/servers",
      "name": "[variables('again')]",
      "properties": { "a": "[parameters('open')]", "b": "[parameters('loc')]", "c": "[[literal]", "d": "[variables('loop')]" },
      "resources": [
        { "type": "firewallRules", "name": "all", "properties": {} },
        { "type": "Microsoft.Sql/servers/databases", "name": "db", "properties": {} }
      ]
    },
    {
      "type": "Microsoft.Resources/deployments",
      "name": "inner",
      "properties": {
        "expressionEvaluationOptions": { "scope": "inner" },
        "template": {
          "parameters": { "open": { "type": "bool", "defaultValue": false } },
          "resources": { "sa": { "type": "Microsoft.Storage/storageAccounts", "name": "[parameters('name')]",
                                 "properties": { "x": "[parameters('open')]" } } }
        }
      }
    }
  ]
}"#;

    #[test]
    fn resources_children_and_expressions() {
        let t = parse(TEMPLATE).unwrap().unwrap();
        let addresses: Vec<String> = t.resources.iter().map(ArmResource::address).collect();
        assert_eq!(
            addresses,
            [
                "Microsoft.Sql/servers/firewallRules/sql1/all",
                "Microsoft.Sql/servers/databases/sql1/db",
                "Microsoft.Sql/servers/sql1",
                "Microsoft.Storage/storageAccounts/[parameters('name')]",
                "Microsoft.Resources/deployments/inner",
            ]
        );
        let sql = &t.resources[2];
        assert_eq!(sql.allow.len(), 1);
        assert_eq!(t.resources[0].allow.len(), 1, "children inherit their parent's markers");
        let a = sql.props.get("a").unwrap();
        assert_eq!((a.as_bool(), a.line), (Some(true), 14));
        assert!(sql.props.get("b").unwrap().is_unknown());
        assert_eq!(sql.props.get("c").unwrap().as_str(), Some("[literal]"));
        assert!(sql.props.get("d").unwrap().is_unknown());
        assert_eq!(t.resources[3].props.get("x").unwrap().as_bool(), Some(false), "inner scope");
        assert!(t.resources("microsoft.sql/SERVERS").count() == 1);
    }

    #[test]
    fn not_a_template() {
        assert!(parse("{\"resources\": []}").unwrap().is_none());
        assert!(parse("{\"$schema\": \"https://x/deploymentParameters.json#\"}").unwrap().is_none());
        assert!(parse("{\"$schema\": \"deploymentTemplate\", ").is_err());
        assert_eq!(reference(" parameters( 'a' ) "), Some(("parameters", "a")));
        assert_eq!(reference("concat('a')"), None);
    }
}
