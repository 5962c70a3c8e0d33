//! Where IaC allow markers are looked for. The marker grammar itself (`leakgate:allow [rule-id …] [reason]`)
//! belongs to [`crate::suppress::inline`]; this file decides *which lines* govern a finding:
//! the flagged line, the comment lines directly above it, the same for each enclosing block (an `ingress`
//! block, a container list item), and resource-level markers gathered by the format models (a comment on or
//! above the resource's first line, a Kubernetes annotation, CloudFormation `Metadata`, a `"//"` comment key in
//! `*.tf.json`).
use crate::suppress::inline;

/// Key used for markers in structured metadata: Kubernetes annotations, CloudFormation `Metadata`.
pub const ANNOTATION: &str = "leakgate.dev/allow";

/// How far up a run of comment lines is followed; a marker further away belongs to something else.
const MAX_COMMENT_RUN: usize = 30;

pub struct SourceLines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> SourceLines<'a> {
    pub fn new(text: &'a str) -> SourceLines<'a> {
        SourceLines { lines: text.lines().collect() }
    }

    fn get(&self, line: usize) -> Option<&'a str> {
        self.lines.get(line.checked_sub(1)?).copied()
    }

    /// Marker-bearing text governing `line`: the line itself and the unbroken run of comment-only lines
    /// directly above it.
    pub fn markers(&self, line: usize) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(l) = self.get(line) {
            if has_marker(l) {
                out.push(l.to_string());
            }
        }
        let mut above = line.saturating_sub(1);
        let mut seen = 0;
        while above >= 1 && seen < MAX_COMMENT_RUN {
            match self.get(above) {
                Some(l) if is_comment(l) => {
                    if has_marker(l) {
                        out.push(l.to_string());
                    }
                }
                _ => break,
            }
            above -= 1;
            seen += 1;
        }
        out
    }
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
}

fn has_marker(line: &str) -> bool {
    line.contains("leakgate:allow") || line.contains("gitleaks:allow") || line.contains("pragma: allowlist secret")
}

/// A marker from metadata (`leakgate.dev/allow: "iac-k8s-run-as-root static site"`), in the inline grammar.
/// An empty value allows nothing: a blank annotation must not silently hide every finding.
pub fn metadata_marker(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        None
    } else if v.contains("leakgate:allow") {
        Some(v.to_string())
    } else {
        Some(format!("leakgate:allow {v}"))
    }
}

/// Markers found in free text that may hold one (a `"//"` comment value in `*.tf.json`).
pub fn text_marker(text: &str) -> Option<String> {
    has_marker(text).then(|| text.to_string())
}

pub fn allowed(markers: &[String], check_id: &str) -> bool {
    markers.iter().any(|m| inline::allows(m, check_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_run_above_and_same_line() {
        let src = "a = 1\n# leakgate:allow iac-x static site\n# reviewed 2024\nresource {\n  acl = 1 # leakgate:allow iac-y\n}\n";
        let lines = SourceLines::new(src);
        let m = lines.markers(4);
        assert!(allowed(&m, "iac-x") && !allowed(&m, "iac-y"));
        assert!(allowed(&lines.markers(5), "iac-y"));
        assert!(lines.markers(1).is_empty());
        assert!(lines.markers(99).is_empty());
    }

    #[test]
    fn metadata_markers() {
        let m = vec![metadata_marker("iac-k8s-run-as-root, iac-k8s-privileged").unwrap()];
        assert!(allowed(&m, "iac-k8s-privileged"));
        assert!(!allowed(&m, "iac-k8s-host-namespace"));
        assert_eq!(metadata_marker("  "), None);
    }
}
