//! The one value tree every IaC format is lowered into: YAML, JSON and evaluated HCL all become [`Node`]s that
//! carry the 1-based line they start and end on. Checks only ever read this tree, so one helper set
//! (`get`, `items`, `as_bool`, …) serves Terraform, CloudFormation, Kubernetes and Compose alike.
//!
//! Values that cannot be known before deploy time (references, intrinsic functions, conditionals) are
//! [`Val::Unknown`]; every accessor answers `None` for them, which is how "do not guess" is enforced.

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order. Duplicate keys are kept; lookups take the last one, as JSON and YAML loaders do.
    Map(Vec<(Key, Node)>),
    /// Known only at deploy time. The text is the expression as written (`aws_s3_bucket.site.id`, `!Ref Cidr`),
    /// used in messages and to follow references between resources.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub end_line: usize,
    pub val: Val,
    /// A YAML tag other than the core schema's (`!Ref`, `!Sub`): the value is not plain data.
    pub tag: Option<String>,
}

impl Node {
    pub fn new(line: usize, end_line: usize, val: Val) -> Node {
        Node { line, end_line: end_line.max(line), val, tag: None }
    }

    pub fn unknown(line: usize, text: impl Into<String>) -> Node {
        Node::new(line, line, Val::Unknown(text.into()))
    }

    fn plain(&self) -> Option<&Val> {
        match self.tag {
            Some(_) => None,
            None => Some(&self.val),
        }
    }

    /// The value under `key` of a mapping (last one wins, as in JSON and YAML loaders).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match self.plain()? {
            Val::Map(entries) => entries.iter().rev().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Every value under `key`, flattening lists: Terraform nested blocks repeat (`ingress {}` twice), are
    /// written as a list attribute (`ingress = [{…}]`) or as a JSON array, and all mean the same.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        let entries: &[(Key, Node)] = match self.plain() {
            Some(Val::Map(entries)) => entries,
            _ => &[],
        };
        entries.iter().filter(move |(k, _)| k.name == key).flat_map(|(_, v)| v.items())
    }

    /// The elements of a sequence, or the node itself: many fields take "a string or a list of strings".
    pub fn items(&self) -> std::slice::Iter<'_, Node> {
        match self.plain() {
            Some(Val::Seq(items)) => items.iter(),
            Some(Val::Null) => [].iter(),
            _ => std::slice::from_ref(self).iter(),
        }
    }

    pub fn entries(&self) -> &[(Key, Node)] {
        match self.plain() {
            Some(Val::Map(entries)) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.plain(), Some(Val::Map(_)))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.plain(), Some(Val::Null))
    }

    pub fn is_unknown(&self) -> bool {
        self.tag.is_some() || matches!(self.val, Val::Unknown(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.plain()? {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Booleans as the tools read them: a real boolean, or the strings `true`/`false` (Terraform and
    /// CloudFormation convert those), case-insensitively.
    pub fn as_bool(&self) -> Option<bool> {
        match self.plain()? {
            Val::Bool(b) => Some(*b),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// Whole numbers, also when written as strings (`FromPort: "22"` is valid CloudFormation).
    pub fn as_i64(&self) -> Option<i64> {
        match self.plain()? {
            Val::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(*n as i64),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as text for comparisons and messages: strings as they are, numbers without a needless `.0`.
    pub fn as_text(&self) -> Option<String> {
        match self.plain()? {
            Val::Str(s) => Some(s.clone()),
            Val::Num(_) => self.as_i64().map(|n| n.to_string()),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The expression text of an unknown value (`aws_s3_bucket.site.id`).
    pub fn unknown_text(&self) -> Option<&str> {
        match &self.val {
            Val::Unknown(t) => Some(t),
            _ => None,
        }
    }

    /// Moves the whole subtree to one line range: a value resolved from a variable default is reported where
    /// it is used, not where the default was written.
    pub fn relocate(&mut self, line: usize, end_line: usize) {
        self.line = line;
        self.end_line = end_line.max(line);
        match &mut self.val {
            Val::Seq(items) => items.iter_mut().for_each(|n| n.relocate(line, end_line)),
            Val::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.line = line;
                v.relocate(line, end_line);
            }),
            _ => {}
        }
    }

    /// Number of nodes in the subtree; bounds alias expansion and copies.
    pub fn size(&self) -> usize {
        1 + match &self.val {
            Val::Seq(items) => items.iter().map(Node::size).sum(),
            Val::Map(entries) => entries.iter().map(|(_, v)| 1 + v.size()).sum(),
            _ => 0,
        }
    }
}

/// Byte offset → 1-based line, for parsers that report byte spans.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The line of the last byte of a half-open span.
    pub fn end_line(&self, span: &std::ops::Range<usize>) -> usize {
        self.line(span.end.saturating_sub(1).max(span.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(val: Val) -> Node {
        Node::new(1, 1, val)
    }

    #[test]
    fn accessors_answer_none_for_unknown_and_tagged() {
        let mut tagged = n(Val::Str("true".into()));
        tagged.tag = Some("!Ref".into());
        assert_eq!(tagged.as_bool(), None);
        assert_eq!(n(Val::Unknown("var.x".into())).as_str(), None);
        assert_eq!(n(Val::Str("TRUE".into())).as_bool(), Some(true));
        assert_eq!(n(Val::Str(" 22 ".into())).as_i64(), Some(22));
        assert_eq!(n(Val::Num(22.5)).as_i64(), None);
    }

    #[test]
    fn all_flattens_blocks_and_lists() {
        let block = |l| Node::new(l, l, Val::Map(vec![]));
        let m = n(Val::Map(vec![
            (Key { name: "ingress".into(), line: 2 }, block(2)),
            (Key { name: "ingress".into(), line: 3 }, n(Val::Seq(vec![block(4), block(5)]))),
        ]));
        let lines: Vec<usize> = m.all("ingress").map(|x| x.line).collect();
        assert_eq!(lines, vec![2, 4, 5]);
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!([0, 1, 2, 4, 5, 6].map(|o| idx.line(o)), [1, 1, 2, 2, 3, 4]);
        assert_eq!(idx.end_line(&(2..5)), 2);
    }
}
