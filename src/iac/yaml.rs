//! YAML streams → [`Node`] trees with line numbers, built from `saphyr-parser` events.
//!
//! Building the tree here (rather than with a loader crate) is what lets every node keep its line, keeps
//! CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`) on the node they apply to, resolves Compose's
//! `<<` merge keys, and bounds the work an adversarial file can cause: nesting depth is capped (so later
//! recursive walks cannot overflow the stack) and alias expansion shares one node budget (so a "billion
//! laughs" file fails fast instead of eating memory).
use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::node::{Key, Node, Val};

/// Deeper than any real manifest; keeps every recursive walk over the tree far from the stack limit.
pub const MAX_DEPTH: usize = 100;
/// Nodes created in one file, counting each alias expansion and merge copy in full.
const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

enum Frame {
    Seq { line: usize, anchor: usize, tag: Option<String>, items: Vec<Node> },
    Map { line: usize, anchor: usize, tag: Option<String>, entries: Vec<(Key, Node)>, key: Option<Key> },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    root: Option<Node>,
    nodes: usize,
}

/// Every document of the stream, in order; an empty document is a `Null` node.
pub fn parse_stream(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder { stack: Vec::new(), anchors: HashMap::new(), docs: Vec::new(), root: None, nodes: 0 };
    let mut parser = Parser::new_from_str(text);
    // An error at end of input is marked on the line after the last newline; name the last real line.
    let last_line = text.lines().count().max(1);
    while let Some(event) = parser.next_event() {
        let (event, span) = event
            .map_err(|e| YamlError { line: e.marker().line().clamp(1, last_line), message: e.info().to_string() })?;
        b.event(event, span)?;
    }
    Ok(b.docs)
}

fn start_line(span: &Span) -> usize {
    span.start.line().max(1)
}

/// A span's end marker sits after the last character, so a block scalar ending in a newline ends on the line
/// before its marker.
fn end_line(span: &Span) -> usize {
    let (start, end) = (span.start.line(), span.end.line());
    if end > start && span.end.col() == 0 {
        end - 1
    } else {
        end.max(start).max(1)
    }
}

fn tag_text(tag: &Tag) -> String {
    tag.to_string()
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let line = start_line(&span);
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let doc = self.root.take().unwrap_or_else(|| Node::new(line, line, Val::Null));
                self.docs.push(doc);
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.charge(1, line)?;
                if let Some(Frame::Map { key: key @ None, .. }) = self.stack.last_mut() {
                    // Keys are names, never resolved to bools or numbers (`on:`, `8080:` stay text).
                    *key = Some(Key { name: value.into_owned(), line });
                    return Ok(());
                }
                let node = scalar(value, style, tag, &span);
                self.complete(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.push(Frame::Seq { line, anchor, tag: tag.map(|t| tag_text(&t)), items: Vec::new() }, line)?;
            }
            Event::MappingStart(anchor, tag) => {
                self.push(
                    Frame::Map { line, anchor, tag: tag.map(|t| tag_text(&t)), entries: Vec::new(), key: None },
                    line,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = match frame {
                    Frame::Seq { line, anchor, tag, items } => {
                        let end = items.iter().map(|n| n.end_line).max().unwrap_or(line);
                        let mut node = Node::new(line, end, Val::Seq(items));
                        node.tag = tag;
                        (node, anchor)
                    }
                    Frame::Map { line, anchor, tag, entries, .. } => {
                        let entries = self.merge(entries, line)?;
                        let end = entries.iter().map(|(_, n)| n.end_line).max().unwrap_or(line);
                        let mut node = Node::new(line, end, Val::Map(entries));
                        node.tag = tag;
                        (node, anchor)
                    }
                };
                self.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some(n) => n.clone(),
                    None => Node::new(line, line, Val::Null),
                };
                self.charge(node.size(), line)?;
                self.complete(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame, line: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError { line, message: format!("nesting deeper than {MAX_DEPTH} levels") });
        }
        self.charge(1, line)?;
        self.stack.push(frame);
        Ok(())
    }

    fn charge(&mut self, n: usize, line: usize) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(YamlError { line, message: format!("more than {MAX_NODES} nodes after alias expansion") });
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.charge(node.size(), node.line)?;
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                // An alias used as a key keeps its text; a collection used as a key (`? [a, b]`) is legal YAML
                // but meaningless to every format here, so it gets an empty name.
                None => *key = Some(Key { name: node.as_text().unwrap_or_default(), line: node.line }),
            },
        }
        Ok(())
    }

    /// `<<: *base` and `<<: [*a, *b]`: entries written in the mapping win over merged ones, earlier merge
    /// sources over later ones (the YAML merge-key convention Compose files rely on).
    fn merge(&mut self, entries: Vec<(Key, Node)>, line: usize) -> Result<Vec<(Key, Node)>, YamlError> {
        if !entries.iter().any(|(k, _)| k.name == "<<") {
            return Ok(entries);
        }
        let (sources, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| k.name == "<<");
        let mut extra: Vec<(Key, Node)> = Vec::new();
        for (_, source) in sources {
            let maps: Vec<Node> = match source.val {
                Val::Seq(items) => items,
                _ => vec![source],
            };
            for map in maps {
                if let Val::Map(merged) = map.val {
                    for (k, v) in merged {
                        let taken = own.iter().chain(extra.iter()).any(|(o, _)| o.name == k.name);
                        if !taken {
                            self.charge(v.size(), line)?;
                            extra.push((k, v));
                        }
                    }
                }
            }
        }
        own.extend(extra);
        Ok(own)
    }
}

