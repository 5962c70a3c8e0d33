//! Terraform modules (`*.tf` through `hcl-edit`, `*.tf.json` through [`super::json`]) lowered to a [`Module`]:
//! every `resource` and `data` block with its body evaluated into a [`Node`] map.
//!
//! Evaluation is deliberately small: literals, lists, objects, string templates whose parts are all known,
//! `var.x` (the variable's `default` anywhere in the module), `local.x`, and `jsonencode`/`tolist`/`toset`
//! pass-through. Everything else — resource references, other functions, conditionals — stays
//! [`Val::Unknown`] with its source text, so no check ever guesses a value. Nested blocks become map entries
//! under their name (`ingress {}` twice is two `ingress` entries; `dynamic "ingress"` contributes its
//! `content`), which [`Node::all`] flattens together with list-valued attributes.
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

use super::json;
use super::node::{Key, LineIndex, Node, Val};
use super::suppress::{text_marker, SourceLines};

/// How deep evaluation goes — nested lists and objects plus `local.a → local.b → …` hops, counted together —
/// before the value is called unknown. Bounds both the recursion here and the depth of the resulting tree,
/// which later walks recurse over; real configurations stay far below it.
const MAX_EVAL_DEPTH: usize = 96;

/// Stands in for an interpolation whose value is unknown inside a template we still want to read as JSON
/// (a heredoc policy whose `Resource` is `"${aws_s3_bucket.b.arn}/*"`). Never equal to a value any check
/// looks for.
pub const UNKNOWN_PART: &str = "__leakgate_unknown__";

/// Nodes and string bytes that `var.x` and `local.x` references may copy into one module's values before
/// further references count as unknown. Every reference copies the value it names, so
/// `a1 = [local.a0, local.a0, …]`, `a2 = [local.a1, local.a1, …]`, … grows eightfold a line (and
/// `"${local.a0}${local.a0}"` twofold): a 2 KB file asked for more memory than any machine has. Real modules
/// copy a few thousand nodes.
const MAX_COPIED_NODES: usize = 1_000_000;
const MAX_COPIED_BYTES: usize = 16 << 20;

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

