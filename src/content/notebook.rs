//! Jupyter notebooks (`.ipynb`: JSON, nbformat 4, and nbformat 3's worksheets): the text of each cell's source
//! and of its outputs (stream text, `text/*` and other non-image `data` of results and displays, error
//! tracebacks with their colour codes removed), unescaped and joined into one text, one part after another.
//! In the file, a cell's lines are separate JSON strings and its text is escaped (`\n`, `\"`, `\u001b[31m`), so
//! a private key across a cell's lines, or a token in a red traceback, is only seen here. Each part remembers
//! where its strings are in the file, so a finding in it points at the file's line (the line of the JSON string),
//! and names the cell and the line within it.

use super::json_spans::{self, Span, Value};

/// Whether `path` names a notebook (`.ipynb`, any case).
pub fn is_notebook(path: &str) -> bool {
    let p = path.as_bytes();
    p.len() >= 6 && p[p.len() - 6..].eq_ignore_ascii_case(b".ipynb")
}

/// A notebook's cell text.
#[derive(Debug, Default)]
pub struct Notebook {
    /// Every part's text, each ending with a newline.
    pub text: Vec<u8>,
    parts: Vec<Part>,
    segments: Vec<Segment>,
}

/// One cell's source or one of its outputs.
#[derive(Debug)]
struct Part {
    text_start: usize,
    label: String,
}

/// One JSON string of a part: where its unescaped text starts in [`Notebook::text`] and where it is escaped in
/// the file.
#[derive(Debug)]
struct Segment {
    text_start: usize,
    raw: Span,
    strip_ansi: bool,
}

/// The cells of a notebook, or `None` when `content` is not JSON with cells (it is then scanned as the text it
/// is, like any file).
pub fn extract(content: &[u8]) -> Option<Notebook> {
    let doc = json_spans::parse(content)?;
    let mut cells: Vec<&Value> = Vec::new();
    match (doc.get("cells"), doc.get("worksheets")) {
        (Some(Value::Array(c)), _) => cells.extend(c),
        (_, Some(Value::Array(sheets))) => {
            for sheet in sheets {
                if let Some(Value::Array(c)) = sheet.get("cells") {
                    cells.extend(c);
                }
            }
        }
        _ => return None,
    }
    let mut nb = Notebook::default();
    for (i, cell) in cells.into_iter().enumerate() {
        let n = i + 1;
        let source = cell.get("source").or_else(|| cell.get("input"));
        nb.part(content, format!("notebook cell {n} source"), source.into_iter(), false);
        let Some(Value::Array(outputs)) = cell.get("outputs") else { continue };
        for (j, output) in outputs.iter().enumerate() {
            let label = format!("notebook cell {n} output {}", j + 1);
            let mut texts: Vec<&Value> = output.get("text").into_iter().collect();
            if let Some(Value::Object(data)) = output.get("data") {
                texts.extend(data.iter().filter(|(mime, _)| !mime.starts_with("image/")).map(|(_, v)| v));
            }
            nb.part(content, label.clone(), texts.into_iter(), false);
            match output.get("traceback") {
                Some(tb) => nb.part(content, label, std::iter::once(tb), true),
                None => nb.part(content, label, output.get("evalue").into_iter(), false),
            }
        }
    }
    Some(nb)
}

