//! Secrets in a displayed line that no reported finding names: one a disabled or allowlisted rule would have
//! found, or one whose own finding was suppressed (ignore file, baseline, marker). Suppression decides what is
//! reported, not what a report may show, so every built-in rule's match is masked in every line a report
//! quotes (a finding's line, its commit subject and author). The lines are short and only the reported
//! findings' are searched, so this runs the rules' regexes directly, with no keyword windows, and with none of
//! the allowlists.
use std::collections::HashMap;
use std::sync::Arc;

use regex_automata::Input;

use super::line_mask::LineMasker;
use crate::engine::{entropy::shannon_bits, placeholder::placeholder_reason};
use crate::rules::{builtin_rule_set, RuleSet};

/// The built-in rules, whatever the config disables (the process's shared set: their regexes compiled as
/// keywords call for them).
fn builtin() -> Option<Arc<RuleSet>> {
    builtin_rule_set().ok()
}

/// What a built-in rule would take for a secret in `text` at `path`: its regex's secret, unless a placeholder or
/// below the rule's entropy (what makes a match a secret), whatever the allowlists say (what makes one
/// reported). Widened to whole characters: the rules' byte regexes may start inside one.
pub fn builtin_secrets(text: &str, path: &str) -> Vec<String> {
    let Some(rules) = builtin() else { return Vec::new() };
    let rules = &*rules;
    let mut hits = Vec::new();
    rules.keyword_hits(text.as_bytes(), &mut hits);
    let mut ids: Vec<u32> = hits.iter().flat_map(|h| rules.rules_for_pattern(h.pattern as usize)).copied().collect();
    ids.extend_from_slice(rules.unkeyed());
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let rule = &rules.rules()[id as usize];
        let Ok(compiled) = rule.compiled() else { continue };
        if compiled.path.as_ref().is_some_and(|p| !p.is_match(path.as_bytes())) {
            continue;
        }
        let regex = compiled.regex.for_search(text.len());
        let mut caps = regex.create_captures();
        let mut at = 0;
        while at <= text.len() {
            regex.search_captures(&Input::new(text).span(at..text.len()), &mut caps);
            let Some(whole) = caps.get_group(0) else { break };
            let secret = caps.get_group(compiled.regex.secret_group).filter(|m| !m.is_empty());
            at = secret.map_or(whole.end, |m| m.end).max(whole.start + 1);
            let Some(m) = secret else { continue };
            let (mut start, mut end) = (m.start, m.end);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let found = &text[start..end];
            if placeholder_reason(found).is_some()
                || rule.entropy.is_some_and(|min| shannon_bits(found.as_bytes()) < min)
            {
                continue;
            }
            out.push(found.to_string());
        }
    }
    out
}

/// Masks built-in rules' secrets in texts of one path, each distinct text searched once.
#[derive(Default)]
pub struct RuleMasker {
    seen: HashMap<(String, String), String>,
}

impl RuleMasker {
    pub fn mask(&mut self, text: &str, path: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        self.seen
            .entry((text.to_string(), path.to_string()))
            .or_insert_with(|| {
                let secrets = builtin_secrets(text, path);
                if secrets.is_empty() {
                    text.to_string()
                } else {
                    LineMasker::new(&secrets).mask(text)
                }
            })
            .clone()
    }
}
