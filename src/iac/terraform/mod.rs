//! Terraform modules (`*.tf` through `hcl-edit`, `*.tf.json` through [`super::json`]) lowered to a [`Module`]:
//! every `resource` and `data` block with its body evaluated into a [`Node`] map.
//!
//! Evaluation is deliberately small: literals, lists, objects, string templates whose parts are all known,
//! `var.x` (the variable's `default` anywhere in the module), `local.x`, and `jsonencode`/`tolist`/`toset`
//! pass-through. Everything else — resource references, other functions, conditionals — stays
//! [`Val::Unknown`] with its source text, so no check ever guesses a value. Nested blocks become map entries
//! under their name (`ingress {}` twice is two `ingress` entries; `dynamic "ingress"` contributes its
//! `content`), which [`Node::all`] flattens together with list-valued attributes.
use std::collections::{HashMap, HashSet};

use hcl_edit::structure::Body;
use hcl_edit::Span;

mod scope;

use scope::{LocalDef, Scope, VarSource};

use super::json;
use super::node::{Node, Val};
use super::suppress::{text_marker, SourceLines};

/// Stands in for an interpolation whose value is unknown inside a template we still want to read as JSON
/// (a heredoc policy whose `Resource` is `"${aws_s3_bucket.b.arn}/*"`). Never equal to a value any check
/// looks for.
pub const UNKNOWN_PART: &str = "__leakgate_unknown__";

pub struct TfBlock {
    pub is_data: bool,
    pub rtype: String,
    pub name: String,
    /// Index into the files given to [`build`].
    pub file: usize,
    pub line: usize,
    pub end_line: usize,
    pub body: Node,
    /// Resource-level allow markers: comments on or above the block's first line, `"//"` keys in JSON.
    pub allow: Vec<String>,
}

impl TfBlock {
    pub fn address(&self) -> String {
        if self.is_data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

#[derive(Default)]
pub struct Module {
    pub blocks: Vec<TfBlock>,
    /// Where resolved values came from: each `var.x`/`local.x` use that resolved to a known value, with the
    /// place its value was set, so findings can say that the value is a default or a local.
    pub origins: Vec<Origin>,
    /// The `module` blocks: calls of other modules, with their inputs evaluated here (see `tf_tree`).
    pub calls: Vec<ModuleCall>,
}

/// A `module "name" { source = … }` block.
pub struct ModuleCall {
    pub name: String,
    /// The literal `source` (Terraform allows nothing else there); `None` when absent or not a string.
    pub source: Option<String>,
    pub file: usize,
    pub line: usize,
    /// The block's body evaluated in the calling module: `source`, the meta-arguments and the inputs.
    pub body: Node,
    /// Markers on or above the block's first line (comments, `"//"` keys in JSON); they cover every finding
    /// in the called module's instance.
    pub allow: Vec<String>,
}

/// A resolved reference: used at (`file`, `line`), its value set at `set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: usize,
    pub line: usize,
    /// `var.bucket_acl` or `local.cidr`.
    pub name: String,
    pub set: SetAt,
}

/// Where a variable's or local's value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetAt {
    /// In a file of this module (a default, a local, a variable definitions file).
    File { file: usize, line: usize },
    /// By the `module` block that called this module, described as [`Input::origin`] says.
    Input(String),
}

impl Origin {
    /// `var.bucket_acl, the default set in PATH:LINE` (`PATH` from `paths`, by file index); a value from a
    /// variable definitions file is `the value set in terraform.tfvars:LINE`, one from a caller the input's own
    /// description (`module.web's input cidr set in envs/prod/main.tf:12`).
    pub fn describe(&self, paths: &[&str]) -> String {
        let (file, line) = match &self.set {
            SetAt::Input(origin) => return origin.clone(),
            SetAt::File { file, line } => (*file, *line),
        };
        let path = paths.get(file).copied().unwrap_or("?");
        let what = if !self.name.starts_with("var.") {
            "set"
        } else if path.ends_with(".tfvars") || path.ends_with(".tfvars.json") {
            "the value set"
        } else {
            "the default set"
        };
        format!("{}, {what} in {path}:{line}", self.name)
    }
}

/// How a module's variables get their values.
pub enum Vars<'v> {
    /// A root module: each variable's default, replaced by what the variable definitions files set.
    Root,
    /// A module called by a `module` block: the call's inputs replace defaults. Definitions files are not
    /// read, as Terraform reads them for the root module only; an input whose value is unknown makes the
    /// variable unknown, not its default.
    Called { inputs: &'v [Input] },
}

/// One input a `module` block gives the module it calls.
pub struct Input {
    pub name: String,
    pub value: Node,
    /// Where it was set, for findings: `module.web's input cidr set in envs/prod/main.tf:12`.
    pub origin: String,
}

