//! Runs a rule's own examples through the full engine (keywords, regex, filters, validator): every example
//! must yield exactly its marked secret, every negative example nothing. Used by `cargo test`, by
//! `leakgate rules --check`, and when loading custom rules from a config file.
use std::sync::Arc;

use super::Scanner;
use crate::rules::{Allowlist, Rule, RuleSet};

/// One failed example: the rule, which example, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    pub origin: String,
    pub message: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: rule `{}`: {}", self.origin, self.rule, self.message)
    }
}

/// Checks the examples of every rule in `rules`, each rule alone in its own engine so that rules cannot hide
/// each other's mistakes. Built-in rules must have examples; custom rules may leave them out.
pub fn check_rules(rules: Vec<Rule>, require_examples: bool) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for rule in rules {
        let (id, origin) = (rule.id.clone(), rule.origin.clone());
        let fail = |message: String| ExampleFailure { rule: id.clone(), origin: origin.clone(), message };
        if let Err(e) = rule.compiled().and_then(|_| rule.allowlist()) {
            // The error already names the file and the rule; the failure adds them again when shown.
            let message = match e {
                crate::Error::Rule { message, .. } => message,
                other => other.to_string(),
            };
            failures.push(fail(message));
            continue;
        }
        if require_examples && rule.examples.is_empty() {
            failures.push(fail("has no examples".into()));
        }
        let examples = rule.examples.clone();
        let negatives = rule.negative_examples.clone();
        let keywords = rule.keywords.clone();
        let set = match RuleSet::new(vec![rule]) {
            Ok(s) => s,
            Err(e) => {
                failures.push(fail(e.to_string()));
                continue;
            }
        };
        let scanner = Scanner::new(Arc::new(set), Arc::new(Allowlist::default()));
        for ex in &examples {
            let lower = ex.text.to_lowercase();
            if !keywords.is_empty() && !keywords.iter().any(|k| lower.contains(k.as_str())) {
                failures.push(fail(format!("example contains none of the keywords: {:?}", ex.text)));
                continue;
            }
            let path = ex.path.as_deref().unwrap_or("example.txt");
            let found: Vec<String> = scanner
                .scan(ex.text.as_bytes(), path)
                .iter()
                .map(|c| {
                    let span = &ex.text.as_bytes()[c.secret_start..c.secret_end];
                    String::from_utf8_lossy(c.decoded.as_ref().map_or(span, |d| &d.secret[..])).into_owned()
                })
                .collect();
            if !found.iter().any(|s| s == &ex.secret) {
                let got = if found.is_empty() { "nothing".to_string() } else { format!("{found:?}") };
                failures
                    .push(fail(format!("example not found: expected {:?}, got {got}, in {:?}", ex.secret, ex.text)));
            }
        }
        for neg in &negatives {
            let text = neg.text();
            let found = scanner.scan(text.as_bytes(), neg.path());
            if let Some(c) = found.first() {
                let s = String::from_utf8_lossy(&text.as_bytes()[c.secret_start..c.secret_end]);
                failures.push(fail(format!("negative example matched {s:?} in {text:?}")));
            }
        }
    }
    failures
}
