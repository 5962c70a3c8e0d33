//! The literal prefixes that provider formats start with (`ghp_`, `xoxb-`, `sk-ant-api03-`, `AKIA`), read off
//! each specific rule's regex. A value that a generic rule found and that starts with one of them claims to be
//! that provider's token, yet the provider's own rule did not accept it (it would have won the overlap): it is
//! truncated, made up, a placeholder or in the wrong case, as the look-alikes in documentation and tests are.
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::rule::Rule;

/// Shorter literals (`sk-`, `pat`, `eyJ`) begin too many ordinary values, or other providers' tokens, to say anything.
const MIN_PREFIX_LEN: usize = 4;
/// Words that begin tokens of many unrelated services (`live_`, `test_`, `api_`, `key-`, `user:`): a value that
/// starts with one claims no provider.
const GENERIC_HEADS: &[&str] =
    &["api", "app", "auth", "key", "live", "pass", "prod", "sand", "secret", "test", "token", "user"];
/// A URL scheme alone (`https://`) says nothing about the provider; the host that follows it does.
const MIN_AFTER_SCHEME: usize = 4;

/// The provider prefixes of a rule set, lower-cased (a token written in the wrong case is a look-alike too).
#[derive(Debug)]
pub struct ProviderPrefixes {
    /// (prefix, rule id), longest prefix first.
    prefixes: Vec<(String, String)>,
}

impl ProviderPrefixes {
    pub fn new(rules: &[Rule]) -> ProviderPrefixes {
        let mut prefixes = Vec::new();
        for rule in rules.iter().filter(|r| !r.generic) {
            for p in literal_prefixes(&rule.regex_source) {
                if !prefixes.iter().any(|(q, _): &(String, String)| *q == p) {
                    prefixes.push((p, rule.id.clone()));
                }
            }
        }
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        ProviderPrefixes { prefixes }
    }

    /// The rule whose format `value` starts like, in any letter case.
    pub fn rule_of(&self, value: &str) -> Option<&str> {
        let head = value.get(..value.len().min(64)).unwrap_or(value).to_ascii_lowercase();
        self.prefixes.iter().find(|(p, _)| head.starts_with(p.as_str())).map(|(_, id)| id.as_str())
    }
}

/// The literal text every match of the regex's secret group (named `secret`, else group 1, else the whole match)
/// starts with, one entry per alternative, lower-cased; empty when the group can start with a class of
/// characters (a bare hex or base64 key has no prefix).
pub fn literal_prefixes(regex: &str) -> Vec<String> {
    // ASCII case folding: Unicode's would add `ſ` for `s` and the Kelvin sign for `k` to every `(?i)` prefix.
    let ascii = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(regex).ok();
    let Some(hir) = ascii.or_else(|| regex_syntax::ParserBuilder::new().build().parse(regex).ok()) else {
        return Vec::new();
    };
    let group = super::rule_regex::secret_group(&hir).unwrap_or(&hir);
    // A class of two is one letter in either case; a wider one (`[0-9]`) is where the fixed part ends.
    let seq = Extractor::new().kind(ExtractKind::Prefix).limit_class(2).extract(group);
    let Some(literals) = seq.literals() else { return Vec::new() };
    let mut out: Vec<String> = Vec::new();
    for lit in literals {
        let Ok(text) = std::str::from_utf8(lit.as_bytes()) else { continue };
        let text = text.to_ascii_lowercase();
        if is_distinctive(&text) && !out.contains(&text) {
            out.push(text);
        }
    }
    // A literal that another one extends adds nothing: `xoxb-` already covers `xoxb-1`.
    let all = out.clone();
    out.retain(|p| !all.iter().any(|q| q != p && p.starts_with(q.as_str())));
    out
}

fn is_distinctive(prefix: &str) -> bool {
    if prefix.len() < MIN_PREFIX_LEN || !prefix.bytes().any(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let head = prefix.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
    if GENERIC_HEADS.contains(&head) {
        return false;
    }
    match prefix.find("://") {
        Some(i) => prefix.len() - (i + 3) >= MIN_AFTER_SCHEME,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_come_from_the_secret_group() {
        assert_eq!(literal_prefixes(r"(?:^|[^A-Za-z0-9_])(?P<secret>ghp_[A-Za-z0-9]{36})\b"), vec!["ghp_"]);
        assert_eq!(
            literal_prefixes(r"(?P<secret>(?:sk|rk)_live_[A-Za-z0-9]{24,})"),
            vec!["sk_live_".to_string(), "rk_live_".to_string()]
        );
        assert_eq!(literal_prefixes(r"\b(AKIA[0-9A-Z]{16})\b"), vec!["akia"]);
        // Case-insensitive patterns give one lower-cased prefix.
        assert_eq!(literal_prefixes(r"(?i)(?P<secret>glpat-[0-9a-z_-]{20})"), vec!["glpat-"]);
    }

    #[test]
    fn the_builtin_rules_give_distinctive_prefixes_only() {
        let rules = crate::rules::builtin_rules().unwrap();
        let set = ProviderPrefixes::new(&rules);
        for (value, rule) in [
            ("GHP_short", "github-classic-pat"),
            ("xoxb-1-2", "slack-bot-token"),
            ("AKIAXXXX", "aws-access-key-id"),
            ("glpat-abc", "gitlab-personal-access-token"),
        ] {
            assert_eq!(set.rule_of(value), Some(rule), "{value}");
        }
        // Shared by many services' tokens, or too short to name one.
        for value in ["sk-abc123", "api_4f3a9c", "live_9c8b7a", "key-8f7e6d", "eyJhbGciOi", "pat123", "k00xyz"] {
            assert_eq!(set.rule_of(value), None, "{value}");
        }
    }

    #[test]
    fn formats_without_a_prefix_have_none() {
        assert!(literal_prefixes(r"(?i)datadog.{0,20}(?P<secret>[a-f0-9]{32})").is_empty());
        assert!(literal_prefixes(r"(?P<secret>[A-Za-z0-9+/]{40})").is_empty());
        // A scheme alone is not a provider's prefix; a webhook host is.
        assert!(literal_prefixes(r"(?P<secret>https://[a-z]+\.example\.net/[a-z]{8})").is_empty());
        assert_eq!(
            literal_prefixes(r"(?P<secret>https://hooks\.slack\.com/services/[A-Z0-9/]{20,})"),
            vec!["https://hooks.slack.com/services/"]
        );
    }
}
