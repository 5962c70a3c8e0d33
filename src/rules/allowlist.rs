//! Allowlists drop candidates by their secret (regexes, stopwords) or their file path (regexes). A rule carries
//! its own; `.leakgate.toml` adds a global one that applies to every rule.
use regex::bytes::{Regex, RegexBuilder};

use super::schema::AllowlistSpec;

#[derive(Debug, Default)]
pub struct Allowlist {
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
    paths: Vec<Regex>,
}

impl Allowlist {
    /// Compiles the spec; the error names the offending pattern.
    pub fn compile(spec: &AllowlistSpec) -> Result<Self, String> {
        let build = |p: &String| ascii_regex(p).map_err(|e| format!("allowlist regex `{p}`: {e}"));
        Ok(Allowlist {
            regexes: spec.regexes.iter().map(build).collect::<Result<_, _>>()?,
            stopwords: spec.stopwords.iter().map(|s| s.to_lowercase()).collect(),
            paths: spec.paths.iter().map(build).collect::<Result<_, _>>()?,
        })
    }

    pub fn allows_secret(&self, secret: &str) -> bool {
        if self.regexes.iter().any(|r| r.is_match(secret.as_bytes())) {
            return true;
        }
        if self.stopwords.is_empty() {
            return false;
        }
        let lower = secret.to_lowercase();
        self.stopwords.iter().any(|w| lower.contains(w.as_str()))
    }

    pub fn allows_path(&self, path: &str) -> bool {
        self.paths.iter().any(|r| r.is_match(path.as_bytes()))
    }
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