enum LocalDef<'a> {
    Hcl(&'a Expression, usize),
    Json(&'a Node, usize),
}

/// Where a variable's value in [`Scope::vars`] came from: a file of the module (its default or a definitions
/// file, at the value's line) or a caller's input.
enum VarSource {
    File(usize),
    Input(String),
}

struct Scope<'a> {
    indexes: Vec<LineIndex>,
    /// Each variable's value and where it was set.
    vars: HashMap<String, (Node, VarSource)>,
    locals: HashMap<String, LocalDef<'a>>,
    memo: RefCell<HashMap<String, Node>>,
    active: RefCell<HashSet<String>>,
    /// Every `var.x`/`local.x` use resolved so far (see [`Module::origins`]).
    origins: RefCell<Vec<Origin>>,
    /// What is left of `MAX_COPIED_NODES` and `MAX_COPIED_BYTES`.
    nodes_left: Cell<usize>,
    bytes_left: Cell<usize>,
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
    let mut scope = Scope {
        indexes: files.iter().map(|(t, _)| LineIndex::new(t)).collect(),
        vars: HashMap::new(),
        locals: HashMap::new(),
        memo: RefCell::new(HashMap::new()),
        active: RefCell::new(HashSet::new()),
        origins: RefCell::new(Vec::new()),
        nodes_left: Cell::new(MAX_COPIED_NODES),
        bytes_left: Cell::new(MAX_COPIED_BYTES),
    };
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

/// Only a whole-string `${var.x}`/`${local.x}` is resolved in JSON; a string mixing text and interpolations
/// is unknown.
fn json_interpolation(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("${")?.strip_suffix('}')?.trim();
    (!inner.contains("${")).then_some(inner)
}

impl<'a> Scope<'a> {
    fn line_of(&self, file: usize, span: Option<std::ops::Range<usize>>) -> (usize, usize) {
        match (self.indexes.get(file), span) {
            (Some(idx), Some(span)) => (idx.line(span.start), idx.end_line(&span)),
            _ => (1, 1),
        }
    }

    fn body(&self, body: &Body, file: usize, depth: usize) -> Node {
        let mut entries = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let (line, _) = self.line_of(file, a.span());
                    entries.push((Key { name: a.key.as_str().to_string(), line }, self.eval(&a.value, file, depth)));
                }
                Structure::Block(b) => {
                    let (line, end) = self.line_of(file, b.span());
                    // `dynamic "ingress" { content { … } }` stands for `ingress` blocks shaped like its content.
                    let (name, body) = if b.ident.as_str() == "dynamic" {
                        match (b.labels.first(), b.body.get_blocks("content").next()) {
                            (Some(l), Some(c)) => (l.as_str().to_string(), &c.body),
                            _ => continue,
                        }
                    } else {
                        (b.ident.as_str().to_string(), &b.body)
                    };
                    let mut n = self.body(body, file, depth + 1);
                    n.line = line;
                    n.end_line = end;
                    entries.push((Key { name, line }, n));
                }
            }
        }
        Node::new(1, 1, Val::Map(entries))
    }

    fn eval(&self, e: &Expression, file: usize, depth: usize) -> Node {
        let (line, end) = self.line_of(file, e.span());
        if depth > MAX_EVAL_DEPTH {
            return Node::new(line, end, Val::Unknown("(nested too deeply)".to_string()));
        }
        let depth = depth + 1;
        let val = match e {
            Expression::Null(_) => Val::Null,
            Expression::Bool(b) => Val::Bool(*b.value()),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) => Val::Num(f),
                None => Val::Unknown(n.value().to_string()),
            },
            Expression::String(s) => Val::Str(s.value().clone()),
            Expression::Array(a) => Val::Seq(a.iter().map(|x| self.eval(x, file, depth)).collect()),
            Expression::Object(o) => {
                let mut entries = Vec::new();
                for (k, v) in o.iter() {
                    let (kline, _) = self.line_of(file, k.span());
                    let name = match k {
                        ObjectKey::Ident(id) => Some(id.as_str().to_string()),
                        ObjectKey::Expression(x) => self.eval(x, file, depth).as_text(),
                    };
                    if let Some(name) = name {
                        entries.push((Key { name, line: kline }, self.eval(v.expr(), file, depth)));
                    }
                }
                Val::Map(entries)
            }
            Expression::StringTemplate(t) => return self.template(t, file, line, end, depth),
            Expression::HeredocTemplate(h) => {
                // Report heredoc content by its own lines: the body starts on the line after `<<EOT`.
                let first = h.template.iter().find_map(|el| el.span()).map_or(line, |s| self.line_of(file, Some(s)).0);
                return self.template(&h.template, file, first, end, depth);
            }
            Expression::Parenthesis(p) => return self.eval(p.inner(), file, depth),
            Expression::Traversal(t) => return self.traverse(t, file, line, end, depth),
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                let pass_through = matches!(name, "jsonencode" | "tolist" | "toset" | "tostring")
                    && !f.name.is_namespaced()
                    && f.args.len() == 1;
                match f.args.iter().next() {
                    Some(arg) if pass_through => return self.eval(arg, file, depth),
                    _ => Val::Unknown(format!("{name}(…)")),
                }
            }
            Expression::Variable(v) => Val::Unknown(v.as_str().to_string()),
            _ => Val::Unknown("expression".to_string()),
        };
        Node::new(line, end, val)
    }

    /// A string template: known when every part is; otherwise unknown, carrying the text with
    /// [`UNKNOWN_PART`] in place of each unknown part (read by the JSON-policy check).
    fn template(&self, t: &Template, file: usize, line: usize, end: usize, depth: usize) -> Node {
        let mut out = String::new();
        let mut known = true;
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => match self.eval(&i.expr, file, depth).as_text() {
                    Some(s) => out.push_str(&s),
                    None => {
                        known = false;
                        out.push_str(UNKNOWN_PART);
                    }
                },
                Element::Directive(_) => {
                    known = false;
                    out.push_str(UNKNOWN_PART);
                }
            }
        }
        let val = if known { Val::Str(out) } else { Val::Unknown(out) };
        Node::new(line, end, val)
    }

    fn traverse(&self, t: &Traversal, file: usize, line: usize, end: usize, depth: usize) -> Node {
        let text = traversal_text(t);
        let unknown = || Node::new(line, end, Val::Unknown(text.clone()));
        let Expression::Variable(root) = &t.expr else {
            return unknown();
        };
        let mut ops = t.operators.iter().map(|o| o.value());
        let base = match (root.as_str(), ops.next()) {
            ("var", Some(TraversalOperator::GetAttr(name))) => self.var(name.as_str()),
            ("local", Some(TraversalOperator::GetAttr(name))) => self.local(name.as_str(), depth),
            _ => None,
        };
        let Some(mut cur) = base else {
            return unknown();
        };
        for op in ops {
            let next = match op {
                TraversalOperator::GetAttr(name) => cur.get(name.as_str()).cloned(),
                TraversalOperator::LegacyIndex(i) => {
                    usize::try_from(*i.value()).ok().and_then(|i| cur.items().nth(i).cloned())
                }
                TraversalOperator::Index(ix) => {
                    let ix = self.eval(ix, file, depth);
                    match (ix.as_i64(), ix.as_str()) {
                        (Some(i), _) if matches!(cur.val, Val::Seq(_)) => {
                            usize::try_from(i).ok().and_then(|i| cur.items().nth(i).cloned())
                        }
                        (_, Some(k)) => cur.get(k).cloned(),
                        _ => None,
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => return unknown(),
            }
        }
        if cur.is_unknown() {
            return unknown();
        }
        self.record_origin(&text, file, line);
        cur.relocate(line, end);
        cur
    }

    /// Records that the reference `text` (`var.x…`, `local.x…`), used at `file`:`line`, resolved.
    fn record_origin(&self, text: &str, file: usize, line: usize) {
        let mut parts = text.split(['.', '[']);
        let (Some(root), Some(name)) = (parts.next(), parts.next()) else { return };
        let set = match root {
            "var" => self.vars.get(name).map(|(n, source)| match source {
                VarSource::File(f) => SetAt::File { file: *f, line: n.line },
                VarSource::Input(origin) => SetAt::Input(origin.clone()),
            }),
            "local" => self.locals.get(name).map(|d| match d {
                LocalDef::Hcl(e, f) => SetAt::File { file: *f, line: self.line_of(*f, e.span()).0 },
                LocalDef::Json(n, f) => SetAt::File { file: *f, line: n.line },
            }),
            _ => None,
        };
        if let Some(set) = set {
            self.origins.borrow_mut().push(Origin { file, line, name: format!("{root}.{name}"), set });
        }
    }

    /// Takes a copy of `n` from the budgets; false (and nothing left) when it does not fit.
    fn spend(&self, n: &Node) -> bool {
        // Once spent, say so without walking the value.
        if self.nodes_left.get() == 0 || self.bytes_left.get() == 0 {
            return false;
        }
        fn bytes(n: &Node) -> usize {
            match &n.val {
                Val::Str(s) | Val::Unknown(s) => s.len(),
                Val::Seq(items) => items.iter().map(bytes).sum(),
                Val::Map(entries) => entries.iter().map(|(k, v)| k.name.len() + bytes(v)).sum(),
                Val::Null | Val::Bool(_) | Val::Num(_) => 0,
            }
        }
        let fits = |left: &Cell<usize>, n: usize| match left.get().checked_sub(n) {
            Some(rest) => {
                left.set(rest);
                true
            }
            None => {
                left.set(0);
                false
            }
        };
        fits(&self.nodes_left, n.size()) & fits(&self.bytes_left, bytes(n))
    }

    /// A copy of the variable's default, if the copy budgets allow.
    fn var(&self, name: &str) -> Option<Node> {
        self.vars.get(name).map(|(n, _)| n).filter(|n| self.spend(n)).cloned()
    }

    fn local(&self, name: &str, depth: usize) -> Option<Node> {
        if let Some(n) = self.memo.borrow().get(name) {
            return self.spend(n).then(|| n.clone());
        }
        let def = self.locals.get(name)?;
        if depth > MAX_EVAL_DEPTH || !self.active.borrow_mut().insert(name.to_string()) {
            return None; // a cycle or an absurd chain: unknown
        }
        let n = match def {
            LocalDef::Hcl(e, file) => self.eval(e, *file, depth + 1),
            LocalDef::Json(n, file) => self.eval_json(n, *file, depth + 1),
        };
        self.active.borrow_mut().remove(name);
        self.memo.borrow_mut().insert(name.to_string(), n.clone());
        self.spend(&n).then_some(n)
    }

    /// Resolves `${var.x}` strings in a `*.tf.json` value (in `file`); other interpolated strings become
    /// unknown. Resolved references are recorded as in HCL.
    fn eval_json(&self, n: &Node, file: usize, depth: usize) -> Node {
        if depth > MAX_EVAL_DEPTH {
            return Node::unknown(n.line, "(nested too deeply)");
        }
        let depth = depth + 1;
        let mut out = n.clone();
        match &mut out.val {
            Val::Str(s) if s.contains("${") => {
                let resolved = json_interpolation(s).and_then(|inner| {
                    let (root, rest) = inner.split_once('.')?;
                    let ok_name = rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    match root {
                        "var" if ok_name => self.var(rest),
                        "local" if ok_name => self.local(rest, depth),
                        _ => None,
                    }
                });
                match resolved {
                    Some(mut r) if !r.is_unknown() => {
                        if let Some(inner) = json_interpolation(s) {
                            self.record_origin(inner, file, n.line);
                        }
                        r.relocate(n.line, n.end_line);
                        return r;
                    }
                    _ => {
                        let text = json_interpolation(s).unwrap_or(s).to_string();
                        out.val = Val::Unknown(text);
                    }
                }
            }
            Val::Seq(items) => {
                for it in items.iter_mut() {
                    *it = self.eval_json(it, file, depth);
                }
            }
            Val::Map(entries) => {
                for (_, v) in entries.iter_mut() {
                    *v = self.eval_json(v, file, depth);
                }
            }
            _ => {}
        }
        out
    }
}

fn traversal_text(t: &Traversal) -> String {
    let mut s = match &t.expr {
        Expression::Variable(v) => v.as_str().to_string(),
        _ => "(…)".to_string(),
    };
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(a) => {
                s.push('.');
                s.push_str(a.as_str());
            }
            TraversalOperator::LegacyIndex(i) => s.push_str(&format!(".{}", i.value())),
            TraversalOperator::Index(e) => match e {
                Expression::Number(n) => s.push_str(&format!("[{}]", n.value())),
                Expression::String(k) => s.push_str(&format!("[\"{}\"]", k.value())),
                _ => s.push_str("[…]"),
            },
            TraversalOperator::AttrSplat(_) => s.push_str(".*"),
            TraversalOperator::FullSplat(_) => s.push_str("[*]"),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Module {
        let (m, errors) = build(&[(src, false)]);
        assert!(errors.is_empty(), "{:?}", errors.first().map(|e| &e.message));
        m
    }

    #[test]
    fn evaluates_vars_locals_and_blocks() {
        let m = one(r#"
variable "cidr" {
  default = "0.0.0.0/0"
}
locals {
  ports = [22, var.port]
  acl   = local.other
  other = "private"
}
# leakgate:allow iac-x
resource "aws_security_group" "web" {
  ingress {
    cidr_blocks = [var.cidr]
    from_port   = local.ports[0]
  }
  dynamic "ingress" {
    for_each = var.rules
    content {
      to_port = ingress.value.port
    }
  }
  acl = local.acl
  policy = jsonencode({ Statement = [{ Effect = "Allow" }] })
  name = "sg-${var.cidr}"
  tags = { "Name" = aws_s3_bucket.b.id }
}
"#);
        let r = m.resources("aws_security_group").next().unwrap();
        assert_eq!((r.line, r.allow.len()), (11, 1));
        let ingress: Vec<_> = r.body.all("ingress").collect();
        assert_eq!(ingress.len(), 2);
        let cidr = ingress[0].get("cidr_blocks").unwrap().items().next().unwrap();
        assert_eq!((cidr.as_str(), cidr.line), (Some("0.0.0.0/0"), 13));
        assert_eq!(ingress[0].get("from_port").unwrap().as_i64(), Some(22));
        assert_eq!(ingress[1].line, 16);
        assert!(ingress[1].get("to_port").unwrap().is_unknown());
        assert_eq!(r.body.get("acl").unwrap().as_str(), Some("private"));
        let stmt = r.body.get("policy").unwrap().get("Statement").unwrap();
        assert_eq!(stmt.items().next().unwrap().get("Effect").unwrap().as_str(), Some("Allow"));
        assert_eq!(r.body.get("name").unwrap().as_str(), Some("sg-0.0.0.0/0"));
        let tag = r.body.get("tags").unwrap().get("Name").unwrap();
        assert_eq!(tag.unknown_text(), Some("aws_s3_bucket.b.id"));
    }

    #[test]
    fn resolved_references_record_where_their_value_was_set() {
        let vars = "variable \"acl\" {\n  default = \"public-read\"\n}\nvariable \"open\" {}\n";
        let main = "locals {\n  cidr = \"0.0.0.0/0\"\n}\nresource \"a\" \"b\" {\n  acl  = var.acl\n  cidr = [local.cidr]\n  x    = var.open\n}\n";
        let (m, errors) = build(&[(vars, false), (main, false)]);
        assert!(errors.is_empty());
        let got: Vec<(usize, usize, &str, &SetAt)> =
            m.origins.iter().map(|o| (o.file, o.line, o.name.as_str(), &o.set)).collect();
        // `var.open` has no default: unresolved, so no origin.
        let (vars_at, local_at) = (SetAt::File { file: 0, line: 2 }, SetAt::File { file: 1, line: 2 });
        assert_eq!(got, [(1, 5, "var.acl", &vars_at), (1, 6, "local.cidr", &local_at)]);
        let paths = ["vars.tf", "main.tf"];
        assert_eq!(m.origins[0].describe(&paths), "var.acl, the default set in vars.tf:2");
        assert_eq!(m.origins[1].describe(&paths), "local.cidr, set in main.tf:2");
    }

    #[test]
    fn local_cycles_are_unknown() {
        let m = one("locals {\n a = local.b\n b = local.a\n}\nresource \"x\" \"y\" {\n v = local.a\n}\n");
        let r = m.resources("x").next().unwrap();
        assert!(r.body.get("v").unwrap().is_unknown());
    }

    /// Found while probing the `iac_terraform` fuzz target: locals that each copy the previous one eight times
    /// (or a string twice) made a 2 KB file ask for terabytes. Past the copy budget references are unknown.
    #[test]
    fn self_multiplying_locals_stop_at_the_copy_budget() {
        for (first, next) in [
            (r#"["a", "a", "a", "a", "a", "a", "a", "a"]"#, "[{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]"),
            (r#""aaaaaaaaaaaaaaaa""#, r#""${{{p}}}${{{p}}}""#),
        ] {
            let mut src = format!("locals {{\n  a0 = {first}\n");
            for i in 1..28 {
                let p = format!("local.a{}", i - 1);
                src.push_str(&format!("  a{i} = {}\n", next.replace("{p}", &p).replace("{{", "{").replace("}}", "}")));
            }
            src.push_str("}\nresource \"x\" \"y\" {\n  small = local.a2\n  huge = local.a27\n}\n");
            let m = one(&src);
            let r = m.resources("x").next().unwrap();
            assert!(!r.body.get("small").unwrap().is_unknown(), "{src}");
            assert!(r.body.get("huge").unwrap().is_unknown(), "{src}");
        }
    }

    #[test]
    fn json_form() {
        let src = r#"{
  "variable": {"acl": {"default": "public-read"}},
  "resource": {"aws_s3_bucket": {"site": {
    "//": "leakgate:allow iac-s3-public-acl static website",
    "acl": "${var.acl}",
    "bucket": "${local.name}-x"
  }}}
}"#;
        let (m, errors) = build(&[(src, true)]);
        assert!(errors.is_empty());
        let r = m.resources("aws_s3_bucket").next().unwrap();
        assert_eq!((r.line, r.allow.len()), (3, 1));
        let acl = r.body.get("acl").unwrap();
        assert_eq!((acl.as_str(), acl.line), (Some("public-read"), 5));
        assert!(r.body.get("bucket").unwrap().is_unknown());
        assert!(r.body.get("//").is_none());
    }

    #[test]
    fn parse_errors_have_lines() {
        let (_, errors) = build(&[("resource \"x\" \"y\" {\n  a = \n}\n", false)]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].line.is_some());
    }
}