fn scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<Cow<'_, Tag>>, span: &Span) -> Node {
    let (line, end) = (start_line(span), end_line(span));
    let mut node = Node::new(line, end, Val::Null);
    match tag {
        Some(t) if t.is_yaml_core_schema() => {
            node.val = match t.suffix.as_str() {
                "null" => Val::Null,
                "bool" | "int" | "float" => match resolve_plain(&value) {
                    v @ (Val::Bool(_) | Val::Num(_)) => v,
                    _ => Val::Str(value.into_owned()),
                },
                _ => Val::Str(value.into_owned()),
            };
        }
        Some(t) => {
            node.tag = Some(tag_text(&t));
            node.val = Val::Str(value.into_owned());
        }
        None if style == ScalarStyle::Plain => node.val = resolve_plain(&value),
        None => node.val = Val::Str(value.into_owned()),
    }
    node
}

/// Plain scalars per the YAML 1.2 core schema, plus the YAML 1.1 booleans (`yes`, `on`) because the Go
/// YAML libraries behind Kubernetes and Compose still read them as booleans.
fn resolve_plain(s: &str) -> Val {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Val::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Val::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Val::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(hex) = digits.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Val::Num(n as f64);
        }
    }
    if let Some(oct) = digits.strip_prefix("0o") {
        if let Ok(n) = i64::from_str_radix(oct, 8) {
            return Val::Num(n as f64);
        }
    }
    let numeric = !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if numeric {
        if let Ok(n) = s.parse::<f64>() {
            return Val::Num(n);
        }
    }
    Val::Str(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_tags_and_documents() {
        let docs =
            parse_stream("a: 1\nb:\n  - x\n  - !Ref Y\n---\nc: yes\nd: \"0\"\ne: |\n  one\n  two\nf: 0:0\n").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").unwrap();
        let items: Vec<_> = b.items().collect();
        assert_eq!((items[0].line, items[1].line), (3, 4));
        assert_eq!(items[1].tag.as_deref(), Some("!Ref"));
        assert_eq!(items[1].as_str(), None);
        assert_eq!(docs[1].get("c").unwrap().as_bool(), Some(true));
        assert_eq!(docs[1].get("d").unwrap().as_str(), Some("0"));
        let e = docs[1].get("e").unwrap();
        // A block scalar starts where its content does.
        assert_eq!((e.line, e.end_line), (9, 10));
        assert_eq!(docs[1].get("f").unwrap().as_str(), Some("0:0"));
        assert_eq!(docs[1].entry("f").unwrap().0.line, 11);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs = parse_stream("x: &base\n  privileged: true\n  user: a\ns:\n  <<: *base\n  user: b\n").unwrap();
        let s = docs[0].get("s").unwrap();
        assert_eq!(s.get("privileged").unwrap().as_bool(), Some(true));
        assert_eq!(s.get("user").unwrap().as_str(), Some("b"));
        assert!(s.get("<<").is_none());
    }

    #[test]
    fn adversarial_inputs_fail_cleanly() {
        let deep = "[".repeat(10_000);
        assert!(parse_stream(&deep).is_err());
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            laughs.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let err = parse_stream(&laughs).unwrap_err();
        assert!(err.message.contains("alias"), "{err:?}");
        let err = parse_stream("a: 1\nb: [\n").unwrap_err();
        assert!(err.line >= 2);
    }
}