impl Module {
    pub fn resources<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a TfBlock> + 'a {
        self.blocks.iter().filter(move |b| !b.is_data && b.rtype == rtype)
    }

    /// The block an unknown reference like `aws_s3_bucket.site.id` or `data.x.y.json` points at.
    pub fn referenced(&self, node: &Node) -> Option<&TfBlock> {
        let text = node.unknown_text()?;
        let mut parts = text.split(['.', '[']);
        let first = parts.next()?;
        let (is_data, rtype, name) =
            if first == "data" { (true, parts.next()?, parts.next()?) } else { (false, first, parts.next()?) };
        self.blocks.iter().find(|b| b.is_data == is_data && b.rtype == rtype && b.name == name)
    }

    /// Resource-level markers of `block` plus those of the resource its `attr` references: a marker on
    /// `aws_s3_bucket.site` then also covers the `aws_s3_bucket_policy`/`_acl` resources pointing at it, so a
    /// deliberate static-website bucket is marked once.
    pub fn allow_via(&self, block: &TfBlock, attr: &str) -> Vec<String> {
        let mut allow = block.allow.clone();
        if let Some(target) = block.body.get(attr).and_then(|n| self.referenced(n)) {
            allow.extend(target.allow.iter().cloned());
        }
        allow
    }
}

/// A file that failed to parse: its index, the parser's line and message.
pub struct FileError {
    pub file: usize,
    pub line: Option<usize>,
    pub message: String,
}

/// The files of one module, parsed once and evaluated as often as the module is instantiated.
pub struct Parsed(Vec<ParsedFile>);

enum ParsedFile {
    Hcl(Body),
    Json(Node),
    Failed,
}

/// Builds one module from its files, given as `(text, is_json)`: JSON for `*.tf.json`, HCL otherwise. Files
/// that fail to parse are reported and left out; the others are still evaluated.
#[cfg(test)]
pub fn build(files: &[(&str, bool)]) -> (Module, Vec<FileError>) {
    let (parsed, errors) = parse(files);
    (evaluate(files, &parsed, &[], &Vars::Root), errors)
}

/// Parses a module's files, given as `(text, is_json)`: JSON for `*.tf.json`, HCL otherwise. A file that fails
/// is reported and left out of [`evaluate`].
pub fn parse(files: &[(&str, bool)]) -> (Parsed, Vec<FileError>) {
    let mut errors = Vec::new();
    let parsed = files
        .iter()
        .enumerate()
        .map(|(i, &(text, is_json))| {
            if is_json {
                match json::parse(text, 1) {
                    Ok(n) => ParsedFile::Json(n),
                    Err(e) => {
                        errors.push(FileError { file: i, line: Some(e.line), message: e.message });
                        ParsedFile::Failed
                    }
                }
            } else {
                match hcl_edit::parser::parse_body(text) {
                    Ok(b) => ParsedFile::Hcl(b),
                    Err(e) => {
                        errors.push(FileError {
                            file: i,
                            line: Some(e.location().line()),
                            message: e.message().lines().next().unwrap_or("").to_string(),
                        });
                        ParsedFile::Failed
                    }
                }
            }
        })
        .collect();
    (Parsed(parsed), errors)
}

