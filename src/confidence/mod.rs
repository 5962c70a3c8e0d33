//! How sure leakgate is that a finding is a live credential, and why.
//!
//! A rule states the confidence its format earns on its own (a unique prefix with a checksum is `high`; a bare
//! 32-hex key that needs the provider's name nearby is `medium` at best). The scoring step then raises or
//! lowers it from named evidence about the one match, and a finding carries both the level and the evidence,
//! so a user can see why it was reported or hidden.
pub use crate::evidence::{Confidence, Evidence};

mod gather;
mod paths;
mod words;

use crate::finding::{Detail, Finding};
use crate::rules::RuleSet;

/// A finding's confidence and the evidence that set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scored {
    pub level: Confidence,
    pub evidence: Vec<Evidence>,
}

/// Scores one secret finding: the rule's own confidence, then each piece of evidence about this match.
/// `path` is the finding's path relative to what was scanned, so the folder a user scans from does not count
/// as evidence about the files in it.
pub fn score(rules: &RuleSet, finding: &Finding, path: &str) -> Scored {
    let Detail::Secret(m) = &finding.detail else { return Scored { level: Confidence::High, evidence: Vec::new() } };
    let secret = m.secret.as_str();
    let Some(rule) = rules.get(&finding.rule_id) else {
        return Scored { level: Confidence::Medium, evidence: Vec::new() };
    };
    let (validated, entropy) = (m.validated, m.entropy);
    let mut found = gather::gather(&gather::Facts {
        line: &finding.line,
        secret,
        path,
        generic: rule.generic,
        validated,
        // A generic rule's floor only keeps out the obvious; clearing it by a bit says nothing about a password.
        strong_entropy: !rule.generic && rule.entropy.is_some_and(|floor| entropy >= floor + 1.0),
        // Had the provider's rule accepted the value, its finding would have won over the generic one.
        provider_look_alike: rule.generic
            && (rules.provider_prefix_rule(secret).is_some()
                || named_provider_look_alike(rules, &finding.line, secret)),
    });
    // Known to the engine only, so it arrives on the finding: a raise goes before every lowering, a lowering last.
    for e in m.evidence.iter().filter(|e| e.is_from_engine()) {
        if !found.contains(e) {
            if e.raises() {
                found.insert(0, *e);
            } else {
                found.push(*e);
            }
        }
    }
    let mut level = rule.confidence;
    for e in &found {
        level = e.apply(level);
    }
    Scored { level, evidence: found }
}

/// A value assigned to a provider's name (`DEEPGRAM_API_KEY=…`) but in none of that provider's formats.
fn named_provider_look_alike(rules: &RuleSet, line: &str, secret: &str) -> bool {
    let Some(at) = line.find(secret) else { return false };
    let (before, after) = (&line[..at], &line[at + secret.len()..]);
    // A URL's password (`https://elastic:…@host`) is assigned to no name: the user name before it is no key.
    if after.starts_with('@') || before.contains("://") {
        return false;
    }
    gather::key_name(before).is_some_and(|key| rules.fits_no_named_provider(key, secret))
}

/// Scores every finding in place (secret findings get their level and evidence; other kinds are `high`).
pub fn score_all(rules: &RuleSet, findings: &mut [Finding], relative: impl Fn(&str) -> String) {
    for f in findings.iter_mut() {
        let path = relative(&f.path);
        let scored = score(rules, f, &path);
        if let Detail::Secret(m) = &mut f.detail {
            m.confidence = scored.level;
            m.evidence = scored.evidence;
        }
    }
}
