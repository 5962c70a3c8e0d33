//! A kept finding written back as the text its report held, with only what the merge decides changed: its
//! `repository` (set, or added as its first key), its `secret_hash_key_id` (added last when the finding's report
//! named the key and the finding did not) and its commit's `further_occurrences` (set, or added last). A value
//! is replaced where it stands, and an added key takes the layout of the object's first key, so a finding from a
//! pretty-printed report reads as if written in one pass, and nothing else is parsed or re-encoded.
use std::io::Write;
use std::ops::Range;

use super::MergedFinding;

/// What goes at one place in the finding's text.
enum Piece {
    /// The repository, as a JSON string, in place of the old value.
    Repository,
    /// `"repository": "…",` as the object's first key.
    RepositoryFirst,
    /// `, "secret_hash_key_id": "…"` after the object's last value.
    KeyIdLast,
    /// The occurrence count in place of the old value.
    Further,
    /// `, "further_occurrences": N` after the commit's last value.
    FurtherLast,
}

/// Appends the finding's text, changed as the merge decided, to `out`.
pub(super) fn write_finding(f: &MergedFinding, out: &mut Vec<u8>) {
    let raw = f.held.raw;
    let mut edits: [Option<(Range<usize>, Piece)>; 3] = [None, None, None];
    edits[0] = Some(match &f.held.repository_at {
        Some(at) => (at.clone(), Piece::Repository),
        None => (1..1, Piece::RepositoryFirst),
    });
    if f.key_id_added {
        let end = end_of_last(raw);
        edits[1] = Some((end..end, Piece::KeyIdLast));
    }
    if let Some(commit) = &f.held.commit {
        edits[2] = Some(match &commit.further_at {
            Some(at) => (at.clone(), Piece::Further),
            None => {
                let end = commit.at.start + end_of_last(&raw[commit.at.clone()]);
                (end..end, Piece::FurtherLast)
            }
        });
    }
    // Applied in the order they stand in the text; a first key comes before a last one at the same place.
    edits.sort_by_key(|edit| edit.as_ref().map(|(at, _)| at.start));
    let mut from = 0;
    for (at, piece) in edits.iter().flatten() {
        out.extend_from_slice(&raw.as_bytes()[from..at.start]);
        put(f, piece, out);
        from = at.end;
    }
    out.extend_from_slice(&raw.as_bytes()[from..]);
}

fn put(f: &MergedFinding, piece: &Piece, out: &mut Vec<u8>) {
    let raw = f.held.raw;
    let string = |out: &mut Vec<u8>, s: &str| serde_json::to_writer(out, s).expect("a string always serialises");
    match piece {
        Piece::Repository => string(out, &f.repository),
        Piece::RepositoryFirst => {
            let (lead, empty) = layout(raw);
            out.extend_from_slice(lead.as_bytes());
            out.extend_from_slice(b"\"repository\": ");
            string(out, &f.repository);
            if !empty {
                out.push(b',');
            }
        }
        Piece::KeyIdLast => {
            out.push(b',');
            out.extend_from_slice(layout(raw).0.as_bytes());
            out.extend_from_slice(b"\"secret_hash_key_id\": ");
            string(out, f.key_id.as_deref().unwrap_or(""));
        }
        Piece::Further => {
            let _ = write!(out, "{}", f.further_occurrences);
        }
        Piece::FurtherLast => {
            let commit = f.held.commit.as_ref().map_or("{}", |c| &raw[c.at.clone()]);
            let (lead, empty) = layout(commit);
            if !empty {
                out.push(b',');
            }
            out.extend_from_slice(lead.as_bytes());
            let _ = write!(out, "\"further_occurrences\": {}", f.further_occurrences);
        }
    }
}

/// The whitespace before an object's first key (which an added key copies), and whether it has no keys.
fn layout(object: &str) -> (&str, bool) {
    let body = &object[1..object.len() - 1];
    let rest = body.trim_start();
    (&body[..body.len() - rest.len()], rest.is_empty())
}

/// Where a key added last goes in an object's text: right after its last value.
fn end_of_last(object: &str) -> usize {
    object[..object.len() - 1].trim_end().len()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::report::merge::{merge, write, Input, Need};

    fn merged_text(findings: &str, key: bool) -> Value {
        let key = if key { r#""secret_hash_key_id": "k","# } else { "" };
        let doc = format!(
            r#"{{"version": 1, "tool": {{"name": "leakgate"}}, "repository": "r", {key} "findings": {findings}}}"#
        );
        let inputs = [Input { name: "a.json".into(), bytes: doc.into_bytes() }];
        let merged = merge(&inputs, Need::Text).unwrap();
        let mut out = Vec::new();
        write::write_json(&merged, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn added_keys_keep_the_text_valid_whatever_its_layout() {
        for findings in [
            r#"[{"kind":"secret","fingerprint":"f","secret_hash":"h","commit":{"id":"c"}}]"#,
            "[\n    {\n      \"kind\": \"secret\",\n      \"fingerprint\": \"f\",\n      \"secret_hash\": \"h\",\n      \"commit\": {\n        \"id\": \"c\"\n      }\n    }\n  ]",
            r#"[ { "kind" : "secret" , "fingerprint":"f", "secret_hash": "h", "commit" : { } } ]"#,
        ] {
            let doc = merged_text(findings, true);
            let f = &doc["findings"][0];
            assert_eq!(f["repository"], "r", "{findings}");
            assert_eq!(f["secret_hash_key_id"], "k", "{findings}");
            assert_eq!(f["commit"]["further_occurrences"], 0, "{findings}");
            assert_eq!(f["fingerprint"], "f", "{findings}");
        }
    }

    #[test]
    fn values_are_replaced_where_they_stand() {
        let findings = r#"[{"repository": "other/repo", "fingerprint": "f", "secret_hash": "h",
                            "secret_hash_key_id": "own", "commit": {"further_occurrences": 4, "order": 1}}]"#;
        let doc = merged_text(findings, true);
        assert_eq!(
            doc["findings"][0],
            json!({"repository": "other/repo", "fingerprint": "f", "secret_hash": "h", "secret_hash_key_id": "own",
                   "commit": {"further_occurrences": 4, "order": 1}})
        );
        // An empty finding (an odd report, but JSON) gets its repository and stays JSON.
        assert_eq!(merged_text("[{}]", false)["findings"][0], json!({"repository": "r"}));
    }
}
