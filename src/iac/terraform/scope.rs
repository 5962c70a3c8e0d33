//! Evaluation of one module's expressions: a [`Scope`] holds its variables' values and its locals and turns
//! HCL expressions and `*.tf.json` values into [`Node`]s, bounded in depth and in what references may copy.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

use super::super::node::{Key, LineIndex, Node, Val};
use super::{Origin, SetAt, UNKNOWN_PART};

/// How deep evaluation goes — nested lists and objects plus `local.a → local.b → …` hops, counted together —
/// before the value is called unknown. Bounds both the recursion here and the depth of the resulting tree,
/// which later walks recurse over; real configurations stay far below it.
const MAX_EVAL_DEPTH: usize = 96;

/// Nodes and string bytes that `var.x` and `local.x` references may copy into one module's values before
/// further references count as unknown. Every reference copies the value it names, so
/// `a1 = [local.a0, local.a0, …]`, `a2 = [local.a1, local.a1, …]`, … grows eightfold a line (and
/// `"${local.a0}${local.a0}"` twofold): a 2 KB file asked for more memory than any machine has. Real modules
/// copy a few thousand nodes.
const MAX_COPIED_NODES: usize = 1_000_000;
const MAX_COPIED_BYTES: usize = 16 << 20;

pub(super) enum LocalDef<'a> {
    Hcl(&'a Expression, usize),
    Json(&'a Node, usize),
}

/// Where a variable's value in [`Scope::vars`] came from: a file of the module (its default or a definitions
/// file, at the value's line) or a caller's input.
pub(super) enum VarSource {
    File(usize),
    Input(String),
}

pub(super) struct Scope<'a> {
    indexes: Vec<LineIndex>,
    /// Each variable's value and where it was set.
    pub(super) vars: HashMap<String, (Node, VarSource)>,
    pub(super) locals: HashMap<String, LocalDef<'a>>,
    memo: RefCell<HashMap<String, Node>>,
    active: RefCell<HashSet<String>>,
    /// Every `var.x`/`local.x` use resolved so far (see [`Module::origins`]).
    pub(super) origins: RefCell<Vec<Origin>>,
    /// What is left of `MAX_COPIED_NODES` and `MAX_COPIED_BYTES`.
    nodes_left: Cell<usize>,
    bytes_left: Cell<usize>,
}
/// is unknown.
fn json_interpolation(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("${")?.strip_suffix('}')?.trim();
    (!inner.contains("${")).then_some(inner)
}

impl<'a> Scope<'a> {
    /// A scope over a module's files, given as `(text, is_json)`, with no variable or local known yet.
    pub(super) fn new(files: &[(&str, bool)]) -> Self {
        Scope {
            indexes: files.iter().map(|(t, _)| LineIndex::new(t)).collect(),
            vars: HashMap::new(),
            locals: HashMap::new(),
            memo: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            origins: RefCell::new(Vec::new()),
            nodes_left: Cell::new(MAX_COPIED_NODES),
            bytes_left: Cell::new(MAX_COPIED_BYTES),
        }
    }

    pub(super) fn line_of(&self, file: usize, span: Option<std::ops::Range<usize>>) -> (usize, usize) {
        match (self.indexes.get(file), span) {
            (Some(idx), Some(span)) => (idx.line(span.start), idx.end_line(&span)),
            _ => (1, 1),
        }
    }

    pub(super) fn body(&self, body: &Body, file: usize, depth: usize) -> Node {
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

    pub(super) fn eval(&self, e: &Expression, file: usize, depth: usize) -> Node {
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
    pub(super) fn eval_json(&self, n: &Node, file: usize, depth: usize) -> Node {
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