/// Evaluates a parsed module (`files` as given to [`parse`]) with its variables set as `vars` says.
/// `definitions` are the indexes of the variable definitions files among `files` (`terraform.tfvars`,
/// `*.auto.tfvars`, their JSON forms) in Terraform's load order: never module code, and read for values
/// under [`Vars::Root`] only.
pub fn evaluate(files: &[(&str, bool)], parsed: &Parsed, definitions: &[usize], vars: &Vars<'_>) -> Module {
    let parsed = &parsed.0;
    let is_tfvars_file = |file: usize| definitions.contains(&file);
    let mut scope = Scope::new(files);
    // Defaults cannot refer to anything, so they are evaluated before any variable is known.
    let mut values = HashMap::new();
    let mut declared = HashSet::new();
    for (file, p) in parsed.iter().enumerate() {
        if is_tfvars_file(file) {
            continue;
        }
        match p {
            ParsedFile::Hcl(body) => {
                for block in body.get_blocks("variable") {
                    declared.extend(block.labels.first().map(|l| l.as_str().to_string()));
                    let (Some(name), Some(default)) = (block.labels.first(), block.body.get_attribute("default"))
                    else {
                        continue;
                    };
                    let value = scope.eval(&default.value, file, 0);
                    values.insert(name.as_str().to_string(), (value, VarSource::File(file)));
                }
                for block in body.get_blocks("locals") {
                    for attr in block.body.attributes() {
                        scope.locals.insert(attr.key.as_str().to_string(), LocalDef::Hcl(&attr.value, file));
                    }
                }
            }
            ParsedFile::Json(root) => {
                for vars_obj in root.all("variable") {
                    for (k, v) in vars_obj.entries() {
                        declared.insert(k.name.clone());
                        if let Some(default) = v.items().find_map(|d| d.get("default")) {
                            values.insert(k.name.clone(), (scope.eval_json(default, file, 0), VarSource::File(file)));
                        }
                    }
                }
                for locals in root.all("locals") {
                    for (k, v) in locals.entries() {
                        scope.locals.insert(k.name.clone(), LocalDef::Json(v, file));
                    }
                }
            }
            ParsedFile::Failed => {}
        }
    }
    match vars {
        // Variable definitions files hold literal values (they cannot refer to anything either).
        Vars::Root => {
            for &file in definitions {
                match parsed.get(file) {
                    Some(ParsedFile::Hcl(body)) => {
                        for attr in body.attributes().filter(|a| declared.contains(a.key.as_str())) {
                            let value = scope.eval(&attr.value, file, 0);
                            values.insert(attr.key.as_str().to_string(), (value, VarSource::File(file)));
                        }
                    }
                    Some(ParsedFile::Json(root)) => {
                        for (k, v) in root.entries().iter().filter(|(k, _)| declared.contains(&k.name)) {
                            values.insert(k.name.clone(), (scope.eval_json(v, file, 0), VarSource::File(file)));
                        }
                    }
                    _ => {}
                }
            }
        }
        Vars::Called { inputs } => {
            for input in inputs.iter().filter(|i| declared.contains(&i.name)) {
                values.insert(input.name.clone(), (input.value.clone(), VarSource::Input(input.origin.clone())));
            }
        }
    }
    scope.vars = values;
    // Uses recorded while evaluating defaults and definitions files are not uses in the module.
    scope.origins.borrow_mut().clear();

    let mut module = Module::default();
    for (file, p) in parsed.iter().enumerate().filter(|(file, _)| !is_tfvars_file(*file)) {
        let lines = SourceLines::new(files.get(file).map_or("", |f| f.0));
        match p {
            ParsedFile::Hcl(body) => {
                for block in body.blocks() {
                    let kind = block.ident.as_str();
                    if kind == "module" {
                        let Some(name) = block.labels.first() else { continue };
                        let (line, _) = scope.line_of(file, block.span());
                        let body = scope.body(&block.body, file, 0);
                        module.calls.push(module_call(name.as_str(), file, line, body, lines.markers(line)));
                        continue;
                    }
                    let is_data = match kind {
                        "resource" => false,
                        "data" => true,
                        _ => continue,
                    };
                    let (Some(t), Some(n)) = (block.labels.first(), block.labels.get(1)) else {
                        continue;
                    };
                    let (line, end_line) = scope.line_of(file, block.span());
                    let mut body_node = scope.body(&block.body, file, 0);
                    body_node.line = line;
                    body_node.end_line = end_line;
                    module.blocks.push(TfBlock {
                        is_data,
                        rtype: t.as_str().to_string(),
                        name: n.as_str().to_string(),
                        file,
                        line,
                        end_line,
                        body: body_node,
                        allow: lines.markers(line),
                    });
                }
            }
            ParsedFile::Json(root) => {
                for (is_data, key) in [(false, "resource"), (true, "data")] {
                    for by_type in root.all(key) {
                        for (t, by_name) in by_type.entries() {
                            for named in by_name.items() {
                                for (n, bodies) in named.entries() {
                                    for body in bodies.items() {
                                        module
                                            .blocks
                                            .push(json_block(&scope, is_data, &t.name, &n.name, n.line, body, file));
                                    }
                                }
                            }
                        }
                    }
                }
                for calls in root.all("module") {
                    for (name, bodies) in calls.entries() {
                        for body in bodies.items() {
                            let allow = json_markers(body);
                            let body = scope.eval_json(body, file, 0);
                            module.calls.push(module_call(&name.name, file, name.line, body, allow));
                        }
                    }
                }
            }
            ParsedFile::Failed => {}
        }
    }
    module.origins = scope.origins.into_inner();
    module
}

fn module_call(name: &str, file: usize, line: usize, mut body: Node, allow: Vec<String>) -> ModuleCall {
    let source = body.get("source").and_then(|s| s.as_str()).map(str::to_string);
    if let Val::Map(entries) = &mut body.val {
        entries.retain(|(k, _)| k.name != "//");
    }
    ModuleCall { name: name.to_string(), source, file, line, body, allow }
}

/// Terraform JSON ignores properties named "//"; they are its comments, so markers live there.
fn json_markers(body: &Node) -> Vec<String> {
    body.all("//").filter_map(|c| c.as_str().and_then(text_marker)).collect()
}
fn json_block(
    scope: &Scope<'_>,
    is_data: bool,
    rtype: &str,
    name: &str,
    line: usize,
    body: &Node,
    file: usize,
) -> TfBlock {
    let allow = json_markers(body);
    let mut evaluated = scope.eval_json(body, file, 0);
    if let Val::Map(entries) = &mut evaluated.val {
        entries.retain(|(k, _)| k.name != "//");
    }
    TfBlock {
        is_data,
        rtype: rtype.to_string(),
        name: name.to_string(),
        file,
        line,
        end_line: body.end_line,
        body: evaluated,
        allow,
    }
}

#[cfg(test)]
mod tests;
