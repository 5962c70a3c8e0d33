//! Scanning content that is not plain text, as `crate::content` reads it: UTF-16 decoded, the printable strings
//! of a binary, a notebook's cells. Findings are made in the decoded text and then placed in the stored content,
//! and each carries its decoding step in `decoded`:
//! - UTF-16 (`utf-16le`, `utf-16be`): the decoded text's lines are the file's lines; columns count characters;
//! - binary strings (`strings`, plus `utf-16le` for a UTF-16 run): the line is the file's (newline bytes before
//!   the secret, plus one) and columns count bytes; only [`Rule::strings_safe`] rules run;
//! - notebook cells (`notebook cell 3 output 1, line 2`): the line and column of the JSON string in the file that
//!   holds the secret. What the notebook's raw JSON text gave on that line, by the same rule or with the same
//!   secret, is reported once, from the cell (a key across a cell's lines reads differently in the raw JSON).
use std::collections::HashMap;

use crate::content::lines::LineCursor;
use crate::content::{notebook, strings, utf16};
use crate::engine::{Candidate, Scanner};
use crate::finding::{locate, Detail, Finding, FindingKind};
use crate::rules::Rule;

/// The rule set's own keyword search: decoded text has no delta base to borrow keyword hits from.
fn plain_scan(scanner: &Scanner, text: &[u8], path: &str, runs: &dyn Fn(&Rule) -> bool) -> Vec<Candidate> {
    scanner.scan_rules(text, path, &mut |c: &[u8], hits: &mut Vec<_>| scanner.rules().keyword_hits(c, hits), runs)
}

fn set_decoded(f: &mut Finding, steps: Vec<String>) {
    if let Detail::Secret(m) = &mut f.detail {
        m.decoded = steps;
    }
}

/// UTF-16 `content` decoded, and the secrets in it. The decoded text is returned for the IaC lint.
pub(super) fn utf16_text(
    scanner: &Scanner,
    path: &str,
    content: &[u8],
    endian: utf16::Endian,
    bom: usize,
) -> (String, Vec<Finding>) {
    let text = utf16::decode(content, endian, bom);
    let candidates = plain_scan(scanner, text.as_bytes(), path, &|_| true);
    let mut found = locate(scanner.rules(), text.as_bytes(), path, &candidates);
    found.iter_mut().for_each(|f| set_decoded(f, vec![endian.step().to_string()]));
    (text, found)
}

/// The secrets in the printable strings of binary `content`, placed at their bytes in it.
pub(super) fn binary_strings(scanner: &Scanner, path: &str, content: &[u8]) -> Vec<Finding> {
    let runs = strings::extract(content);
    if runs.text.is_empty() {
        return Vec::new();
    }
    let candidates = plain_scan(scanner, &runs.text, path, &Rule::strings_safe);
    let mut found = locate(scanner.rules(), &runs.text, path, &candidates);
    let (mut starts, mut ends) = (LineCursor::new(content), LineCursor::new(content));
    for (f, c) in found.iter_mut().zip(&candidates) {
        let (Some(first), Some(last)) = (runs.source(c.secret_start), runs.source(c.secret_end - 1)) else { continue };
        (f.start_line, f.start_column) = starts.line_byte_column(first.offset);
        (f.end_line, f.end_column) = ends.line_byte_column(last.offset);
        let mut steps = vec!["strings".to_string()];
        if first.wide {
            steps.push(utf16::Endian::Le.step().to_string());
        }
        set_decoded(f, steps);
    }
    found
}

/// Adds the secrets in a notebook's cells to `found` (the findings in its raw JSON), each placed at the JSON
/// string that holds it; a raw finding on the same line by the same rule or of the same secret gives way to the
/// cell's. A file that
/// is not a notebook's JSON adds nothing: its text was scanned as it is.
pub(super) fn notebook_cells(scanner: &Scanner, path: &str, content: &[u8], found: &mut Vec<Finding>) {
    let Some(nb) = notebook::extract(content) else { return };
    if nb.is_empty() {
        return;
    }
    let candidates = plain_scan(scanner, &nb.text, path, &|_| true);
    let mut cells = locate(scanner.rules(), &nb.text, path, &candidates);
    let (mut starts, mut ends) = (LineCursor::new(content), LineCursor::new(content));
    for (f, c) in cells.iter_mut().zip(&candidates) {
        (f.start_line, f.start_column) = starts.line_column(nb.source(content, c.secret_start));
        (f.end_line, f.end_column) = ends.line_column(nb.source(content, c.secret_end - 1));
        set_decoded(f, vec![nb.place(c.secret_start)]);
    }
    // By line, so that a notebook with thousands of findings is not compared all with all.
    let mut by_line: HashMap<usize, Vec<&Finding>> = HashMap::new();
    for cell in &cells {
        by_line.entry(cell.start_line).or_default().push(cell);
    }
    found.retain(|raw| {
        raw.kind() != FindingKind::Secret
            || !by_line.get(&raw.start_line).is_some_and(|on_line| {
                on_line.iter().any(|cell| {
                    cell.rule_id == raw.rule_id
                        || raw.secret().contains(cell.secret())
                        || cell.secret().contains(raw.secret())
                })
            })
    });
    found.extend(cells);
}
