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
}

/// A resolved reference: used at (`file`, `line`), its value set at (`set_file`, `set_line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: usize,
    pub line: usize,
    /// `var.bucket_acl` or `local.cidr`.
    pub name: String,
    pub set_file: usize,
    pub set_line: usize,
}

impl Origin {
    /// `var.bucket_acl, the default set in PATH:LINE` (`PATH` from the file's index); a value from a variable
    /// definitions file is `the value set in terraform.tfvars:LINE`.
    pub fn describe(&self, path: &str) -> String {
        let what = if !self.name.starts_with("var.") {
            "set"
        } else if path.ends_with(".tfvars") || path.ends_with(".tfvars.json") {
            "the value set"
        } else {
            "the default set"
        };
        format!("{}, {what} in {path}:{}", self.name, self.set_line)
    }
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

enum Parsed {
    Hcl(Body),
    Json(Node),
    Failed,
}

enum LocalDef<'a> {
    Hcl(&'a Expression, usize),
    Json(&'a Node, usize),
}

struct Scope<'a> {
    indexes: Vec<LineIndex>,
    /// Each variable's default, and the file it is declared in.
    vars: HashMap<String, (Node, usize)>,
    locals: HashMap<String, LocalDef<'a>>,
    memo: RefCell<HashMap<String, Node>>,
    active: RefCell<HashSet<String>>,
    /// Every HCL `var.x`/`local.x` use resolved so far (see [`Module::origins`]).
    origins: RefCell<Vec<Origin>>,
    /// What is left of `MAX_COPIED_NODES` and `MAX_COPIED_BYTES`.
    nodes_left: Cell<usize>,
    bytes_left: Cell<usize>,
}

/// Builds one module from its files, given as `(text, is_json)`: JSON for `*.tf.json`, HCL otherwise. Files
/// that fail to parse are reported and left out; the others are still evaluated.
#[cfg(test)]
pub fn build(files: &[(&str, bool)]) -> (Module, Vec<FileError>) {
    build_with_tfvars(files, &[])
}

/// As [`build`], where the files at the indexes `tfvars` are variable definitions files that Terraform loads by
/// itself (`terraform.tfvars`, `*.auto.tfvars`, their JSON forms), given in Terraform's load order: each value
/// they set for a declared variable replaces its default, a later file's over an earlier one's.
pub fn build_with_tfvars(files: &[(&str, bool)], tfvars: &[usize]) -> (Module, Vec<FileError>) {
    let mut errors = Vec::new();
    let parsed: Vec<Parsed> = files
        .iter()
        .enumerate()
        .map(|(i, &(text, is_json))| {
            if is_json {
                match json::parse(text, 1) {
                    Ok(n) => Parsed::Json(n),
                    Err(e) => {
                        errors.push(FileError { file: i, line: Some(e.line), message: e.message });
                        Parsed::Failed
                    }
                }
            } else {
                match hcl_edit::parser::parse_body(text) {
                    Ok(b) => Parsed::Hcl(b),
                    Err(e) => {
                        errors.push(FileError {
                            file: i,
                            line: Some(e.location().line()),
                            message: e.message().lines().next().unwrap_or("").to_string(),
                        });
                        Parsed::Failed
                    }
                }
            }
        })
        .collect();

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
    let mut vars = HashMap::new();
    let mut declared = HashSet::new();
    for (file, p) in parsed.iter().enumerate() {
        if tfvars.contains(&file) {
            continue;
        }
        match p {
            Parsed::Hcl(body) => {
                for block in body.get_blocks("variable") {
                    declared.extend(block.labels.first().map(|l| l.as_str().to_string()));
                    let (Some(name), Some(default)) = (block.labels.first(), block.body.get_attribute("default"))
                    else {
                        continue;
                    };
                    vars.insert(name.as_str().to_string(), (scope.eval(&default.value, file, 0), file));
                }
                for block in body.get_blocks("locals") {
                    for attr in block.body.attributes() {
                        scope.locals.insert(attr.key.as_str().to_string(), LocalDef::Hcl(&attr.value, file));
                    }
                }
            }
            Parsed::Json(root) => {
                for vars_obj in root.all("variable") {
                    for (k, v) in vars_obj.entries() {
                        declared.insert(k.name.clone());
                        if let Some(default) = v.items().find_map(|d| d.get("default")) {
                            vars.insert(k.name.clone(), (scope.eval_json(default, 0), file));
                        }
                    }
                }
                for locals in root.all("locals") {
                    for (k, v) in locals.entries() {
                        scope.locals.insert(k.name.clone(), LocalDef::Json(v, file));
                    }
                }
            }
            Parsed::Failed => {}
        }
    }
    // Variable definitions files hold literal values (they cannot refer to anything either).
    for &file in tfvars {
        match parsed.get(file) {
            Some(Parsed::Hcl(body)) => {
                for attr in body.attributes().filter(|a| declared.contains(a.key.as_str())) {
                    vars.insert(attr.key.as_str().to_string(), (scope.eval(&attr.value, file, 0), file));
                }
            }
            Some(Parsed::Json(root)) => {
                for (k, v) in root.entries().iter().filter(|(k, _)| declared.contains(&k.name)) {
                    vars.insert(k.name.clone(), (scope.eval_json(v, 0), file));
                }
            }
            _ => {}
        }
    }
    scope.vars = vars;

    let mut module = Module::default();
    for (file, p) in parsed.iter().enumerate().filter(|(file, _)| !tfvars.contains(file)) {
        let lines = SourceLines::new(files.get(file).map_or("", |f| f.0));
        match p {
            Parsed::Hcl(body) => {
                for block in body.blocks() {
                    let is_data = match block.ident.as_str() {
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
            Parsed::Json(root) => {
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
            }
            Parsed::Failed => {}
        }
    }
    module.origins = scope.origins.into_inner();
    (module, errors)
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
    // Terraform JSON ignores properties named "//"; they are its comments, so markers live there.
    let allow = body.all("//").filter_map(|c| c.as_str().and_then(text_marker)).collect();
    let mut evaluated = scope.eval_json(body, 0);
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
        let (base, set_at) = match (root.as_str(), ops.next()) {
            ("var", Some(TraversalOperator::GetAttr(name))) => {
                (self.var(name.as_str()), self.vars.get(name.as_str()).map(|(n, f)| (*f, n.line)))
            }
            ("local", Some(TraversalOperator::GetAttr(name))) => {
                let set_at = self.locals.get(name.as_str()).map(|d| match d {
                    LocalDef::Hcl(e, f) => (*f, self.line_of(*f, e.span()).0),
                    LocalDef::Json(n, f) => (*f, n.line),
                });
                (self.local(name.as_str(), depth), set_at)
            }
            _ => (None, None),
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
        if let Some((set_file, set_line)) = set_at {
            let name = text.split(['.', '[']).take(2).collect::<Vec<_>>().join(".");
            self.origins.borrow_mut().push(Origin { file, line, name, set_file, set_line });
        }
        cur.relocate(line, end);
        cur
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
            LocalDef::Json(n, _) => self.eval_json(n, depth + 1),
        };
        self.active.borrow_mut().remove(name);
        self.memo.borrow_mut().insert(name.to_string(), n.clone());
        self.spend(&n).then_some(n)
    }

    /// Resolves `${var.x}` strings in a `*.tf.json` value; other interpolated strings become unknown.
    fn eval_json(&self, n: &Node, depth: usize) -> Node {
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
                    *it = self.eval_json(it, depth);
                }
            }
            Val::Map(entries) => {
                for (_, v) in entries.iter_mut() {
                    *v = self.eval_json(v, depth);
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
        let got: Vec<(usize, usize, &str, usize, usize)> =
            m.origins.iter().map(|o| (o.file, o.line, o.name.as_str(), o.set_file, o.set_line)).collect();
        // `var.open` has no default: unresolved, so no origin.
        assert_eq!(got, [(1, 5, "var.acl", 0, 2), (1, 6, "local.cidr", 1, 2)]);
        assert_eq!(m.origins[0].describe("vars.tf"), "var.acl, the default set in vars.tf:2");
        assert_eq!(m.origins[1].describe("main.tf"), "local.cidr, set in main.tf:2");
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