impl Notebook {
    /// Adds a part made of `values` (strings, or arrays of strings: a cell's lines); nothing if they hold no
    /// text.
    fn part<'a>(&mut self, content: &[u8], label: String, values: impl Iterator<Item = &'a Value>, ansi: bool) {
        let start = self.text.len();
        for v in values {
            let strings: Vec<Span> = match v {
                Value::Str(s) => vec![*s],
                Value::Array(items) => {
                    items.iter().filter_map(|x| if let Value::Str(s) = x { Some(*s) } else { None }).collect()
                }
                _ => Vec::new(),
            };
            for s in strings {
                self.segments.push(Segment { text_start: self.text.len(), raw: s, strip_ansi: ansi });
                self.text.extend(json_spans::unescape(&content[s.start..s.end], ansi));
                // Traceback entries are lines without their newline.
                if ansi && self.text.last() != Some(&b'\n') {
                    self.text.push(b'\n');
                }
            }
        }
        if self.text.len() == start {
            return;
        }
        if self.text.last() != Some(&b'\n') {
            self.text.push(b'\n');
        }
        self.parts.push(Part { text_start: start, label });
    }

    /// The offset in the file of byte `text_offset` of [`text`](Self::text) (`content`: the file).
    pub fn source(&self, content: &[u8], text_offset: usize) -> usize {
        let Some(i) = self.segments.partition_point(|s| s.text_start <= text_offset).checked_sub(1) else {
            return 0;
        };
        let s = &self.segments[i];
        s.raw.start + json_spans::raw_offset(&content[s.raw.start..s.raw.end], s.strip_ansi, text_offset - s.text_start)
    }

    /// Where byte `text_offset` is, as a decoding step for a finding: `notebook cell 3 output 1, line 2` (cells
    /// and outputs counted from 1 in file order, the line within that source or output).
    pub fn place(&self, text_offset: usize) -> String {
        let Some(i) = self.parts.partition_point(|p| p.text_start <= text_offset).checked_sub(1) else {
            return "notebook".to_string();
        };
        let part = &self.parts[i];
        let end = text_offset.min(self.text.len());
        let line = 1 + memchr::memchr_iter(b'\n', &self.text[part.text_start..end]).count();
        format!("{}, line {line}", part.label)
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{extract, is_notebook};

    const NB: &str = r##"{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Setup\n", "Keys below"]},
  {"cell_type": "code", "execution_count": 1, "metadata": {},
   "source": [
    "import os\n",
    "print(\"key\")"
   ],
   "outputs": [
    {"name": "stdout", "output_type": "stream", "text": ["AKIAHEZIKBQH36EMN2OS\n"]},
    {"output_type": "error", "ename": "E", "evalue": "x",
     "traceback": ["\u001b[0;31mE\u001b[0m: tok=ghp_abc"]},
    {"output_type": "display_data", "data": {"image/png": "iVBORw0", "text/plain": ["<Figure>"]}, "metadata": {}}
   ]
  }
 ],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5
}"##;

    #[test]
    fn reads_sources_and_outputs_with_their_places() {
        assert!(is_notebook("a/B.IPYNB") && !is_notebook("ipynb"));
        let nb = extract(NB.as_bytes()).unwrap();
        let text = String::from_utf8(nb.text.clone()).unwrap();
        assert_eq!(
            text,
            "# Setup\nKeys below\nimport os\nprint(\"key\")\nAKIAHEZIKBQH36EMN2OS\nE: tok=ghp_abc\n<Figure>\n"
        );
        let at = text.find("AKIA").unwrap();
        assert_eq!(nb.place(at), "notebook cell 2 output 1, line 1");
        let file_at = nb.source(NB.as_bytes(), at);
        assert!(NB[file_at..].starts_with("AKIAHEZIKBQH36EMN2OS\\n\"]}"));
        let key = text.find("\"key").unwrap();
        assert_eq!(nb.place(key), "notebook cell 2 source, line 2");
        assert!(NB[nb.source(NB.as_bytes(), key)..].starts_with("\\\"key"));
        let tok = text.find("tok=").unwrap();
        assert_eq!(nb.place(tok), "notebook cell 2 output 2, line 1");
        assert!(NB[nb.source(NB.as_bytes(), tok)..].starts_with("tok=ghp"));
    }

    #[test]
    fn what_is_not_a_notebook_is_none() {
        assert!(extract(b"{\"cells\": [").is_none());
        assert!(extract(b"{\"a\": 1}").is_none());
        assert!(extract(b"{\"cells\": []}").unwrap().is_empty());
    }
}
