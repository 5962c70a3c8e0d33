//! Rules as data: the TOML shape (`schema`), the embedded built-in files (`builtin`), a loaded rule with lazily
//! compiled regexes (`rule`), allowlists, and the active `RuleSet` with its keyword automaton.
pub mod allowlist;
pub mod builtin;
pub mod context;
pub mod keyword_dfa;
mod keyword_reuse;
pub mod nearby;
pub mod prefixes;
pub mod provider_names;
pub mod rule;
pub mod rule_regex;
pub mod ruleset;
pub mod schema;

pub use allowlist::Allowlist;
pub use keyword_dfa::KeywordHit;
pub use rule::Rule;
pub use ruleset::RuleSet;
pub use schema::{AllowlistSpec, RuleSpec, Severity, ValidatorKind};

use crate::error::{Error, Result};

/// Upper bound on one compiled regex, so a pathological user pattern fails with a clear error instead of
/// eating memory.
pub(crate) const REGEX_SIZE_LIMIT: usize = 16 * 1024 * 1024;

/// Parses one rule file (`[[rules]]` tables). `origin` names it in errors.
pub fn parse_rule_file(origin: &str, text: &str) -> Result<Vec<Rule>> {
    let file: schema::RuleFile =
        toml::from_str(text).map_err(|e| Error::config(origin, allowlist::one_line(&e.to_string())))?;
    file.rules.into_iter().map(|spec| Rule::from_spec(spec, origin)).collect()
}

/// The built-in rules as one rule set, built once per process and shared: by a scan whose config adds and
/// disables nothing, and by the masking of displayed lines (`crate::redact`), which would otherwise build a
/// second one the first time a finding is shown (a few milliseconds of a pre-commit run).
pub fn builtin_rule_set() -> Result<std::sync::Arc<RuleSet>> {
    static SET: std::sync::OnceLock<std::result::Result<std::sync::Arc<RuleSet>, String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| builtin_rules().and_then(RuleSet::new).map(std::sync::Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|m| Error::config("builtin rules", m))
}

/// Every built-in rule, in file order. The embedded form is JSON made from `rules/*.toml` by `build.rs`.
pub fn builtin_rules() -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (name, json) in builtin::BUILTIN_RULE_FILES {
        let origin = format!("builtin:{name}");
        let file: schema::RuleFile =
            serde_json::from_str(json).map_err(|e| Error::config(&origin, allowlist::one_line(&e.to_string())))?;
        for spec in file.rules {
            rules.push(Rule::from_spec(spec, &origin)?);
        }
    }
    Ok(rules)
}
