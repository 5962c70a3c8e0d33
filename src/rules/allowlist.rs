//! Allowlists drop candidates by their secret (regexes, stopwords) or their file path (regexes). A rule carries
//! its own; `.leakgate.toml` adds a global one that applies to every rule.
use regex::bytes::{Regex, RegexBuilder};

use super::schema::AllowlistSpec;

#[derive(Debug, Default)]
pub struct Allowlist {
    /// All of the spec's secret regexes as one alternation: a generic rule lists two dozen, and each regex
    /// compiled on its own carries a fixed cost that a pre-commit run would pay for every one of them.
    regexes: Option<Regex>,
    stopwords: Vec<String>,
    paths: Option<Regex>,
}

impl Allowlist {
    /// Compiles the spec; the error names the offending pattern.
    pub fn compile(spec: &AllowlistSpec) -> Result<Self, String> {
        Ok(Allowlist {
            regexes: any_of(&spec.regexes)?,
            stopwords: spec.stopwords.iter().map(|s| s.to_lowercase()).collect(),
            paths: any_of(&spec.paths)?,
        })
    }

    pub fn allows_secret(&self, secret: &str) -> bool {
        if self.regexes.as_ref().is_some_and(|r| r.is_match(secret.as_bytes())) {
            return true;
        }
        if self.stopwords.is_empty() {
            return false;
        }
        let lower = secret.to_lowercase();
        self.stopwords.iter().any(|w| lower.contains(w.as_str()))
    }

    pub fn allows_path(&self, path: &str) -> bool {
        self.paths.as_ref().is_some_and(|r| r.is_match(path.as_bytes()))
    }
}

/// One regex matching where any of `patterns` does. Each is parsed alone first, so that an error names its pattern
/// and no pattern's parentheses can reach into another's.
fn any_of(patterns: &[String]) -> Result<Option<Regex>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let error = |p: &str, e: String| format!("allowlist regex `{p}`: {e}");
    for p in patterns {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(p)
            .map_err(|e| error(p, one_line(&e.to_string())))?;
    }
    let joined = patterns.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|");
    ascii_regex(&joined).map(Some).map_err(|e| {
        // Too big together: name the pattern that is too big alone, if one is.
        patterns.iter().find_map(|p| ascii_regex(p).err().map(|e| error(p, e))).unwrap_or_else(|| error(&joined, e))
    })
}

/// Compiles an allowlist or path regex with ASCII semantics, as rule regexes are: Unicode classes made the
/// generic rules' allowlists cost milliseconds each to build, paid on every pre-commit run.
pub(crate) fn ascii_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(super::REGEX_SIZE_LIMIT)
        .dfa_size_limit(super::REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| one_line(&e.to_string()))
}

/// regex errors span several lines with a caret diagram; users get one line.
pub(crate) fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist(regexes: &[&str], paths: &[&str]) -> Result<Allowlist, String> {
        Allowlist::compile(&AllowlistSpec {
            regexes: regexes.iter().map(|s| s.to_string()).collect(),
            stopwords: vec!["sandbox".into()],
            paths: paths.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn any_pattern_allows_and_flags_stay_inside_their_pattern() {
        let a = allowlist(&["(?i)^test", "^prod$"], &[r"\.md$"]).unwrap();
        assert!(a.allows_secret("TESTkey") && a.allows_secret("prod") && a.allows_secret("mySandBox1"));
        // `(?i)` of the first pattern does not reach the second.
        assert!(!a.allows_secret("PROD"));
        assert!(a.allows_path("docs/x.md") && !a.allows_path("x.rs"));
        assert!(!Allowlist::default().allows_secret("x") && !Allowlist::default().allows_path("x"));
    }

    #[test]
    fn errors_name_the_pattern() {
        let e = allowlist(&["ok", "a)|(b"], &[]).err().unwrap();
        assert!(e.contains("`a)|(b`"), "{e}");
        let e = allowlist(&[], &["x", r"\w{1000}{1000}"]).err().unwrap();
        assert!(e.contains(r"`\w{1000}{1000}`"), "{e}");
    }
}
